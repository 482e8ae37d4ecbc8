#include "common/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/logging.h"

namespace common {
namespace {

constexpr absl::string_view kHashPrefix = "sha256:";

std::string Sha256(absl::string_view data) {
  // SHA256() looks the algorithm up in OpenSSL's providers on every call (EVP_MD_fetch),
  // which cost more than hashing a token; look it up once.
  static const EVP_MD* const sha256 = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, sha256, nullptr);
  return std::string(reinterpret_cast<const char*>(digest), SHA256_DIGEST_LENGTH);
}

// A clock that a change of the system time does not move.
int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::Status Unauthenticated() {
  return absl::UnauthenticatedError("missing or invalid credentials");
}

}  // namespace

absl::StatusOr<std::set<std::string>> RolePermissions(absl::string_view role) {
  const std::set<std::string> viewer = {kRecordsRead, kRecordsWatch, kAnalyticsRead};
  if (role == "viewer") {
    return viewer;
  }
  if (role == "editor") {
    std::set<std::string> p = viewer;
    p.insert({kRecordsWrite, kAnalyticsWrite});
    return p;
  }
  if (role == "inspector") {
    std::set<std::string> p = viewer;
    // dues.read: party-finance inspections (kiểm tra tài chính đảng) check the dues ledger.
    p.insert({kInspectionsWrite, kPiiRead, kDuesRead});
    return p;
  }
  if (role == "treasurer") {
    // The cell's dues collector: records payments and remittances and sees what each member
    // owes, but no personal data (no pii.read: no salary, birth date or national ID).
    std::set<std::string> p = viewer;
    p.insert({kDuesRead, kDuesWrite});
    return p;
  }
  if (role == "admin") {
    return std::set<std::string>{kRecordsRead,    kRecordsWatch, kRecordsWrite, kInspectionsWrite,
                                 kPiiRead,        kAuditRead,    kAdminBackup,  kAnalyticsRead,
                                 kAnalyticsWrite, kDuesRead,     kDuesWrite,    kDuesRatesWrite};
  }
  if (role == "service") {
    // The analytics follower: reads and watches records, never personal data; dues.read
    // because it counts dues due and collected from the payments it follows.
    return std::set<std::string>{kRecordsRead, kRecordsWatch, kAnalyticsRead, kDuesRead};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role \"", role,
                   "\"; roles are viewer, editor, inspector, treasurer, admin, service"));
}

std::string HashToken(absl::string_view token) {
  return absl::StrCat(kHashPrefix, absl::BytesToHexString(Sha256(token)));
}

absl::StatusOr<std::vector<TokenStore::Entry>> TokenStore::Parse(const std::string& text) {
  std::vector<Entry> entries;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) {
      continue;
    }
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("token file line ", line_number, ": ", why,
                                                     " (expected: sha256:<64 hex> <principal> "
                                                     "<role>[,<role>...])"));
    };
    if (parts.size() != 3) {
      return bad("needs three columns");
    }
    if (!absl::StartsWith(parts[0], kHashPrefix)) {
      return bad("the hash must start with sha256:");
    }
    absl::string_view hex = parts[0].substr(kHashPrefix.size());
    if (hex.size() != 64 ||
        hex.find_first_not_of("0123456789abcdefABCDEF") != absl::string_view::npos) {
      return bad("the hash must be 64 hex digits");
    }
    Entry entry;
    entry.hash = absl::HexStringToBytes(hex);
    auto principal = std::make_shared<Principal>();
    principal->name = std::string(parts[1]);
    for (absl::string_view role : absl::StrSplit(parts[2], ',', absl::SkipEmpty())) {
      absl::StatusOr<std::set<std::string>> permissions = RolePermissions(role);
      if (!permissions.ok()) {
        return bad(permissions.status().message());
      }
      principal->roles.emplace_back(role);
      principal->permissions.insert(permissions->begin(), permissions->end());
    }
    if (principal->roles.empty()) {
      return bad("no role");
    }
    entry.principal = std::move(principal);
    entries.push_back(std::move(entry));
  }
  return entries;
}

TokenStore::FileStamp TokenStore::Stamp(const std::string& path) {
  struct stat st;
  FileStamp stamp;
  if (stat(path.c_str(), &st) == 0) {
    stamp.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    stamp.size = st.st_size;
    stamp.inode = st.st_ino;
  }
  return stamp;
}

absl::StatusOr<std::unique_ptr<TokenStore>> TokenStore::Open(std::string path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read token file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::vector<Entry>> entries = Parse(text.str());
  if (!entries.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", entries.status().message()));
  }
  std::unique_ptr<TokenStore> store(new TokenStore(std::move(path)));
  absl::MutexLock lock(&store->mu_);
  store->entries_ = std::make_shared<const std::vector<Entry>>(std::move(*entries));
  store->stamp_ = Stamp(store->path_);
  store->last_check_ns_.store(SteadyNanos());
  return store;
}

void TokenStore::ReloadIfStale() {
  constexpr int64_t kCheckEveryNs = 1000000000;
  const int64_t now = SteadyNanos();
  int64_t last = last_check_ns_.load(std::memory_order_relaxed);
  if (now - last <= kCheckEveryNs) {
    return;
  }
  // Only the caller that moves the time forward looks; the others go on with what there is.
  if (last_check_ns_.compare_exchange_strong(last, now)) {
    ReloadIfChanged();
  }
}

void TokenStore::ReloadIfChanged() {
  const FileStamp now = Stamp(path_);
  last_check_ns_.store(SteadyNanos());
  {
    absl::MutexLock lock(&mu_);
    if (now == stamp_) {
      return;
    }
  }
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::vector<Entry>> entries =
      in ? Parse(text.str()) : absl::StatusOr<std::vector<Entry>>(absl::NotFoundError("missing"));
  absl::MutexLock lock(&mu_);
  stamp_ = now;
  if (!entries.ok()) {
    LogError("token file not reloaded; keeping the previous tokens",
             {{"path", path_}, {"error", entries.status().ToString()}});
    return;
  }
  entries_ = std::make_shared<const std::vector<Entry>>(std::move(*entries));
  generation_.fetch_add(1, std::memory_order_release);
  LogInfo("token file reloaded", {{"path", path_}, {"tokens", entries_->size()}});
}

size_t TokenStore::size() const {
  absl::MutexLock lock(&mu_);
  return entries_->size();
}

absl::StatusOr<std::shared_ptr<const Principal>> TokenStore::Authenticate(
    absl::string_view authorization) {
  ReloadIfStale();
  constexpr absl::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      !absl::StartsWithIgnoreCase(authorization, kBearer)) {
    return Unauthenticated();
  }
  const std::string presented = Sha256(authorization.substr(kBearer.size()));
  std::shared_ptr<const std::vector<Entry>> entries;
  {
    absl::MutexLock lock(&mu_);
    entries = entries_;
  }
  // Compare against every entry in constant time: no early exit, no data-dependent branch
  // on the hash bytes.
  const std::shared_ptr<const Principal>* match = nullptr;
  for (const Entry& entry : *entries) {
    const bool equal = CRYPTO_memcmp(entry.hash.data(), presented.data(), presented.size()) == 0;
    match = equal ? &entry.principal : match;
  }
  if (match == nullptr) {
    return Unauthenticated();
  }
  return *match;
}

}  // namespace common
