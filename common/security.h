// File: common/security.h
//
// Transport security and authentication settings shared by both servers:
//
//   --tls_cert, --tls_key    server certificate chain and key (PEM); re-read when the files
//                            change (Kubernetes rotates Secrets in place)
//   --tls_client_ca          when set, clients must present a certificate signed by this CA
//                            (mTLS; analytics -> records)
//   --insecure               allow plaintext on a non-loopback address (explicit opt-in)
//   --token_file             bearer tokens (common/auth.h); without it, calls are not
//                            authenticated, which is allowed only on loopback
//   --reflection             serve gRPC reflection (open to all); default: on without a token
//                            file (development), off with one
//   --rate_limit, --rate_limit_burst   requests a second per principal, and the burst
//   --max_concurrent_streams  open RPCs per client connection
//   --page_token_key_file    secret that signs page tokens (common/page_token.h), shared by
//                            the replicas of a service; default: a random key per process
//   --health_port            with TLS: a plaintext port for Kubernetes' gRPC probes, where
//                            only the health service answers (-1: none)
//
// Plaintext is allowed only on loopback or with --insecure; anything else refuses to start
// with a message saying what to add.
#pragma once

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "common/auth.h"
#include "common/config.h"
#include "common/rate_limiter.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(std::string, tls_client_ca);
ABSL_DECLARE_FLAG(bool, insecure);
ABSL_DECLARE_FLAG(std::string, token_file);
ABSL_DECLARE_FLAG(std::string, reflection);
ABSL_DECLARE_FLAG(double, rate_limit);
ABSL_DECLARE_FLAG(double, rate_limit_burst);
ABSL_DECLARE_FLAG(int32_t, max_concurrent_streams);
ABSL_DECLARE_FLAG(std::string, page_token_key_file);
ABSL_DECLARE_FLAG(int32_t, health_port);

namespace common {

struct SecurityConfig {
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  bool insecure = false;
  std::string token_file;
  bool reflection = true;
  double rate_limit = 0;
  double rate_limit_burst = 0;
  int max_concurrent_streams = 0;
  int health_port = -1;
  std::string page_token_key;  // from --page_token_key_file; empty: a random key

  bool tls() const { return !tls_cert.empty(); }
};

// Reads and validates the flags against where the server listens.
absl::StatusOr<SecurityConfig> SecurityConfigFromFlags(const ServerConfig& server);

// TLS (with optional client-certificate verification) or plaintext credentials.
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const SecurityConfig& security);

// The token store, or nullptr when no --token_file is given.
absl::StatusOr<std::shared_ptr<TokenStore>> LoadTokens(const SecurityConfig& security);

// The per-principal rate limiter, or nullptr when --rate_limit is 0.
std::shared_ptr<RateLimiter> NewRateLimiter(const SecurityConfig& security);

// Client credentials for calling another dangbo service: TLS verifying the server against
// `ca` (PEM file), presenting `cert`/`key` when given (mTLS); plaintext when `ca` is empty.
std::shared_ptr<grpc::ChannelCredentials> ClientCredentials(const std::string& ca,
                                                            const std::string& cert,
                                                            const std::string& key);

// The same, also sending "authorization: Bearer <token>" on every call (when `token` is not
// empty). gRPC sends call credentials only over TLS, so a token needs `ca`.
std::shared_ptr<grpc::ChannelCredentials> ClientCredentials(const std::string& ca,
                                                            const std::string& cert,
                                                            const std::string& key,
                                                            const std::string& token);

// The token in a file (surrounding white space dropped); "" for an empty path;
// INVALID_ARGUMENT naming `flag` when the file cannot be read or is empty.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path, absl::string_view flag);

}  // namespace common
