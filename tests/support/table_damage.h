// File: tests/support/table_damage.h
//
// Damages a closed RocksDB on disk the way a failing disk does: bytes inside one column
// family's table file are overwritten, so reading the block that holds them fails its
// checksum (rocksdb::Status::Corruption) while the rest of the database opens and reads.
//
//   ASSERT_TRUE(server->Shutdown().ok());
//   absl::StatusOr<std::string> file = DamageTableFile(dir + "/db", "organizations");
//   ASSERT_TRUE(file.ok()) << file.status();
//   // restart the server on dir + "/db": scans over that block must fail, not come back short
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace testing_support {

// Overwrites 64 bytes a quarter of the way into the largest table file of `column_family`
// (inside its data blocks: the index, filter and footer come last). The database must be
// closed. Returns the damaged file's path.
absl::StatusOr<std::string> DamageTableFile(const std::string& db_dir,
                                            const std::string& column_family);

}  // namespace testing_support
