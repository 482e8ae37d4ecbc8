// File: services/records/storage/indexes.h
//
// The secondary-index entries of each resource (keys from keys.h, column family "index"),
// computed from the resource alone so that a write can replace the entries of the old version
// with those of the new one in the same batch. Unique entries (organization code, active cell
// display name — case- and white-space-insensitive, diacritics kept: common::FoldCase —, a
// member's national ID / party card / member file number while the record holds the person's
// membership) are also returned as the keys a create or change must find absent.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/organization.pb.h"
#include "rocksdb/write_batch.h"

namespace records {

struct IndexEntry {
  std::string key;
  std::string value;
  bool unique = false;  // another resource may not hold the same key
  bool operator==(const IndexEntry& o) const { return key == o.key && value == o.value; }
};

std::vector<IndexEntry> OrganizationIndexEntries(const dangbo::records::v1::Organization& org);
std::vector<IndexEntry> CellIndexEntries(absl::string_view organization_id,
                                         const dangbo::records::v1::Cell& cell);
std::vector<IndexEntry> MemberIndexEntries(absl::string_view organization_id,
                                           absl::string_view member_id,
                                           const dangbo::records::v1::Member& member);

// Deletes the entries of `before` that `after` does not have, and puts `after`'s entries.
void WriteIndexChanges(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* index_cf,
                       const std::vector<IndexEntry>& before, const std::vector<IndexEntry>& after);

// The unique keys `after` holds that `before` did not (they must be absent at commit).
std::vector<std::string> NewUniqueKeys(const std::vector<IndexEntry>& before,
                                       const std::vector<IndexEntry>& after);

// True when the record holds the person's membership for uniqueness (every state except
// TRANSFERRED_OUT and TEMPORARILY_HOSTED).
bool HoldsMembership(dangbo::records::v1::Member::State state);

// The words of the folded full name ("Nguyễn Văn Hùng" -> nguyen, van, hung).
std::vector<std::string> FoldedNameWords(absl::string_view full_name);

}  // namespace records
