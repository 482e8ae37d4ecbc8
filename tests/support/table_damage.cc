#include "tests/support/table_damage.h"

#include <fstream>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/metadata.h"
#include "rocksdb/options.h"

namespace testing_support {

absl::StatusOr<std::string> DamageTableFile(const std::string& db_dir,
                                            const std::string& column_family) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db_dir, &names);
  if (!s.ok()) return absl::FailedPreconditionError(s.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), db_dir, families, &handles, &raw);
  if (!s.ok()) return absl::FailedPreconditionError(s.ToString());
  std::vector<rocksdb::LiveFileMetaData> files;
  raw->GetLiveFilesMetaData(&files);
  for (rocksdb::ColumnFamilyHandle* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;

  const rocksdb::LiveFileMetaData* largest = nullptr;
  for (const rocksdb::LiveFileMetaData& f : files) {
    if (f.column_family_name != column_family) continue;
    if (largest == nullptr || f.size > largest->size) largest = &f;
  }
  if (largest == nullptr) {
    return absl::NotFoundError(absl::StrCat("column family ", column_family, " of ", db_dir,
                                            " has no table file (nothing flushed?)"));
  }
  const std::string path = largest->db_path + largest->name;
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!file) return absl::InternalError(absl::StrCat("cannot open ", path));
  file.seekp(static_cast<std::streamoff>(largest->size / 4));
  const std::string garbage(64, '\xa5');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  file.close();
  if (!file) return absl::InternalError(absl::StrCat("cannot write ", path));
  return path;
}

}  // namespace testing_support
