// Party dues: rate tables, members' bases and payments, cells' remittances, statements and
// summaries. The amounts are computed by domain/dues_rules.h; storage reads are in
// storage/resource_store.h.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/cancellation.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/dues_rules.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/domain/validation.h"
#include "services/records/service/dues_writes.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"

namespace records {
namespace {

template <typename T>
Visitor<T> Into(std::vector<T>* out) {
  return [out](T& item) {
    out->push_back(std::move(item));
    return absl::OkStatus();
  };
}

// The rate tables that apply below `organization_id`: those of the nearest organization
// upward (itself first) that has any; none when no organization up to the root has one.
absl::StatusOr<std::vector<v1::DuesRateTable>> TablesFor(const RecordsDb& db,
                                                         std::string organization_id) {
  std::set<std::string> seen;  // a parent cycle cannot loop
  while (!organization_id.empty() && seen.insert(organization_id).second) {
    std::vector<v1::DuesRateTable> tables;
    RETURN_IF_ERROR(ScanDuesRateTables(db, organization_id, Into(&tables)));
    if (!tables.empty()) return tables;
    absl::StatusOr<Versioned<v1::Organization>> org = ReadOrganization(db, organization_id);
    if (absl::IsNotFound(org.status())) break;
    if (!org.ok()) return org.status();
    organization_id = OrganizationIdOf(org->value.parent());
  }
  return std::vector<v1::DuesRateTable>();
}

// What a member's dues are computed from.
using MemberDues = domain::MemberDuesRecords;

absl::StatusOr<MemberDues> LoadMemberDues(const RecordsDb& db, absl::string_view organization_id,
                                          absl::string_view member_id) {
  MemberDues d;
  RETURN_IF_ERROR(ScanDuesBases(db, organization_id, member_id, Into(&d.bases)));
  RETURN_IF_ERROR(ScanDuesPayments(db, organization_id, member_id, Into(&d.payments)));
  return d;
}

absl::StatusOr<v1::MemberDuesStatement> StatementOf(const RecordsDb& db,
                                                    const domain::MemberName& member, int year,
                                                    const std::vector<v1::DuesRateTable>& tables) {
  ASSIGN_OR_RETURN(MemberDues d, LoadMemberDues(db, member.organization, member.member));
  return domain::DuesStatement(member.Format(), year, d.bases, tables, d.payments,
                               domain::TodayIct());
}

// A remittance is a cell's month closing: its outputs are recomputed when a later write
// changes them. A basis recorded later recomputes at most this many remittances (the latest
// of the months it covers), so that one write stays bounded: each costs two scans per member
// of the cell. Older ones keep their figures (documented in dues.proto).
constexpr size_t kMaxRemittancesRecomputed = 24;

// The record the write being planned adds or replaces, which the database does not hold yet.
struct PendingDues {
  const v1::DuesPayment* payment = nullptr;
  const v1::DuesBasis* basis = nullptr;
};

// The member a payment or basis belongs to: "organizations/o/members/m/duesPayments/2026-03"
// -> "organizations/o/members/m".
std::string OwnerOf(const std::string& name) {
  const size_t collection = name.rfind('/', name.rfind('/') - 1);
  return name.substr(0, collection);
}

// Replaces the element named like `pending` in `items` (or adds it).
template <typename T>
void Overlay(const T& pending, std::vector<T>* items) {
  for (T& item : *items) {
    if (item.name() == pending.name()) {
      item = pending;
      return;
    }
  }
  items->push_back(pending);
}

// The closing of `month` at `cell` (domain::CloseCellMonth) over the members whose dues the
// cell keeps that month: those on its lists now and those whose payment for the month it
// recorded, `pending` included.
absl::StatusOr<domain::CellMonthClosing> CloseMonth(const RecordsDb& db,
                                                    const domain::CellName& cell,
                                                    absl::CivilMonth month,
                                                    const std::vector<v1::DuesRateTable>& tables,
                                                    const PendingDues& pending) {
  std::set<std::string> names;
  RETURN_IF_ERROR(ScanCellMembers(db, cell.organization, cell.cell,
                                  [&](v1::Member::State state, absl::string_view id) {
                                    if (domain::IsCounted(state)) {
                                      names.insert(domain::MemberNameOf(cell.organization, id));
                                    }
                                  }));
  RETURN_IF_ERROR(ScanCellDuesPayments(db, cell.organization, cell.cell,
                                       static_cast<int>(month.year()), month.month(),
                                       [&](v1::DuesPayment& p) {
                                         names.insert(OwnerOf(p.name()));
                                         return absl::OkStatus();
                                       }));
  if (pending.payment != nullptr && pending.payment->cell() == cell.Format() &&
      domain::ToCivilMonth(pending.payment->period()) == month) {
    names.insert(OwnerOf(pending.payment->name()));
  }
  std::vector<MemberDues> members;
  members.reserve(names.size());
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(domain::MemberName member, domain::ParseMemberName(name, "member"));
    ASSIGN_OR_RETURN(MemberDues d, LoadMemberDues(db, member.organization, member.member));
    if (pending.payment != nullptr && OwnerOf(pending.payment->name()) == name) {
      Overlay(*pending.payment, &d.payments);
    }
    if (pending.basis != nullptr && OwnerOf(pending.basis->name()) == name) {
      Overlay(*pending.basis, &d.bases);
    }
    members.push_back(std::move(d));
  }
  return domain::CloseCellMonth(cell.Format(), month, members, tables);
}

// Sets the remittance's outputs from the month's closing and the table in force.
absl::Status SetClosing(const domain::CellMonthClosing& closing,
                        const std::vector<v1::DuesRateTable>& tables, v1::DuesRemittance* r) {
  const absl::CivilMonth month = domain::ToCivilMonth(r->period());
  const v1::DuesRateTable* table = domain::TableInForce(tables, month);
  if (table == nullptr) {
    return common::RuleViolation(domain::kDuesRateTableMissing, domain::PeriodId(month),
                                 absl::StrCat("no dues rate table is in force in ",
                                              domain::PeriodId(month), " for ", r->name()));
  }
  ASSIGN_OR_RETURN(
      std::vector<domain::ShareSplit> split,
      domain::SplitShares(closing.collected, *table, {v1::DuesRateTable::CELL_UNDER_GRASSROOTS}));
  r->set_collected_amount(closing.collected);
  r->set_expected_kept_amount(split.empty() ? 0 : split[0].kept);
  r->set_expected_remitted_amount(split.empty() ? closing.collected : split[0].passed_up);
  r->set_due_amount(closing.due);
  r->set_arrears_amount(closing.arrears);
  return absl::OkStatus();
}

// Adds to `w` the recorded remittance of `cell` and `month`, recomputed with `pending`
// (nothing when the month has no remittance).
absl::Status RecloseRemittance(const RecordsDb& db, const domain::CellName& cell,
                               absl::CivilMonth month, const std::vector<v1::DuesRateTable>& tables,
                               const PendingDues& pending, WritePlan* w) {
  absl::StatusOr<Versioned<v1::DuesRemittance>> r = ReadDuesRemittance(
      db, cell.organization, cell.cell, static_cast<int>(month.year()), month.month());
  if (absl::IsNotFound(r.status())) return absl::OkStatus();
  if (!r.ok()) return r.status();
  ASSIGN_OR_RETURN(domain::CellMonthClosing closing, CloseMonth(db, cell, month, tables, pending));
  RETURN_IF_ERROR(SetClosing(closing, tables, &r->value));
  w->changes.push_back(
      DuesRemittanceChange(cell.organization, cell.cell, r->revision, std::move(r->value)));
  return absl::OkStatus();
}

// Adds to `w` the remittances of the member's current cell whose closing `basis` changes:
// the months from its effective_from up to the next basis of the member (the latest
// kMaxRemittancesRecomputed of them).
absl::Status RecloseForBasis(const RecordsDb& db, const v1::Member& member,
                             const v1::DuesBasis& basis, WritePlan* w) {
  if (member.cell().empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(domain::CellName cell, domain::ParseCellName(member.cell(), "cell"));
  ASSIGN_OR_RETURN(domain::MemberName name, domain::ParseMemberName(member.name(), "member"));
  const absl::CivilMonth from = domain::ToCivilMonth(basis.effective_from());
  std::optional<absl::CivilMonth> next;  // the member's next basis, if any
  RETURN_IF_ERROR(ScanDuesBases(db, name.organization, name.member, [&](v1::DuesBasis& b) {
    const absl::CivilMonth m = domain::ToCivilMonth(b.effective_from());
    if (m > from && (!next.has_value() || m < *next)) next = m;
    return absl::OkStatus();
  }));
  std::vector<absl::CivilMonth> months;
  RETURN_IF_ERROR(ScanDuesRemittances(db, cell.organization, cell.cell, [&](v1::DuesRemittance& r) {
    const absl::CivilMonth m = domain::ToCivilMonth(r.period());
    if (m >= from && (!next.has_value() || m < *next)) months.push_back(m);
    return absl::OkStatus();
  }));
  std::sort(months.begin(), months.end(), std::greater<>());
  if (months.size() > kMaxRemittancesRecomputed) months.resize(kMaxRemittancesRecomputed);
  if (months.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<v1::DuesRateTable> tables, TablesFor(db, cell.organization));
  PendingDues pending;
  pending.basis = &basis;
  for (absl::CivilMonth month : months) {
    RETURN_IF_ERROR(RecloseRemittance(db, cell, month, tables, pending, w));
  }
  return absl::OkStatus();
}

// The sort key of a month, latest first, then the resource name.
std::string LatestMonthFirst(const v1::DuesPeriod& period, const std::string& name) {
  const uint32_t month = static_cast<uint32_t>(period.year() * 100 + period.month());
  return std::move(SortKey().Number(0xffffffffu - month).Text(name)).Take();
}

bool PaymentMatches(const v1::DuesPayment& p, const std::vector<common::FilterTerm>& terms) {
  for (const common::FilterTerm& t : terms) {
    if (t.field == "period.year" && p.period().year() != t.value.integer) return false;
    if (t.field == "period.month" && p.period().month() != t.value.integer) return false;
  }
  return true;
}

int FilterInteger(const std::vector<common::FilterTerm>& terms, absl::string_view field) {
  for (const common::FilterTerm& t : terms) {
    if (t.field == field) return static_cast<int>(t.value.integer);
  }
  return 0;
}

absl::Status AlreadyRecorded(const std::string& name, absl::string_view what,
                             absl::string_view reason) {
  return common::WithReason(
      absl::AlreadyExistsError(absl::StrCat(
          what, " ", name, " is already recorded",
          reason == "DUES_PAYMENT_ALREADY_RECORDED" ? "; send its etag to correct it" : "")),
      reason, {{"resource", name}});
}

// The members whose dues a cell's summary counts: those in the cell now and those whose
// payments the cell recorded in `year`.
absl::Status CellDuesMembers(const RecordsDb& db, const domain::CellName& cell, int year,
                             std::set<std::string>* members, common::Cancellation* stop) {
  RETURN_IF_ERROR(ScanCellMembers(db, cell.organization, cell.cell,
                                  [&](v1::Member::State state, absl::string_view id) {
                                    if (domain::IsCounted(state)) {
                                      members->insert(domain::MemberNameOf(cell.organization, id));
                                    }
                                  }));
  return ScanCellDuesPayments(
      db, cell.organization, cell.cell, year, 0,
      [&](v1::DuesPayment& p) {
        members->insert(SplitChildName(p.name(), "duesPayments").parent);
        return absl::OkStatus();
      },
      nullptr, stop);
}

// The cells a summary covers: the cell, or every cell of the organization and of the
// organizations below it.
absl::StatusOr<std::vector<domain::CellName>> CellsOfScope(const RecordsDb& db,
                                                           absl::string_view scope,
                                                           common::Cancellation* stop) {
  std::vector<domain::CellName> cells;
  if (absl::StatusOr<domain::CellName> cell = domain::ParseCellName(scope, "scope"); cell.ok()) {
    RETURN_IF_ERROR(LoadCell(db, cell->organization, cell->cell).status());
    cells.push_back(*cell);
    return cells;
  }
  ASSIGN_OR_RETURN(domain::OrganizationName root, domain::ParseOrganizationName(scope, "scope"));
  RETURN_IF_ERROR(LoadOrganization(db, root.organization).status());
  std::map<std::string, std::string> parent_of;  // organization id -> parent id
  RETURN_IF_ERROR(ScanOrganizations(
      db,
      [&](v1::Organization& o) {
        parent_of[LastSegment(o.name())] = OrganizationIdOf(o.parent());
        return absl::OkStatus();
      },
      stop));
  // A named variable, not a structured binding: the scan's lambda captures it, which C++17
  // does not allow of a binding (clang refuses it).
  for (const auto& entry : parent_of) {
    const std::string& id = entry.first;
    std::string at = id;
    for (size_t depth = 0; depth <= parent_of.size() && !at.empty() && at != root.organization;
         ++depth) {
      auto up = parent_of.find(at);
      at = up == parent_of.end() ? "" : up->second;
    }
    if (at != root.organization) continue;
    RETURN_IF_ERROR(ScanCells(
        db, id,
        [&](v1::Cell& c) {
          cells.push_back({id, LastSegment(c.name())});
          return absl::OkStatus();
        },
        stop));
  }
  return cells;
}

}  // namespace

absl::StatusOr<WritePlan> PlanDuesPayment(const RecordsDb& db, const CallContext& ctx,
                                          const v1::RecordDuesPaymentRequest& req,
                                          absl::string_view at_cell) {
  ASSIGN_OR_RETURN(domain::MemberName member, domain::ParseMemberName(req.parent(), "parent"));
  ASSIGN_OR_RETURN(Versioned<v1::Organization> org, LoadOrganization(db, member.organization));
  RETURN_IF_ERROR(domain::CheckOrganizationWritable(org.value));
  ASSIGN_OR_RETURN(Versioned<v1::Member> m, LoadMember(db, member.organization, member.member));
  const v1::DuesPayment& in = req.dues_payment();
  const absl::CivilMonth month = domain::ToCivilMonth(in.period());
  const std::string name = absl::StrCat(member.Format(), "/duesPayments/", domain::PeriodId(month));
  absl::StatusOr<Versioned<v1::DuesPayment>> existing = ReadDuesPayment(
      db, member.organization, member.member, in.period().year(), in.period().month());
  if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();
  if (existing.ok() && in.etag().empty()) {
    return AlreadyRecorded(name, "dues payment", "DUES_PAYMENT_ALREADY_RECORDED");
  }
  if (existing.ok()) RETURN_IF_ERROR(CheckEtag(in.etag(), existing->revision, name));
  if (!existing.ok() && !in.etag().empty()) {
    return NamedNotFoundError(name, "dues payment", "DUES_PAYMENT_NOT_FOUND");
  }
  if (!in.collector().empty()) {
    RETURN_IF_ERROR(LoadMemberByName(db, in.collector(), "dues_payment.collector").status());
  }
  // The cell the payment was recorded at; a correction keeps it.
  const std::string cell = existing.ok() ? existing->value.cell() : m.value.cell();
  if (cell.empty()) {
    return common::RuleViolation(
        "MEMBER_NOT_IN_CELL", member.Format(),
        absl::StrCat("member ", member.Format(), " is in no cell to record dues at"));
  }
  if (!at_cell.empty() && cell != at_cell) {
    return common::RuleViolation(
        "DUES_PAYMENT_OTHER_CELL", member.Format(),
        absl::StrCat("the dues of member ", member.Format(), " for ", domain::PeriodId(month),
                     existing.ok() ? " were recorded at " : " are recorded at its cell ", cell,
                     ", not at ", at_cell));
  }
  ASSIGN_OR_RETURN(std::vector<v1::DuesRateTable> tables, TablesFor(db, member.organization));
  ASSIGN_OR_RETURN(MemberDues dues, LoadMemberDues(db, member.organization, member.member));
  ASSIGN_OR_RETURN(domain::MonthDue due, domain::DueInMonth(dues.bases, tables, month));
  v1::DuesPayment payment;
  payment.set_name(name);
  *payment.mutable_period() = in.period();
  payment.set_amount(in.amount());
  if (in.has_paid_date()) *payment.mutable_paid_date() = in.paid_date();
  payment.set_collector(in.collector());
  payment.set_unpaid_reason(in.unpaid_reason());
  payment.set_cell(cell);
  payment.set_amount_due(due.amount);
  payment.set_rate_table(due.rate_table);
  payment.set_recorded_by(ctx.principal);
  WritePlan w;
  if (existing.ok()) {
    *payment.mutable_create_time() = existing->value.create_time();
    w.before = std::make_shared<v1::DuesPayment>(existing->value);
  }
  // A payment after the month's remittance changes the closing: republished with it.
  WritePlan reclosed;
  ASSIGN_OR_RETURN(domain::CellName at, domain::ParseCellName(cell, "cell"));
  ASSIGN_OR_RETURN(std::vector<v1::DuesRateTable> cell_tables, TablesFor(db, at.organization));
  PendingDues pending;
  pending.payment = &payment;
  RETURN_IF_ERROR(RecloseRemittance(db, at, month, cell_tables, pending, &reclosed));
  w.changes.push_back(DuesPaymentChange(member.organization, member.member,
                                        existing.ok() ? existing->revision : 0,
                                        std::move(payment)));
  for (ResourceChange& c : reclosed.changes) w.changes.push_back(std::move(c));
  w.summary = absl::StrCat(ctx.method, " ", name);
  return w;
}

grpc::ServerUnaryReactor* RecordsService::CreateDuesRateTable(
    grpc::CallbackServerContext* context, const v1::CreateDuesRateTableRequest* request,
    v1::DuesRateTable* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "CreateDuesRateTable", *request, "",
      [db](const CallContext&,
           const v1::CreateDuesRateTableRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(domain::OrganizationName parent,
                         domain::ParseOrganizationName(req.parent(), "parent"));
        ASSIGN_OR_RETURN(Versioned<v1::Organization> org,
                         LoadOrganization(*db, parent.organization));
        RETURN_IF_ERROR(domain::CheckOrganizationWritable(org.value));
        const std::string name =
            absl::StrCat(parent.Format(), "/duesRateTables/", req.dues_rate_table_id());
        std::vector<v1::DuesRateTable> tables;
        RETURN_IF_ERROR(ScanDuesRateTables(*db, parent.organization, Into(&tables)));
        const v1::DuesRateTable& in = req.dues_rate_table();
        for (const v1::DuesRateTable& t : tables) {
          const bool same_start = t.effective_from().year() == in.effective_from().year() &&
                                  t.effective_from().month() == in.effective_from().month();
          if (t.name() == name || same_start) {
            return common::WithReason(
                absl::AlreadyExistsError(absl::StrCat(
                    "rate table ", t.name(), " already exists",
                    t.name() == name ? "" : " from the same month; a correction is a new table")),
                "DUES_RATE_TABLE_ALREADY_EXISTS", {{"resource", t.name()}});
          }
        }
        v1::DuesRateTable table;
        table.set_name(name);
        *table.mutable_regulation() = in.regulation();
        *table.mutable_effective_from() = in.effective_from();
        *table.mutable_rates() = in.rates();
        *table.mutable_shares() = in.shares();
        table.set_source_note(in.source_note());
        WritePlan w;
        w.changes.push_back(
            DuesRateTableChange(parent.organization, req.dues_rate_table_id(), std::move(table)));
        w.preconditions.push_back(OrganizationGuard(*db, parent.organization, org.revision));
        w.summary = absl::StrCat("CreateDuesRateTable ", name);
        return w;
      },
      nullptr, response);
}

