// File: common/auth.h
//
// Authentication and authorization for both services.
//
// Callers send `authorization: Bearer <token>`. The token file (a Kubernetes Secret in
// production) stores only SHA-256 hashes, one token a line:
//
//   # sha256 of the token          principal    roles
//   sha256:9f86d081884c7d65...     ops-alice    admin
//   sha256:2c26b46b68ffc68f...     analytics    service
//
// Roles grant permissions (see RolePermissions); every RPC needs one permission
// (common/permissions.h). The file is re-read when it changes, without a restart; a file
// that fails to parse keeps the previous tokens and logs an error. Nothing watches the file:
// whoever needs current tokens asks (ReloadIfStale), at most once a second per store — each
// call being authenticated, and calls that last (common/call_grant.h) while they run.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace common {

// Permission names, as the contracts' comments use them.
inline constexpr char kRecordsRead[] = "records.read";
inline constexpr char kRecordsWatch[] = "records.watch";
inline constexpr char kRecordsWrite[] = "records.write";
inline constexpr char kInspectionsWrite[] = "inspections.write";
inline constexpr char kPiiRead[] = "pii.read";
inline constexpr char kAuditRead[] = "audit.read";
inline constexpr char kAdminBackup[] = "admin.backup";
inline constexpr char kAnalyticsRead[] = "analytics.read";
inline constexpr char kAnalyticsWrite[] = "analytics.write";
// Per-member dues amounts (an amount due is a fixed share of the salary), and recording
// payments and remittances; basis amounts need pii.read besides. Rate tables: admin only.
inline constexpr char kDuesRead[] = "dues.read";
inline constexpr char kDuesWrite[] = "dues.write";
inline constexpr char kDuesRatesWrite[] = "dues.rates.write";

// viewer, editor, inspector, treasurer, admin, service. INVALID_ARGUMENT for another name.
absl::StatusOr<std::set<std::string>> RolePermissions(absl::string_view role);

// Who is calling, and what they may do. Shared and immutable once built: the token store
// hands out the same one to every call of its token (std::shared_ptr<const Principal>).
struct Principal {
  std::string name;
  std::vector<std::string> roles;
  std::set<std::string, std::less<>> permissions;
  bool Has(absl::string_view permission) const {
    return permissions.find(std::string_view(permission.data(), permission.size())) !=
           permissions.end();
  }
};

// "sha256:" + lower-case hex SHA-256 of `token`: what the token file stores.
std::string HashToken(absl::string_view token);

class TokenStore {
 public:
  // Loads `path`; fails (naming the line) when the file is missing or malformed.
  static absl::StatusOr<std::unique_ptr<TokenStore>> Open(std::string path);

  // Resolves an `authorization` metadata value. Every failure is the same UNAUTHENTICATED
  // "missing or invalid credentials": the reply never says which part was wrong.
  absl::StatusOr<std::shared_ptr<const Principal>> Authenticate(absl::string_view authorization);

  // Re-reads the file if it changed since the last look. Exposed for tests and SIGHUP.
  void ReloadIfChanged();

  // ReloadIfChanged() when the last look is more than a second old. Cheap otherwise (a
  // clock read and an atomic load), so it may be called for every message of a stream.
  void ReloadIfStale();

  // Counts the reloads that replaced the tokens (0 after Open). A caller that remembers it can
  // tell, with one atomic load, whether the tokens may have changed since.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  size_t size() const;

 private:
  struct Entry {
    std::string hash;  // 32 raw bytes
    std::shared_ptr<const Principal> principal;
  };
  struct FileStamp {
    int64_t mtime_ns = 0;
    int64_t size = -1;
    uint64_t inode = 0;
    bool operator==(const FileStamp& o) const {
      return mtime_ns == o.mtime_ns && size == o.size && inode == o.inode;
    }
  };

  explicit TokenStore(std::string path) : path_(std::move(path)) {}
  static absl::StatusOr<std::vector<Entry>> Parse(const std::string& text);
  static FileStamp Stamp(const std::string& path);

  const std::string path_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const std::vector<Entry>> entries_ ABSL_GUARDED_BY(mu_);
  FileStamp stamp_ ABSL_GUARDED_BY(mu_);
  // When the file was last looked at (steady-clock nanoseconds); ReloadIfStale claims a look
  // by moving it forward, so one caller a second pays for the stat.
  std::atomic<int64_t> last_check_ns_{0};
  std::atomic<uint64_t> generation_{0};
};

}  // namespace common
