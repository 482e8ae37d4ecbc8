#include "services/analytics/follower/party_statistics.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace analytics {

using ::dangbo::analytics::v1::PartyStatistics;

absl::CivilDay TodayInVietnam() {
  return absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(7 * 3600));
}

PartyStatistics BuildPartyStatistics(const std::string& organization_name, int year,
                                     const Counters& c, absl::CivilDay today) {
  PartyStatistics s;
  s.set_organization(organization_name);
  s.set_year(year);
  const bool partial = year == today.year();
  s.set_partial_year(partial);
  s.mutable_as_of()->set_year(year);
  s.mutable_as_of()->set_month(partial ? today.month() : 12);
  s.mutable_as_of()->set_day(partial ? today.day() : 31);
  auto i32 = [](int64_t v) { return static_cast<int32_t>(v); };
  s.set_members_probationary(i32(c[kProbationaryChange]));
  s.set_members_full(i32(c[kFullChange]));
  s.set_members_total(i32(c[kProbationaryChange] + c[kFullChange]));
  s.set_members_temporarily_away(i32(c[kTemporarilyAwayChange]));
  s.set_members_temporarily_hosted(i32(c[kTemporarilyHostedChange]));
  s.set_admissions(i32(c[kAdmissions]));
  s.set_readmissions(i32(c[kReadmissions]));
  s.set_recognitions(i32(c[kRecognitions]));
  s.set_transfers_in(i32(c[kTransfersIn]));
  s.set_transfers_out(i32(c[kTransfersOut]));
  s.set_cell_transfers(i32(c[kCellTransfers]));
  auto* removals = s.mutable_removals();
  removals->set_removed(i32(c[kRemoved]));
  removals->set_expelled(i32(c[kExpelled]));
  removals->set_deceased(i32(c[kDeceased]));
  removals->set_total(i32(c[kRemoved] + c[kExpelled] + c[kDeceased]));
  s.set_disciplines(i32(c[kDisciplines]));
  s.set_cells(i32(c[kCellsChange]));
  auto* inspections = s.mutable_inspections();
  inspections->set_plans(i32(c[kPlans]));
  inspections->set_items_planned(i32(c[kItemsPlanned]));
  inspections->set_items_completed(i32(c[kItemsCompleted]));
  inspections->set_items_cancelled(i32(c[kItemsCancelled]));
  inspections->set_items_with_violation(i32(c[kItemsWithViolation]));
  auto fill = [&](PartyStatistics::RatingDistribution* d, int first, int64_t population) {
    d->set_excellent(i32(c[first]));
    d->set_good(i32(c[first + 1]));
    d->set_completed(i32(c[first + 2]));
    d->set_not_completed(i32(c[first + 3]));
    const int64_t rated = c[first] + c[first + 1] + c[first + 2] + c[first + 3];
    d->set_rated(i32(rated));
    d->set_unrated(i32(population > rated ? population - rated : 0));
  };
  fill(s.mutable_member_ratings(), kMemberExcellent, s.members_total());
  fill(s.mutable_cell_ratings(), kCellExcellent, s.cells());
  auto* dues = s.mutable_dues();
  dues->set_due(c[kDuesDue]);
  dues->set_collected(c[kDuesCollected]);
  dues->set_arrears(c[kDuesArrears]);
  dues->set_remitted(c[kDuesRemitted]);
  dues->set_cell_months(i32(c[kDuesCellMonths]));
  auto* meetings = s.mutable_meetings();
  meetings->set_regular_held(i32(c[kRegularHeld]));
  meetings->set_regular_required(i32(c[kRegularRequiredChange]));
  meetings->set_thematic_held(i32(c[kThematicHeld]));
  meetings->set_thematic_required(i32(c[kThematicRequiredChange]));
  meetings->set_extraordinary_held(i32(c[kExtraordinaryHeld]));
  meetings->set_present(i32(c[kAttendancePresent]));
  meetings->set_excused(i32(c[kAttendanceExcused]));
  meetings->set_absent(i32(c[kAttendanceAbsent]));
  const int64_t recorded = c[kAttendancePresent] + c[kAttendanceExcused] + c[kAttendanceAbsent];
  // Rounded half up, as records rounds a cell's attendance.
  meetings->set_attendance_basis_points(
      recorded > 0 ? i32((c[kAttendancePresent] * 10000 + recorded / 2) / recorded) : 0);
  return s;
}

}  // namespace analytics
