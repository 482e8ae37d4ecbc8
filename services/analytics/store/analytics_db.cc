#include "services/analytics/store/analytics_db.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "dangbo/analytics/storage/v1/storage.pb.h"
#include "rocksdb/db.h"

namespace analytics {
namespace {

const std::vector<std::string>& Families() {
  static const auto* families = new std::vector<std::string>{
      kMetaFamily,         kIndicatorsFamily, kObservationsFamily, kRequestsFamily,
      kIndicatorLogFamily, kOrgsFamily,       kStatsFamily,        kContribFamily};
  return *families;
}

absl::Status NotOurs(const std::string& path, absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat("data directory ", path,
                                                    " is not an analytics database (", why,
                                                    "); give analytics its own --data_dir"));
}

// Refuses a stored identity that is not analytics', or of a newer schema than this binary's.
absl::Status CheckIdentity(const std::string& path, const std::string& raw) {
  dangbo::analytics::storage::v1::Identity identity;
  if (!identity.ParseFromString(raw) || identity.service() != kServiceName) {
    return NotOurs(path, absl::StrCat("its identity is \"", identity.service(), "\""));
  }
  if (identity.schema() > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", path, " has analytics schema ", identity.schema(),
        ", newer than this binary's ", kSchemaVersion, "; run a newer analytics_server"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<common::Store>> OpenAnalyticsDb(common::StoreOptions options) {
  options.column_families = Families();
  // Look before opening: opening creates missing column families in whatever is there.
  std::vector<std::string> existing;
  const bool existed =
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), options.path, &existing).ok();
  if (existed) {
    std::vector<std::string> foreign;
    for (const std::string& family : existing) {
      if (family != rocksdb::kDefaultColumnFamilyName &&
          std::find(Families().begin(), Families().end(), family) == Families().end()) {
        foreign.push_back(family);
      }
    }
    if (!foreign.empty()) {
      return NotOurs(options.path,
                     absl::StrCat("it has column families ", absl::StrJoin(foreign, ", ")));
    }
  }
  // And refuse, before anything is written, data without our identity or a newer schema.
  const std::string path = options.path;
  options.verify_existing = [path](const common::ExistingDatabase& existing) -> absl::Status {
    absl::StatusOr<std::string> raw = existing.get(kMetaFamily, "identity");
    if (absl::IsNotFound(raw.status())) {
      return existing.has_data() ? NotOurs(path, "it has data but no analytics identity")
                                 : absl::OkStatus();
    }
    if (!raw.ok()) return raw.status();
    return CheckIdentity(path, *raw);
  };
  absl::StatusOr<std::unique_ptr<common::Store>> store = common::Store::Open(options);
  if (!store.ok()) return store.status();
  common::Store& db = **store;
  absl::StatusOr<std::string> raw = db.Get(db.cf(kMetaFamily), "identity");
  if (raw.ok()) {
    RETURN_IF_ERROR(CheckIdentity(options.path, *raw));
    return store;
  }
  if (!absl::IsNotFound(raw.status())) return raw.status();
  if (existed) {
    // An existing database without our identity: only acceptable when it is empty.
    std::unique_ptr<rocksdb::Iterator> it = db.NewIterator(db.cf("default"));
    it->SeekToFirst();
    if (it->Valid()) return NotOurs(options.path, "it has data but no analytics identity");
    if (absl::Status s = common::FromRocksDb(it->status(), "look for existing data"); !s.ok()) {
      return s;
    }
  }
  dangbo::analytics::storage::v1::Identity identity;
  identity.set_service(kServiceName);
  identity.set_schema(kSchemaVersion);
  rocksdb::WriteBatch batch;
  batch.Put(db.cf(kMetaFamily), "identity", identity.SerializeAsString());
  if (absl::Status s = db.Write(&batch); !s.ok()) return s;
  return store;
}

}  // namespace analytics
