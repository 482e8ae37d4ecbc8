#include "common/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdint>
#include <cstdlib>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"

namespace common {
namespace {

constexpr char kTokenVersion = 2;
constexpr size_t kMacBytes = 16;
constexpr size_t kMaxMethodBytes = 64;
constexpr absl::string_view kField = "page_token";
constexpr absl::string_view kNotAToken =
    "not a valid page token (use next_page_token as returned, on the same service)";

class KeyHolder {
 public:
  KeyHolder() {
    key_.resize(kMinPageTokenKeyBytes);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()),
                   static_cast<int>(key_.size())) != 1) {
      std::abort();  // no randomness: nothing about tokens could be trusted
    }
  }
  void Set(absl::string_view key) {
    absl::MutexLock lock(&mu_);
    key_.assign(key.data(), key.size());
  }
  std::string Mac(absl::string_view data) const {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    absl::ReaderMutexLock lock(&mu_);
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
    return std::string(reinterpret_cast<const char*>(mac), kMacBytes);
  }

 private:
  mutable absl::Mutex mu_;
  std::string key_ ABSL_GUARDED_BY(mu_);
};

KeyHolder& Key() {
  static KeyHolder* holder = new KeyHolder();
  return *holder;
}

void PutU64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetU64(absl::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  }
  return v;
}

// The first 8 bytes of SHA-256 over the length-prefixed parent, filter and order_by.
uint64_t ScopeHash(const ListScope& scope) {
  std::string data;
  for (const std::string* part : {&scope.parent, &scope.filter, &scope.order_by}) {
    PutU64(part->size(), &data);
    data += *part;
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return GetU64(absl::string_view(reinterpret_cast<const char*>(digest), 8));
}

}  // namespace

absl::Status SetPageTokenKey(absl::string_view key) {
  if (key.size() < kMinPageTokenKeyBytes) {
    return InvalidField("page_token_key",
                        absl::StrCat("must be at least ", kMinPageTokenKeyBytes, " bytes, got ",
                                     key.size()));
  }
  Key().Set(key);
  return absl::OkStatus();
}

// Layout: version (1) | issued, Unix seconds (8) | scope hash (8) | method length (1) |
// method | last key | HMAC of all that (16).
std::string MakePageToken(absl::string_view last_key, const ListScope& scope, absl::Time now) {
  const absl::string_view method = absl::string_view(scope.method).substr(0, kMaxMethodBytes);
  std::string payload;
  payload.push_back(kTokenVersion);
  PutU64(static_cast<uint64_t>(absl::ToUnixSeconds(now)), &payload);
  PutU64(ScopeHash(scope), &payload);
  payload.push_back(static_cast<char>(method.size()));
  payload.append(method.data(), method.size());
  payload.append(last_key.data(), last_key.size());
  payload += Key().Mac(payload);
  return absl::WebSafeBase64Escape(payload);
}

absl::StatusOr<std::string> ParsePageToken(absl::string_view token, const ListScope& scope,
                                           absl::Time now, absl::Duration ttl) {
  if (token.empty()) return std::string();
  constexpr size_t kHeader = 1 + 8 + 8 + 1;
  std::string payload;
  if (!absl::WebSafeBase64Unescape(token, &payload) || payload.size() < kHeader + kMacBytes ||
      payload[0] != kTokenVersion) {
    return InvalidField(kField, kNotAToken);
  }
  const absl::string_view body(payload.data(), payload.size() - kMacBytes);
  const std::string mac = Key().Mac(body);
  if (CRYPTO_memcmp(mac.data(), payload.data() + body.size(), kMacBytes) != 0) {
    return InvalidField(kField, kNotAToken);
  }
  const size_t method_size = static_cast<unsigned char>(body[kHeader - 1]);
  if (body.size() < kHeader + method_size) return InvalidField(kField, kNotAToken);
  const absl::string_view method = body.substr(kHeader, method_size);
  if (method != absl::string_view(scope.method).substr(0, kMaxMethodBytes)) {
    return InvalidField(kField, absl::StrCat("was issued by ", method, ", not ", scope.method,
                                             "; a page token is valid only for the method, "
                                             "parent, filter and order_by that issued it"));
  }
  if (GetU64(body.substr(9, 8)) != ScopeHash(scope)) {
    return InvalidField(kField,
                        "does not match the request's parent, filter or order_by (a page token "
                        "is valid only with the same parent, filter and order_by)");
  }
  const absl::Time issued = absl::FromUnixSeconds(static_cast<int64_t>(GetU64(body.substr(1, 8))));
  if (now - issued > ttl) {
    return InvalidField(kField, "expired; restart the listing without a page_token");
  }
  return std::string(body.substr(kHeader + method_size));
}

}  // namespace common
