#include "services/analytics/follower/contributions.h"

#include <algorithm>

namespace analytics {
namespace {

using ::dangbo::records::v1::Cell;
using ::dangbo::records::v1::DuesRemittance;
using ::dangbo::records::v1::InspectionItem;
using ::dangbo::records::v1::InspectionPlan;
using ::dangbo::records::v1::Meeting;
using ::dangbo::records::v1::MeetingRequirement;
using ::dangbo::records::v1::Member;
using ::dangbo::records::v1::MemberStatistics;
using ::dangbo::records::v1::YearlyRating;

void Add(ContributionMap* out, const std::string& org, int year, int field, int64_t delta = 1) {
  (*out)[{org, year}][field] += delta;
}

void DropZeros(ContributionMap* out) {
  for (auto it = out->begin(); it != out->end();) {
    const bool zero =
        std::all_of(it->second.begin(), it->second.end(), [](int64_t v) { return v == 0; });
    it = zero ? out->erase(it) : std::next(it);
  }
}

int RatingField(YearlyRating::Level level, bool member) {
  switch (level) {
    case YearlyRating::EXCELLENT:
      return member ? kMemberExcellent : kCellExcellent;
    case YearlyRating::GOOD:
      return member ? kMemberGood : kCellGood;
    case YearlyRating::COMPLETED:
      return member ? kMemberCompleted : kCellCompleted;
    case YearlyRating::NOT_COMPLETED:
      return member ? kMemberNotCompleted : kCellNotCompleted;
    default:
      return -1;
  }
}

// The counter a published fact adds to; -1 for none.
int FactField(const MemberStatistics::Fact& fact) {
  switch (fact.kind()) {
    case MemberStatistics::Fact::ADMISSION:
      return kAdmissions;
    case MemberStatistics::Fact::READMISSION:
      return kReadmissions;
    case MemberStatistics::Fact::RECOGNITION:
      return kRecognitions;
    case MemberStatistics::Fact::TRANSFER_IN:
      return kTransfersIn;
    case MemberStatistics::Fact::TRANSFER_OUT:
      return kTransfersOut;
    case MemberStatistics::Fact::CELL_TRANSFER:
      return kCellTransfers;
    case MemberStatistics::Fact::REMOVAL:
      return kRemoved;
    case MemberStatistics::Fact::EXPULSION:
      return kExpelled;
    case MemberStatistics::Fact::DEATH:
      return kDeceased;
    case MemberStatistics::Fact::DISCIPLINE:
      return kDisciplines;
    case MemberStatistics::Fact::RATING:
      return RatingField(fact.rating_level(), /*member=*/true);
    default:
      return -1;
  }
}

// The year-end stocks a standing is counted in.
struct Stocks {
  bool probationary = false, full = false, away = false, hosted = false;
};

Stocks StocksOf(MemberStatistics::Standing standing) {
  Stocks s;
  s.probationary =
      standing == MemberStatistics::PROBATIONARY || standing == MemberStatistics::PROBATIONARY_AWAY;
  s.full = standing == MemberStatistics::FULL || standing == MemberStatistics::FULL_AWAY;
  s.away =
      standing == MemberStatistics::PROBATIONARY_AWAY || standing == MemberStatistics::FULL_AWAY;
  s.hosted = standing == MemberStatistics::HOSTED;
  return s;
}

}  // namespace

ContributionMap MemberContribution(const Member& member) {
  ContributionMap out;
  const std::string org = OrganizationIdOf(member.name());
  if (org.empty()) return out;
  for (const MemberStatistics::Fact& fact : member.statistics().facts()) {
    const int field = FactField(fact);
    if (field >= 0) Add(&out, org, fact.year(), field);
  }
  // Year-end stocks as changes in the years they change.
  Stocks previous;
  for (const MemberStatistics::YearEnd& end : member.statistics().year_ends()) {
    const Stocks now = StocksOf(end.standing());
    auto change = [](bool after, bool before) { return int64_t{after} - int64_t{before}; };
    Add(&out, org, end.year(), kProbationaryChange,
        change(now.probationary, previous.probationary));
    Add(&out, org, end.year(), kFullChange, change(now.full, previous.full));
    Add(&out, org, end.year(), kTemporarilyAwayChange, change(now.away, previous.away));
    Add(&out, org, end.year(), kTemporarilyHostedChange, change(now.hosted, previous.hosted));
    previous = now;
  }
  DropZeros(&out);
  return out;
}

ContributionMap CellContribution(const Cell& cell) {
  ContributionMap out;
  const std::string org = OrganizationIdOf(cell.name());
  if (org.empty() || cell.established_date().year() == 0) return out;
  const int first = cell.established_date().year();
  // Active at the end of year Y while established ≤ 31/12/Y < end_date.
  const bool ends = cell.end_date().year() != 0;
  const int last = ends ? cell.end_date().year() - 1 : 99999;
  if (last >= first) {
    Add(&out, org, first, kCellsChange, 1);
    if (ends) Add(&out, org, last + 1, kCellsChange, -1);
  }
  for (const YearlyRating& rating : cell.ratings()) {
    const int field = RatingField(rating.level(), /*member=*/false);
    if (field >= 0 && rating.year() >= first && rating.year() <= last) {
      Add(&out, org, rating.year(), field);
    }
  }
  // What records requires from each entry's year on, as changes of a stock.
  int64_t regular = 0;
  int64_t thematic = 0;
  for (const MeetingRequirement& r : cell.meeting_requirements()) {
    Add(&out, org, r.year(), kRegularRequiredChange, r.regular_meetings() - regular);
    Add(&out, org, r.year(), kThematicRequiredChange, r.thematic_meetings() - thematic);
    regular = r.regular_meetings();
    thematic = r.thematic_meetings();
  }
  DropZeros(&out);
  return out;
}

ContributionMap RemittanceContribution(const DuesRemittance& remittance) {
  ContributionMap out;
  const std::string org = OrganizationIdOf(remittance.name());
  const int year = remittance.period().year();
  if (org.empty() || year == 0) return out;
  Add(&out, org, year, kDuesDue, remittance.due_amount());
  Add(&out, org, year, kDuesCollected, remittance.collected_amount());
  Add(&out, org, year, kDuesArrears, remittance.arrears_amount());
  Add(&out, org, year, kDuesRemitted, remittance.remitted_amount());
  Add(&out, org, year, kDuesCellMonths);
  return out;
}

ContributionMap MeetingContribution(const Meeting& meeting) {
  ContributionMap out;
  const std::string org = OrganizationIdOf(meeting.name());
  const int year = meeting.date().year();
  if (org.empty() || year == 0) return out;
  switch (meeting.kind()) {
    case Meeting::REGULAR:
      Add(&out, org, year, kRegularHeld);
      break;
    case Meeting::THEMATIC:
      Add(&out, org, year, kThematicHeld);
      break;
    case Meeting::EXTRAORDINARY:
      Add(&out, org, year, kExtraordinaryHeld);
      break;
    default:
      break;
  }
  Add(&out, org, year, kAttendancePresent, meeting.present_count());
  Add(&out, org, year, kAttendanceExcused, meeting.excused_count());
  Add(&out, org, year, kAttendanceAbsent, meeting.absent_count());
  DropZeros(&out);
  return out;
}

ContributionMap PlanContribution(const InspectionPlan& plan) {
  ContributionMap out;
  const std::string org = OrganizationIdOf(plan.name());
  if (org.empty() || plan.year() == 0) return out;
  Add(&out, org, plan.year(), kPlans);
  for (const InspectionItem& item : plan.items()) {
    if (item.state() == InspectionItem::CANCELLED) {
      Add(&out, org, plan.year(), kItemsCancelled);
      continue;
    }
    Add(&out, org, plan.year(), kItemsPlanned);
    if (item.state() == InspectionItem::CONCLUDED || item.state() == InspectionItem::CLOSED) {
      Add(&out, org, plan.year(), kItemsCompleted);
      const auto outcome = item.conclusion().outcome();
      if (outcome == InspectionItem::Conclusion::VIOLATION ||
          outcome == InspectionItem::Conclusion::VIOLATION_WITH_DISCIPLINE) {
        Add(&out, org, plan.year(), kItemsWithViolation);
      }
    }
  }
  return out;
}

}  // namespace analytics