grpc::ServerUnaryReactor* RecordsService::GetDuesRateTable(
    grpc::CallbackServerContext* context, const v1::GetDuesRateTableRequest* request,
    v1::DuesRateTable* response) {
  return ReplyNow(*authorizer_, context, "GetDuesRateTable", *request, [&]() -> absl::Status {
    RETURN_IF_ERROR(domain::Validate(*request));
    const ChildName n = SplitChildName(request->name(), "duesRateTables");
    ASSIGN_OR_RETURN(Versioned<v1::DuesRateTable> table,
                     NamedNotFound(ReadDuesRateTable(*db_, OrganizationIdOf(n.parent), n.id),
                                   request->name(), "rate table", "DUES_RATE_TABLE_NOT_FOUND"));
    *response = std::move(table.value);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RecordsService::ListDuesRateTables(
    grpc::CallbackServerContext* context, const v1::ListDuesRateTablesRequest* request,
    v1::ListDuesRateTablesResponse* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "ListDuesRateTables", *request,
      [this, request, response](const CallContext&, common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(const std::string org,
                         ExistingOrganizationId(*db_, request->parent(), "parent"));
        ASSIGN_OR_RETURN(common::ListRequest list,
                         common::ParseListRequest("ListDuesRateTables", request->parent(), "", "",
                                                  request->page_size(), request->page_token(), {}));
        return FillListPage<v1::DuesRateTable>(
                   list,
                   [&](const Visitor<v1::DuesRateTable>& visit) {
                     return ScanDuesRateTables(*db_, org, visit, stop);
                   },
                   [](const v1::DuesRateTable& t) -> std::optional<std::string> {
                     const google::type::Date& d = t.effective_from();
                     return std::move(SortKey().Date(d.year(), d.month(), d.day()).Text(t.name()))
                         .Take();
                   },
                   /*desc=*/true, response->mutable_dues_rate_tables(), response)
            .status();
      });
}

grpc::ServerUnaryReactor* RecordsService::CreateDuesBasis(grpc::CallbackServerContext* context,
                                                          const v1::CreateDuesBasisRequest* request,
                                                          v1::DuesBasis* response) {
  RecordsDb* db = db_;
  const bool writes_amount = request->dues_basis().basis_amount() != 0;
  return ReplyWrite(
      *authorizer_, db, context, "CreateDuesBasis", *request, request->dues_basis().etag(),
      [db](const CallContext&, const v1::CreateDuesBasisRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(domain::MemberName member,
                         domain::ParseMemberName(req.parent(), "parent"));
        ASSIGN_OR_RETURN(Versioned<v1::Organization> org,
                         LoadOrganization(*db, member.organization));
        RETURN_IF_ERROR(domain::CheckOrganizationWritable(org.value));
        ASSIGN_OR_RETURN(Versioned<v1::Member> m,
                         LoadMember(*db, member.organization, member.member));
        if (!domain::IsOnActiveLists(m.value.state())) {
          return common::RuleViolation(
              "MEMBER_NOT_ACTIVE", member.Format(),
              absl::StrCat("member ", member.Format(), " is not on the active lists"));
        }
        const v1::DuesBasis& in = req.dues_basis();
        const v1::DuesPeriod& from = in.effective_from();
        const std::string name = absl::StrCat(member.Format(), "/duesBases/",
                                              domain::PeriodId(domain::ToCivilMonth(from)));
        absl::StatusOr<Versioned<v1::DuesBasis>> existing =
            ReadDuesBasis(*db, member.organization, member.member, from.year(), from.month());
        if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();
        if (existing.ok() && in.etag().empty()) {
          return AlreadyRecorded(name, "dues basis", "DUES_BASIS_ALREADY_EXISTS");
        }
        if (existing.ok()) RETURN_IF_ERROR(CheckEtag(in.etag(), existing->revision, name));
        v1::DuesBasis basis;
        basis.set_name(name);
        basis.set_category(in.category());
        basis.set_basis_amount(in.basis_amount());
        *basis.mutable_effective_from() = from;
        basis.set_reduction_percent(in.reduction_percent());
        if (in.has_reduction_decision()) {
          *basis.mutable_reduction_decision() = in.reduction_decision();
        }
        WritePlan w;
        if (existing.ok()) {
          *basis.mutable_create_time() = existing->value.create_time();
          w.before = std::make_shared<v1::DuesBasis>(existing->value);
        }
        WritePlan reclosed;
        RETURN_IF_ERROR(RecloseForBasis(*db, m.value, basis, &reclosed));
        w.changes.push_back(DuesBasisChange(member.organization, member.member,
                                            existing.ok() ? existing->revision : 0,
                                            std::move(basis)));
        for (ResourceChange& c : reclosed.changes) w.changes.push_back(std::move(c));
        w.preconditions.push_back(MemberGuard(*db, member.organization, member.member, m.revision));
        w.summary = absl::StrCat("CreateDuesBasis ", name);
        return w;
      },
      nullptr, response,
      [writes_amount](const CallContext& ctx) -> absl::Status {
        if (writes_amount && !ctx.pii_read) {
          return PersonalDataDenied(ctx, "writing dues_basis.basis_amount");
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecordsService::ListDuesBases(grpc::CallbackServerContext* context,
                                                        const v1::ListDuesBasesRequest* request,
                                                        v1::ListDuesBasesResponse* response) {
  return ReplyNow(
      *authorizer_, context, "ListDuesBases", *request,
      [&](const CallContext& ctx) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(domain::MemberName member,
                         domain::ParseMemberName(request->parent(), "parent"));
        RETURN_IF_ERROR(LoadMember(*db_, member.organization, member.member).status());
        ASSIGN_OR_RETURN(common::ListRequest list,
                         common::ParseListRequest("ListDuesBases", request->parent(), "", "",
                                                  request->page_size(), request->page_token(), {}));
        RETURN_IF_ERROR(FillListPage<v1::DuesBasis>(
                            list,
                            [&](const Visitor<v1::DuesBasis>& visit) {
                              return ScanDuesBases(*db_, member.organization, member.member, visit);
                            },
                            [](const v1::DuesBasis& b) -> std::optional<std::string> {
                              return LatestMonthFirst(b.effective_from(), b.name());
                            },
                            false, response->mutable_dues_bases(), response)
                            .status());
        bool masked = false;
        for (v1::DuesBasis& b : *response->mutable_dues_bases()) {
          if (!ctx.pii_read) masked |= domain::MaskPersonalData(&b);
        }
        if (masked) response->add_masked_fields("dues_bases.basis_amount");
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecordsService::RecordDuesPayment(
    grpc::CallbackServerContext* context, const v1::RecordDuesPaymentRequest* request,
    v1::DuesPayment* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "RecordDuesPayment", *request, request->dues_payment().etag(),
      [db](const CallContext& ctx, const v1::RecordDuesPaymentRequest& req) {
        return PlanDuesPayment(*db, ctx, req);
      },
      nullptr, response);
}

grpc::ServerUnaryReactor* RecordsService::GetDuesPayment(grpc::CallbackServerContext* context,
                                                         const v1::GetDuesPaymentRequest* request,
                                                         v1::DuesPayment* response) {
  return ReplyNow(*authorizer_, context, "GetDuesPayment", *request, [&]() -> absl::Status {
    RETURN_IF_ERROR(domain::Validate(*request));
    const ChildName n = SplitChildName(request->name(), "duesPayments");
    ASSIGN_OR_RETURN(domain::MemberName member, domain::ParseMemberName(n.parent, "name"));
    const absl::CivilMonth month = *domain::ParsePeriodId(n.id);
    ASSIGN_OR_RETURN(Versioned<v1::DuesPayment> payment,
                     NamedNotFound(ReadDuesPayment(*db_, member.organization, member.member,
                                                   static_cast<int>(month.year()), month.month()),
                                   request->name(), "dues payment", "DUES_PAYMENT_NOT_FOUND"));
    *response = std::move(payment.value);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RecordsService::ListDuesPayments(
    grpc::CallbackServerContext* context, const v1::ListDuesPaymentsRequest* request,
    v1::ListDuesPaymentsResponse* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "ListDuesPayments", *request,
      [this, request, response](const CallContext&, common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(
            common::ListRequest list,
            common::ParseListRequest("ListDuesPayments", request->parent(), request->filter(), "",
                                     request->page_size(), request->page_token(), {}));
        std::function<absl::Status(const Visitor<v1::DuesPayment>&)> scan;
        if (absl::StatusOr<domain::CellName> cell = domain::ParseCellName(request->parent(), "");
            cell.ok()) {
          RETURN_IF_ERROR(LoadCell(*db_, cell->organization, cell->cell).status());
          const int year = FilterInteger(list.terms, "period.year");
          const int month = year == 0 ? 0 : FilterInteger(list.terms, "period.month");
          scan = [this, cell = *cell, year, month, stop](const Visitor<v1::DuesPayment>& visit) {
            return ScanCellDuesPayments(*db_, cell.organization, cell.cell, year, month, visit,
                                        nullptr, stop);
          };
        } else {
          ASSIGN_OR_RETURN(domain::MemberName member,
                           domain::ParseMemberName(request->parent(), "parent"));
          RETURN_IF_ERROR(LoadMember(*db_, member.organization, member.member).status());
          scan = [this, member](const Visitor<v1::DuesPayment>& visit) {
            return ScanDuesPayments(*db_, member.organization, member.member, visit);
          };
        }
        return FillListPage<v1::DuesPayment>(
                   list, scan,
                   [&](const v1::DuesPayment& p) -> std::optional<std::string> {
                     if (!PaymentMatches(p, list.terms)) return std::nullopt;
                     return LatestMonthFirst(p.period(), p.name());
                   },
                   false, response->mutable_dues_payments(), response)
            .status();
      });
}

grpc::ServerUnaryReactor* RecordsService::RecordDuesRemittance(
    grpc::CallbackServerContext* context, const v1::RecordDuesRemittanceRequest* request,
    v1::DuesRemittance* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "RecordDuesRemittance", *request, "",
      [db](const CallContext& ctx,
           const v1::RecordDuesRemittanceRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(domain::CellName cell, domain::ParseCellName(req.parent(), "parent"));
        ASSIGN_OR_RETURN(Versioned<v1::Organization> org, LoadOrganization(*db, cell.organization));
        RETURN_IF_ERROR(domain::CheckOrganizationWritable(org.value));
        ASSIGN_OR_RETURN(Versioned<v1::Cell> c, LoadCell(*db, cell.organization, cell.cell));
        const v1::DuesRemittance& in = req.dues_remittance();
        const absl::CivilMonth month = domain::ToCivilMonth(in.period());
        const std::string name =
            absl::StrCat(cell.Format(), "/duesRemittances/", domain::PeriodId(month));
        absl::StatusOr<Versioned<v1::DuesRemittance>> existing = ReadDuesRemittance(
            *db, cell.organization, cell.cell, in.period().year(), in.period().month());
        if (existing.ok()) {
          return AlreadyRecorded(name, "dues remittance", "DUES_REMITTANCE_ALREADY_RECORDED");
        }
        if (!absl::IsNotFound(existing.status())) return existing.status();
        RETURN_IF_ERROR(LoadOrganization(*db, OrganizationIdOf(in.recipient())).status());
        ASSIGN_OR_RETURN(std::vector<v1::DuesRateTable> tables, TablesFor(*db, cell.organization));
        ASSIGN_OR_RETURN(domain::CellMonthClosing closing,
                         CloseMonth(*db, cell, month, tables, PendingDues()));
        v1::DuesRemittance r;
        r.set_name(name);
        *r.mutable_period() = in.period();
        r.set_remitted_amount(in.remitted_amount());
        *r.mutable_remitted_date() = in.remitted_date();
        r.set_recipient(in.recipient());
        r.set_receipt_number(in.receipt_number());
        RETURN_IF_ERROR(SetClosing(closing, tables, &r));
        r.set_recorded_by(ctx.principal);
        WritePlan w;
        w.changes.push_back(DuesRemittanceChange(cell.organization, cell.cell, 0, std::move(r)));
        w.preconditions.push_back(CellGuard(*db, cell.organization, cell.cell, c.revision));
        w.summary = absl::StrCat("RecordDuesRemittance ", name);
        return w;
      },
      nullptr, response);
}

grpc::ServerUnaryReactor* RecordsService::ListDuesRemittances(
    grpc::CallbackServerContext* context, const v1::ListDuesRemittancesRequest* request,
    v1::ListDuesRemittancesResponse* response) {
  return ReplyNow(*authorizer_, context, "ListDuesRemittances", *request, [&]() -> absl::Status {
    RETURN_IF_ERROR(domain::Validate(*request));
    ASSIGN_OR_RETURN(domain::CellName cell, domain::ParseCellName(request->parent(), "parent"));
    RETURN_IF_ERROR(LoadCell(*db_, cell.organization, cell.cell).status());
    ASSIGN_OR_RETURN(common::ListRequest list,
                     common::ParseListRequest("ListDuesRemittances", request->parent(), "", "",
                                              request->page_size(), request->page_token(), {}));
    return FillListPage<v1::DuesRemittance>(
               list,
               [&](const Visitor<v1::DuesRemittance>& visit) {
                 return ScanDuesRemittances(*db_, cell.organization, cell.cell, visit);
               },
               [](const v1::DuesRemittance& r) -> std::optional<std::string> {
                 return LatestMonthFirst(r.period(), r.name());
               },
               false, response->mutable_dues_remittances(), response)
        .status();
  });
}

grpc::ServerUnaryReactor* RecordsService::GetMemberDuesStatement(
    grpc::CallbackServerContext* context, const v1::GetMemberDuesStatementRequest* request,
    v1::MemberDuesStatement* response) {
  return ReplyNow(*authorizer_, context, "GetMemberDuesStatement", *request, [&]() -> absl::Status {
    RETURN_IF_ERROR(domain::Validate(*request));
    ASSIGN_OR_RETURN(domain::MemberName member,
                     domain::ParseMemberName(request->member(), "member"));
    RETURN_IF_ERROR(LoadMember(*db_, member.organization, member.member).status());
    ASSIGN_OR_RETURN(std::vector<v1::DuesRateTable> tables, TablesFor(*db_, member.organization));
    ASSIGN_OR_RETURN(*response, StatementOf(*db_, member, request->year(), tables));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RecordsService::GetDuesSummary(grpc::CallbackServerContext* context,
                                                         const v1::GetDuesSummaryRequest* request,
                                                         v1::DuesSummary* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "GetDuesSummary", *request,
      [this, request, response](const CallContext& ctx,
                                common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        const int year = request->year();
        ASSIGN_OR_RETURN(std::vector<domain::CellName> cells,
                         CellsOfScope(*db_, request->scope(), stop));
        std::set<std::string> members;
        std::vector<v1::DuesRemittance> remittances;
        for (const domain::CellName& cell : cells) {
          RETURN_IF_ERROR(CellDuesMembers(*db_, cell, year, &members, stop));
          RETURN_IF_ERROR(
              ScanDuesRemittances(*db_, cell.organization, cell.cell, [&](v1::DuesRemittance& r) {
                if (r.period().year() == year) remittances.push_back(std::move(r));
                return absl::OkStatus();
              }));
        }
        std::map<std::string, std::vector<v1::DuesRateTable>> tables;  // per organization
        std::vector<v1::MemberDuesStatement> statements;
        for (const std::string& name : members) {
          if (stop != nullptr) RETURN_IF_ERROR(stop->Tick());
          ASSIGN_OR_RETURN(domain::MemberName member, domain::ParseMemberName(name, "scope"));
          auto t = tables.find(member.organization);
          if (t == tables.end()) {
            ASSIGN_OR_RETURN(std::vector<v1::DuesRateTable> found,
                             TablesFor(*db_, member.organization));
            t = tables.emplace(member.organization, std::move(found)).first;
          }
          ASSIGN_OR_RETURN(v1::MemberDuesStatement s, StatementOf(*db_, member, year, t->second));
          statements.push_back(std::move(s));
        }
        *response = domain::SummarizeDues(request->scope(), year, statements, remittances);
        // Who owes what, and a month's amounts (one paying member's are a share of a
        // salary), need dues.read.
        if (!ctx.dues_read) domain::MaskDuesAmounts(response);
        return absl::OkStatus();
      });
}

}  // namespace records
