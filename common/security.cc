#include "common/security.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/page_token.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

ABSL_FLAG(std::string, tls_cert, "", "Server certificate chain (PEM). With --tls_key: TLS.");
ABSL_FLAG(std::string, tls_key, "", "Server private key (PEM).");
ABSL_FLAG(std::string, tls_client_ca, "",
          "CA bundle (PEM) that client certificates must chain to; set for mTLS.");
ABSL_FLAG(bool, insecure, false,
          "Allow plaintext on a non-loopback address. Never in production.");
ABSL_FLAG(std::string, token_file, "",
          "Bearer tokens: lines of 'sha256:<hex> <principal> <roles>'. Without it calls are "
          "not authenticated (loopback only).");
ABSL_FLAG(std::string, reflection, "auto",
          "Serve gRPC reflection: true, false, or auto (on without --token_file).");
ABSL_FLAG(double, rate_limit, 2000,
          "Requests a second each principal may make on average (0: unlimited).");
ABSL_FLAG(double, rate_limit_burst, 4000, "Requests a principal may make at once.");
ABSL_FLAG(int32_t, max_concurrent_streams, 1000,
          "Most RPCs one client connection may have open at once.");
ABSL_FLAG(std::string, page_token_key_file, "",
          "Secret (at least 32 bytes) that signs page tokens; every replica of a service must "
          "share it. Without it a random key per process: tokens end with the process.");
ABSL_FLAG(int32_t, health_port, -1,
          "With TLS: also listen in plaintext on this port for Kubernetes' gRPC probes; only "
          "the health service answers there. -1: none; 0: a free port.");

