#include "services/records/domain/dues_rules.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"

namespace records::domain {
namespace {

// The sum of payments recorded for each month.
std::map<absl::CivilMonth, int64_t> PaidByMonth(absl::Span<const v1::DuesPayment> payments) {
  std::map<absl::CivilMonth, int64_t> paid;
  for (const v1::DuesPayment& p : payments) paid[ToCivilMonth(p.period())] += p.amount();
  return paid;
}

// Months with a recorded reason for paying less than due.
std::map<absl::CivilMonth, bool> ReasonByMonth(absl::Span<const v1::DuesPayment> payments) {
  std::map<absl::CivilMonth, bool> reason;
  for (const v1::DuesPayment& p : payments) {
    if (!p.unpaid_reason().empty()) reason[ToCivilMonth(p.period())] = true;
  }
  return reason;
}

const v1::DuesRateTable::LevelShare* FindShare(const v1::DuesRateTable& table,
                                               v1::DuesRateTable::Level level) {
  for (const auto& share : table.shares()) {
    if (share.level() == level) return &share;
  }
  return nullptr;
}

}  // namespace

absl::CivilMonth ToCivilMonth(const v1::DuesPeriod& period) {
  return absl::CivilMonth(period.year(), period.month());
}

v1::DuesPeriod ToPeriod(absl::CivilMonth month) {
  v1::DuesPeriod period;
  period.set_year(static_cast<int32_t>(month.year()));
  period.set_month(month.month());
  return period;
}

std::string PeriodId(absl::CivilMonth month) {
  return absl::StrFormat("%04d-%02d", month.year(), month.month());
}

std::optional<absl::CivilMonth> ParsePeriodId(absl::string_view id) {
  int year = 0;
  int month = 0;
  if (id.size() != 7 || id[4] != '-' || !absl::SimpleAtoi(id.substr(0, 4), &year) ||
      !absl::SimpleAtoi(id.substr(5, 2), &month) || month < 1 || month > 12) {
    return std::nullopt;
  }
  return absl::CivilMonth(year, month);
}

const v1::DuesRateTable* TableInForce(absl::Span<const v1::DuesRateTable> tables,
                                      absl::CivilMonth month) {
  const v1::DuesRateTable* best = nullptr;
  for (const v1::DuesRateTable& t : tables) {
    const absl::CivilDay from(t.effective_from().year(), t.effective_from().month(),
                              t.effective_from().day());
    if (from > absl::CivilDay(month)) continue;
    if (best == nullptr ||
        from > absl::CivilDay(best->effective_from().year(), best->effective_from().month(),
                              best->effective_from().day())) {
      best = &t;
    }
  }
  return best;
}

const v1::DuesBasis* BasisInForce(absl::Span<const v1::DuesBasis> bases, absl::CivilMonth month) {
  const v1::DuesBasis* best = nullptr;
  for (const v1::DuesBasis& b : bases) {
    const absl::CivilMonth from = ToCivilMonth(b.effective_from());
    if (from > month) continue;
    if (best == nullptr || from > ToCivilMonth(best->effective_from())) best = &b;
  }
  return best;
}

int64_t ApplyBasisPoints(int64_t amount, int32_t basis_points) {
  return (amount * basis_points + 5000) / 10000;
}

int64_t ApplyReduction(int64_t due, int32_t percent) { return (due * (100 - percent) + 50) / 100; }

absl::StatusOr<int64_t> MonthlyDue(const v1::DuesBasis& basis, const v1::DuesRateTable& table) {
  for (const auto& rate : table.rates()) {
    if (rate.category() != basis.category()) continue;
    const int64_t full = rate.basis_points() > 0
                             ? ApplyBasisPoints(basis.basis_amount(), rate.basis_points())
                             : rate.fixed_amount();
    return ApplyReduction(full, basis.reduction_percent());
  }
  return common::RuleViolation(
      kDuesCategoryNotInTable, table.name(),
      absl::StrCat("the rate table has no rate for category ",
                   v1::DuesCategory_Name(basis.category()), "; the cell enters the amount"));
}

absl::StatusOr<MonthDue> DueInMonth(absl::Span<const v1::DuesBasis> bases,
                                    absl::Span<const v1::DuesRateTable> tables,
                                    absl::CivilMonth month) {
  const v1::DuesBasis* basis = BasisInForce(bases, month);
  if (basis == nullptr) {
    return common::RuleViolation(kDuesBasisMissing, PeriodId(month),
                                 absl::StrCat("no dues basis in force in ", PeriodId(month)));
  }
  const v1::DuesRateTable* table = TableInForce(tables, month);
  if (table == nullptr) {
    return common::RuleViolation(kDuesRateTableMissing, PeriodId(month),
                                 absl::StrCat("no dues rate table in force in ", PeriodId(month)));
  }
  absl::StatusOr<int64_t> amount = MonthlyDue(*basis, *table);
  if (!amount.ok()) return amount.status();
  return MonthDue{*amount, table->name()};
}

v1::MemberDuesStatement DuesStatement(absl::string_view member, int year,
                                      absl::Span<const v1::DuesBasis> bases,
                                      absl::Span<const v1::DuesRateTable> tables,
                                      absl::Span<const v1::DuesPayment> payments,
                                      absl::CivilDay today) {
  v1::MemberDuesStatement statement;
  statement.set_member(std::string(member));
  statement.set_year(year);
  const absl::CivilMonth current(today);
  const std::map<absl::CivilMonth, int64_t> paid = PaidByMonth(payments);
  const std::map<absl::CivilMonth, bool> reason = ReasonByMonth(payments);
  for (absl::CivilMonth m(year, 1); m.year() == year && m <= current; ++m) {
    v1::MemberDuesMonth* month = statement.add_months();
    *month->mutable_period() = ToPeriod(m);
    absl::StatusOr<MonthDue> due = DueInMonth(bases, tables, m);
    if (due.ok()) {
      month->set_amount_due(due->amount);
      month->set_rate_table(due->rate_table);
    }
    const auto p = paid.find(m);
    month->set_amount_paid(p == paid.end() ? 0 : p->second);
    const bool ended = m < current;
    const int64_t short_by = std::max<int64_t>(0, month->amount_due() - month->amount_paid());
    if (ended) month->set_arrears(short_by);
    month->set_unpaid_without_reason(ended && short_by > 0 && reason.count(m) == 0);
    statement.set_total_due(statement.total_due() + month->amount_due());
    statement.set_total_paid(statement.total_paid() + month->amount_paid());
    statement.set_total_arrears(statement.total_arrears() + month->arrears());
    if (month->unpaid_without_reason()) {
      statement.set_unpaid_months_without_reason(statement.unpaid_months_without_reason() + 1);
    }
  }
  statement.set_flagged(statement.unpaid_months_without_reason() >= kUnpaidMonthsFlag);
  return statement;
}

int64_t ArrearsBetween(absl::Span<const v1::DuesBasis> bases,
                       absl::Span<const v1::DuesRateTable> tables,
                       absl::Span<const v1::DuesPayment> payments, absl::CivilMonth from,
                       absl::CivilMonth to, absl::CivilDay today) {
  const absl::CivilMonth last = std::min(to, absl::CivilMonth(today) - 1);
  const std::map<absl::CivilMonth, int64_t> paid = PaidByMonth(payments);
  int64_t arrears = 0;
  for (absl::CivilMonth m = from; m <= last; ++m) {
    absl::StatusOr<MonthDue> due = DueInMonth(bases, tables, m);
    if (!due.ok()) continue;
    const auto p = paid.find(m);
    arrears += std::max<int64_t>(0, due->amount - (p == paid.end() ? 0 : p->second));
  }
  return arrears;
}

CellMonthClosing CloseCellMonth(absl::string_view cell, absl::CivilMonth month,
                                absl::Span<const MemberDuesRecords> members,
                                absl::Span<const v1::DuesRateTable> tables) {
  CellMonthClosing closing;
  for (const MemberDuesRecords& member : members) {
    absl::StatusOr<MonthDue> due = DueInMonth(member.bases, tables, month);
    const int64_t owed = due.ok() ? due->amount : 0;
    int64_t paid = 0;
    for (const v1::DuesPayment& p : member.payments) {
      if (ToCivilMonth(p.period()) != month) continue;
      paid += p.amount();
      if (p.cell() == cell) closing.collected += p.amount();
    }
    closing.due += owed;
    closing.arrears += std::max<int64_t>(0, owed - paid);
  }
  return closing;
}

v1::DuesSummary SummarizeDues(absl::string_view scope, int year,
                              absl::Span<const v1::MemberDuesStatement> statements,
                              absl::Span<const v1::DuesRemittance> remittances) {
  v1::DuesSummary summary;
  summary.set_scope(std::string(scope));
  summary.set_year(year);
  std::map<int, v1::DuesSummary::Month> months;
  for (const v1::MemberDuesStatement& s : statements) {
    for (const v1::MemberDuesMonth& m : s.months()) {
      v1::DuesSummary::Month& total = months[m.period().month()];
      *total.mutable_period() = m.period();
      total.set_due(total.due() + m.amount_due());
      total.set_collected(total.collected() + m.amount_paid());
      total.set_arrears(total.arrears() + m.arrears());
    }
    if (s.total_arrears() > 0 || s.flagged()) {
      v1::DuesSummary::MemberArrears* a = summary.add_members_in_arrears();
      a->set_member(s.member());
      a->set_arrears(s.total_arrears());
      a->set_unpaid_months_without_reason(s.unpaid_months_without_reason());
      a->set_flagged(s.flagged());
    }
    if (s.flagged()) summary.set_flagged_members(summary.flagged_members() + 1);
  }
  for (const v1::DuesRemittance& r : remittances) {
    if (r.period().year() != year) continue;
    v1::DuesSummary::Month& total = months[r.period().month()];
    *total.mutable_period() = r.period();
    total.set_remitted(total.remitted() + r.remitted_amount());
  }
  v1::DuesSummary::Month* year_total = summary.mutable_year_total();
  year_total->mutable_period()->set_year(year);
  for (auto& [month, total] : months) {
    year_total->set_due(year_total->due() + total.due());
    year_total->set_collected(year_total->collected() + total.collected());
    year_total->set_arrears(year_total->arrears() + total.arrears());
    year_total->set_remitted(year_total->remitted() + total.remitted());
    *summary.add_months() = std::move(total);
  }
  auto* members = summary.mutable_members_in_arrears();
  std::sort(members->begin(), members->end(), [](const auto& a, const auto& b) {
    if (a.arrears() != b.arrears()) return a.arrears() > b.arrears();
    return a.member() < b.member();
  });
  return summary;
}

absl::StatusOr<std::vector<ShareSplit>> SplitShares(
    int64_t received, const v1::DuesRateTable& table,
    absl::Span<const v1::DuesRateTable::Level> levels,
    std::optional<int32_t> kept_override_basis_points) {
  std::vector<ShareSplit> splits;
  for (size_t i = 0; i < levels.size(); ++i) {
    const v1::DuesRateTable::LevelShare* share = FindShare(table, levels[i]);
    if (share == nullptr) {
      return common::RuleViolation(kDuesShareNotInTable, table.name(),
                                   absl::StrCat("the rate table has no share for level ",
                                                v1::DuesRateTable::Level_Name(levels[i])));
    }
    int32_t kept_bp = share->kept_basis_points();
    if (i == 0 && kept_override_basis_points.has_value()) {
      const int32_t max = std::max(share->kept_basis_points(), share->kept_basis_points_max());
      kept_bp = std::clamp(*kept_override_basis_points, share->kept_basis_points(), max);
    }
    ShareSplit split;
    split.level = levels[i];
    split.received = received;
    split.kept = ApplyBasisPoints(received, kept_bp);
    split.passed_up = received - split.kept;
    splits.push_back(split);
    received = split.passed_up;
  }
  return splits;
}

}  // namespace records::domain
