#include "services/records/service/resource_reads.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/names.h"
#include "services/records/storage/keys.h"

namespace records {
namespace {

template <typename T>
absl::StatusOr<Versioned<T>> LoadOrNotFound(const RecordsDb& db, const char* cf,
                                            const std::string& key, const std::string& name,
                                            const char* kind, const char* reason,
                                            const rocksdb::Snapshot* snapshot) {
  absl::StatusOr<Versioned<T>> v = db.Read<T>(db.cf(cf), key, snapshot);
  if (absl::IsNotFound(v.status())) {
    return common::WithReason(absl::NotFoundError(absl::StrCat(kind, " ", name, " not found")),
                              reason, {{"resource", name}});
  }
  return v;
}

}  // namespace

std::string OrganizationIdOf(absl::string_view name) {
  const std::string org = domain::OrganizationOf(name);
  return LastSegment(org);
}

std::string LastSegment(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

absl::StatusOr<Versioned<v1::Organization>> LoadOrganization(const RecordsDb& db,
                                                             absl::string_view org,
                                                             const rocksdb::Snapshot* snapshot) {
  return LoadOrNotFound<v1::Organization>(db, keys::kOrganizations, keys::OrganizationKey(org),
                                          domain::OrganizationNameOf(org), "organization",
                                          "ORGANIZATION_NOT_FOUND", snapshot);
}

absl::StatusOr<Versioned<v1::Cell>> LoadCell(const RecordsDb& db, absl::string_view org,
                                             absl::string_view cell,
                                             const rocksdb::Snapshot* snapshot) {
  return LoadOrNotFound<v1::Cell>(db, keys::kCells, keys::CellKey(org, cell),
                                  domain::CellNameOf(org, cell), "cell", "CELL_NOT_FOUND",
                                  snapshot);
}

absl::StatusOr<Versioned<v1::Cell>> LoadCellByName(const RecordsDb& db, absl::string_view name,
                                                   absl::string_view field) {
  absl::StatusOr<domain::CellName> parsed = domain::ParseCellName(name, field);
  if (!parsed.ok()) return parsed.status();
  return LoadCell(db, parsed->organization, parsed->cell);
}

absl::StatusOr<Versioned<v1::Member>> LoadMember(const RecordsDb& db, absl::string_view org,
                                                 absl::string_view member,
                                                 const rocksdb::Snapshot* snapshot) {
  return LoadOrNotFound<v1::Member>(db, keys::kMembers, keys::MemberKey(org, member),
                                    domain::MemberNameOf(org, member), "member", "MEMBER_NOT_FOUND",
                                    snapshot);
}

absl::StatusOr<Versioned<v1::Member>> LoadMemberByName(const RecordsDb& db, absl::string_view name,
                                                       absl::string_view field) {
  absl::StatusOr<domain::MemberName> parsed = domain::ParseMemberName(name, field);
  if (!parsed.ok()) return parsed.status();
  return LoadMember(db, parsed->organization, parsed->member);
}

absl::StatusOr<Versioned<v1::InspectionPlan>> LoadInspectionPlan(
    const RecordsDb& db, absl::string_view org, absl::string_view plan,
    const rocksdb::Snapshot* snapshot) {
  return LoadOrNotFound<v1::InspectionPlan>(
      db, keys::kInspectionPlans, keys::InspectionPlanKey(org, plan),
      domain::InspectionPlanNameOf(org, plan), "inspection plan", "INSPECTION_PLAN_NOT_FOUND",
      snapshot);
}

void PresentMember(v1::Member* member, v1::MemberView view) {
  domain::FillDerived(member, domain::TodayIct());
  if (view == v1::MEMBER_VIEW_BASIC) member->clear_history();
}

absl::StatusOr<CellMembers> ScanCellMembers(const RecordsDb& db, absl::string_view org,
                                            absl::string_view cell) {
  CellMembers result;
  const std::string prefix = keys::MemberByCellPrefix(org, cell);
  std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(keys::kIndex));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const rocksdb::Slice value = it->value();
    if (value.empty()) continue;
    const auto state = static_cast<v1::Member::State>(static_cast<uint8_t>(value[0]));
    if (domain::IsCounted(state)) ++result.counted;
    if (domain::IsOnActiveLists(state)) ++result.on_lists;
    result.member_ids.emplace_back(value.data() + 1, value.size() - 1);
  }
  if (!it->status().ok()) return common::FromRocksDb(it->status(), "scan a cell's members");
  return result;
}

absl::Status PresentCell(const RecordsDb& db, v1::Cell* cell) {
  absl::StatusOr<domain::CellName> name = domain::ParseCellName(cell->name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<CellMembers> members = ScanCellMembers(db, name->organization, name->cell);
  if (!members.ok()) return members.status();
  cell->set_headcount(members->counted);
  return absl::OkStatus();
}

}  // namespace records