namespace common {
namespace {

constexpr unsigned kCertificateRefreshSeconds = 5;

bool Readable(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

}  // namespace

absl::StatusOr<SecurityConfig> SecurityConfigFromFlags(const ServerConfig& server) {
  SecurityConfig s;
  FieldViolations v;
  s.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  s.tls_key = absl::GetFlag(FLAGS_tls_key);
  s.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  s.insecure = absl::GetFlag(FLAGS_insecure);
  s.token_file = absl::GetFlag(FLAGS_token_file);
  if (s.tls_cert.empty() != s.tls_key.empty()) {
    v.Add(s.tls_cert.empty() ? "--tls_cert" : "--tls_key",
          "--tls_cert and --tls_key go together");
  }
  for (const auto& [flag, path] : {std::pair<const char*, std::string>{"--tls_cert", s.tls_cert},
                                   {"--tls_key", s.tls_key},
                                   {"--tls_client_ca", s.tls_client_ca},
                                   {"--token_file", s.token_file}}) {
    if (!path.empty() && !Readable(path)) {
      v.Add(flag, absl::StrCat("cannot read ", path));
    }
  }
  if (!s.tls_client_ca.empty() && s.tls_cert.empty()) {
    v.Add("--tls_client_ca", "client certificates need TLS: give --tls_cert and --tls_key");
  }
  if (!s.tls() && !server.IsLoopback() && !s.insecure) {
    v.Add("--tls_cert", absl::StrCat("refusing plaintext on ", server.listen,
                                     ": give --tls_cert and --tls_key, listen on loopback, "
                                     "or pass --insecure"));
  }
  if (s.token_file.empty() && !server.IsLoopback() && !s.insecure) {
    v.Add("--token_file", absl::StrCat("refusing unauthenticated calls on ", server.listen,
                                      ": give --token_file, listen on loopback, or pass "
                                      "--insecure"));
  }
  const std::string reflection = absl::GetFlag(FLAGS_reflection);
  if (reflection == "auto") {
    s.reflection = s.token_file.empty();
  } else if (reflection == "true" || reflection == "false") {
    s.reflection = reflection == "true";
  } else {
    v.Add("--reflection", absl::StrCat("must be true, false or auto, got \"", reflection, "\""));
  }
  s.rate_limit = absl::GetFlag(FLAGS_rate_limit);
  s.rate_limit_burst = absl::GetFlag(FLAGS_rate_limit_burst);
  s.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  if (s.max_concurrent_streams < 1 || s.max_concurrent_streams > 100000) {
    v.Add("--max_concurrent_streams",
          absl::StrCat("must be 1..100000, got ", s.max_concurrent_streams));
  }
  s.health_port = absl::GetFlag(FLAGS_health_port);
  if (s.health_port < -1 || s.health_port > 65535) {
    v.Add("--health_port", absl::StrCat("must be -1 (none) or 0..65535, got ", s.health_port));
  }
  if (const std::string path = absl::GetFlag(FLAGS_page_token_key_file); !path.empty()) {
    std::ifstream in(path, std::ios::binary);
    std::string key;
    if (in.is_open()) key.assign(std::istreambuf_iterator<char>(in), {});
    if (!in.is_open() || in.bad()) {
      v.Add("--page_token_key_file", absl::StrCat("cannot read ", path));
    } else if (key.size() < kMinPageTokenKeyBytes) {
      v.Add("--page_token_key_file", absl::StrCat(path, " holds ", key.size(),
                                                 " bytes; a key needs at least ",
                                                 kMinPageTokenKeyBytes));
    } else {
      s.page_token_key = std::move(key);
    }
  }
  if (s.rate_limit < 0) {
    v.Add("--rate_limit", "must not be negative (0 turns limiting off)");
  }
  if (s.rate_limit > 0 && s.rate_limit_burst < 1) {
    v.Add("--rate_limit_burst", "must be at least 1");
  }
  if (!v.empty()) {
    return v.ToStatus("INVALID_CONFIGURATION");
  }
  return s;
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const SecurityConfig& security) {
  if (!security.tls()) {
    return grpc::InsecureServerCredentials();
  }
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      security.tls_key, security.tls_cert, security.tls_client_ca, kCertificateRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!security.tls_client_ca.empty()) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<TokenStore>> LoadTokens(const SecurityConfig& security) {
  if (security.token_file.empty()) {
    return std::shared_ptr<TokenStore>();
  }
  absl::StatusOr<std::unique_ptr<TokenStore>> store = TokenStore::Open(security.token_file);
  if (!store.ok()) {
    return store.status();
  }
  return std::shared_ptr<TokenStore>(std::move(*store));
}

std::shared_ptr<RateLimiter> NewRateLimiter(const SecurityConfig& security) {
  if (security.rate_limit <= 0) {
    return nullptr;
  }
  return std::make_shared<RateLimiter>(security.rate_limit, security.rate_limit_burst);
}

std::shared_ptr<grpc::ChannelCredentials> ClientCredentials(const std::string& ca,
                                                            const std::string& cert,
                                                            const std::string& key) {
  if (ca.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      key, cert, ca, kCertificateRefreshSeconds);
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  if (!cert.empty()) {
    options.watch_identity_key_cert_pairs();
  }
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace common

namespace common {
namespace {

class BearerToken : public grpc::MetadataCredentialsPlugin {
 public:
  explicit BearerToken(std::string token) : header_("Bearer " + std::move(token)) {}
  grpc::Status GetMetadata(grpc::string_ref, grpc::string_ref, const grpc::AuthContext&,
                           std::multimap<grpc::string, grpc::string>* metadata) override {
    metadata->emplace("authorization", header_);
    return grpc::Status::OK;
  }
  bool IsBlocking() const override { return false; }

 private:
  const std::string header_;
};

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> ClientCredentials(const std::string& ca,
                                                            const std::string& cert,
                                                            const std::string& key,
                                                            const std::string& token) {
  std::shared_ptr<grpc::ChannelCredentials> channel = ClientCredentials(ca, cert, key);
  if (token.empty()) {
    return channel;
  }
  return grpc::CompositeChannelCredentials(
      channel, grpc::MetadataCredentialsFromPlugin(std::make_unique<BearerToken>(token)));
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path, absl::string_view flag) {
  if (path.empty()) {
    return std::string();
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(text.str()));
  if (!in || token.empty()) {
    return InvalidField(flag, absl::StrCat("cannot read a token from ", path));
  }
  return token;
}

}  // namespace common
