// Cell meetings: the third absence without reason in a calendar year flags a member (excused
// absences never count), a month without a regular meeting is missed once it has ended, and
// thematic meetings are counted against the number required. The summaries below are of a
// cell established in 2010 (testing::ActiveCell), which owes every month and 4 thematic
// meetings a year; a cell active part of a year owes what MeetingRequirements decides.
#include "services/records/domain/meeting_rules.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using testing::ActiveCell;
using testing::D;
using ::testing::ElementsAre;
using testing::kCellA;
using Status = v1::MeetingAttendance::Status;

constexpr char kHung[] = "organizations/hq-long-an/members/hung";
constexpr char kLan[] = "organizations/hq-long-an/members/lan";

v1::Meeting Meeting(int y, int m, int d, v1::Meeting::Kind kind, Status hung, Status lan) {
  v1::Meeting meeting;
  meeting.set_kind(kind);
  *meeting.mutable_date() = D(y, m, d);
  for (const auto& [member, status] : {std::pair{kHung, hung}, std::pair{kLan, lan}}) {
    auto* a = meeting.add_attendance();
    a->set_member(member);
    a->set_status(status);
    if (status == v1::MeetingAttendance::EXCUSED) a->set_reason("Đi công tác");
  }
  return meeting;
}

constexpr auto kPresent = v1::MeetingAttendance::PRESENT;
constexpr auto kExcused = v1::MeetingAttendance::EXCUSED;
constexpr auto kAbsent = v1::MeetingAttendance::ABSENT;
constexpr auto kRegular = v1::Meeting::REGULAR;

const v1::CellMeetingSummary::MemberAttendance& Of(const v1::CellMeetingSummary& s,
                                                   const std::string& member) {
  for (const auto& m : s.members()) {
    if (m.member() == member) return m;
  }
  static const v1::CellMeetingSummary::MemberAttendance kNone;
  return kNone;
}

TEST(MeetingFlagTest, TheThirdAbsenceWithoutReasonFlags) {
  std::vector<v1::Meeting> meetings = {Meeting(2026, 1, 5, kRegular, kAbsent, kPresent),
                                       Meeting(2026, 2, 5, kRegular, kAbsent, kPresent)};
  const absl::CivilDay today(2026, 12, 7);
  EXPECT_FALSE(Of(SummarizeMeetings(ActiveCell(), 2026, meetings, today), kHung).flagged());
  meetings.push_back(Meeting(2026, 3, 5, kRegular, kAbsent, kPresent));
  const v1::CellMeetingSummary s = SummarizeMeetings(ActiveCell(), 2026, meetings, today);
  EXPECT_EQ(Of(s, kHung).absent(), 3);
  EXPECT_TRUE(Of(s, kHung).flagged());
  EXPECT_FALSE(Of(s, kLan).flagged());
}

TEST(MeetingFlagTest, TwoAbsencesAndOneExcusedDoNotFlag) {
  const std::vector<v1::Meeting> meetings = {Meeting(2026, 1, 5, kRegular, kAbsent, kPresent),
                                             Meeting(2026, 2, 5, kRegular, kExcused, kPresent),
                                             Meeting(2026, 3, 5, kRegular, kAbsent, kPresent)};
  const v1::CellMeetingSummary s =
      SummarizeMeetings(ActiveCell(), 2026, meetings, absl::CivilDay(2026, 12, 7));
  EXPECT_EQ(Of(s, kHung).absent(), 2);
  EXPECT_EQ(Of(s, kHung).excused(), 1);
  EXPECT_FALSE(Of(s, kHung).flagged());
}

TEST(MeetingFlagTest, AbsencesInDecemberDoNotCarryIntoTheNextYear) {
  const std::vector<v1::Meeting> meetings = {Meeting(2025, 12, 5, kRegular, kAbsent, kPresent),
                                             Meeting(2026, 1, 5, kRegular, kAbsent, kPresent),
                                             Meeting(2026, 2, 5, kRegular, kAbsent, kPresent)};
  const absl::CivilDay today(2026, 3, 1);
  EXPECT_FALSE(Of(SummarizeMeetings(ActiveCell(), 2026, meetings, today), kHung).flagged());
  EXPECT_EQ(Of(SummarizeMeetings(ActiveCell(), 2025, meetings, today), kHung).absent(), 1);
}

TEST(MeetingCalendarTest, AMonthIsMissedOnlyOnceItHasEnded) {
  const std::vector<v1::Meeting> meetings = {
      Meeting(2026, 1, 5, kRegular, kPresent, kPresent),
      Meeting(2026, 2, 20, v1::Meeting::THEMATIC, kPresent, kPresent),
      Meeting(2026, 3, 31, kRegular, kPresent, kPresent)};
  const v1::CellMeetingSummary s =
      SummarizeMeetings(ActiveCell(), 2026, meetings, absl::CivilDay(2026, 4, 30));
  EXPECT_THAT(s.months_without_regular_meeting(), ElementsAre(2));  // not April
  EXPECT_EQ(s.thematic_meetings(), 1);
  EXPECT_EQ(s.thematic_meetings_required(), 4);
}

TEST(MeetingCalendarTest, APastYearChecksAllTwelveMonths) {
  const v1::CellMeetingSummary s =
      SummarizeMeetings(ActiveCell(), 2025, {Meeting(2025, 12, 1, kRegular, kPresent, kPresent)},
                        absl::CivilDay(2026, 1, 2));
  EXPECT_EQ(s.months_without_regular_meeting_size(), 11);
  EXPECT_EQ(s.months_without_regular_meeting(10), 11);
}

TEST(MeetingAttendanceTest, RatesInBasisPointsRoundHalfUp) {
  const std::vector<v1::Meeting> meetings = {Meeting(2026, 1, 5, kRegular, kPresent, kPresent),
                                             Meeting(2026, 2, 5, kRegular, kPresent, kExcused),
                                             Meeting(2026, 3, 5, kRegular, kAbsent, kPresent)};
  const v1::CellMeetingSummary s =
      SummarizeMeetings(ActiveCell(), 2026, meetings, absl::CivilDay(2026, 4, 1));
  EXPECT_EQ(Of(s, kHung).attendance_basis_points(), 6667);  // 2 of 3
  EXPECT_EQ(s.attendance_basis_points(), 6667);             // 4 of 6
  EXPECT_EQ(AttendanceBasisPoints(1, 8), 1250);
  EXPECT_EQ(AttendanceBasisPoints(0, 0), 0);
  v1::Meeting m = meetings[1];
  FillAttendanceCounts(&m);
  EXPECT_EQ(m.present_count(), 1);
  EXPECT_EQ(m.excused_count(), 1);
  EXPECT_EQ(m.absent_count(), 0);
}

// What the rules require of a cell per year, from its dates (Cell.meeting_requirements).
v1::Cell CellBetween(google::type::Date established, std::optional<google::type::Date> end) {
  v1::Cell cell;
  cell.set_name(kCellA);
  *cell.mutable_established_date() = established;
  if (end.has_value()) *cell.mutable_end_date() = *end;
  return cell;
}

std::vector<std::vector<int>> Entries(const v1::Cell& cell) {
  std::vector<std::vector<int>> out;
  for (const v1::MeetingRequirement& r : MeetingRequirements(cell)) {
    out.push_back({r.year(), r.regular_meetings(), r.thematic_meetings()});
  }
  return out;
}

TEST(MeetingRequirementTest, AWholeYearNeedsTwelveRegularAndTheDefaultThematicMeetings) {
  EXPECT_THAT(Entries(CellBetween(D(2015, 1, 1), std::nullopt)),
              ElementsAre(std::vector<int>{2015, 12, kDefaultThematicMeetingsPerYear}));
}

TEST(MeetingRequirementTest, TheFirstYearCountsMonthsActiveAtTheirLastDay) {
  // Established on 1 July: July to December; on 31 July: still July (active on its last day);
  // on 1 December: one month, thematic 4 × 1 / 12 rounds to 0.
  EXPECT_THAT(Entries(CellBetween(D(2015, 7, 1), std::nullopt)),
              ElementsAre(std::vector<int>{2015, 6, 2}, std::vector<int>{2016, 12, 4}));
  EXPECT_THAT(Entries(CellBetween(D(2015, 7, 31), std::nullopt)),
              ElementsAre(std::vector<int>{2015, 6, 2}, std::vector<int>{2016, 12, 4}));
  EXPECT_THAT(Entries(CellBetween(D(2015, 12, 1), std::nullopt)),
              ElementsAre(std::vector<int>{2015, 1, 0}, std::vector<int>{2016, 12, 4}));
  // Three months prorate to one thematic meeting (4 × 3 / 12).
  EXPECT_THAT(Entries(CellBetween(D(2015, 10, 1), std::nullopt)),
              ElementsAre(std::vector<int>{2015, 3, 1}, std::vector<int>{2016, 12, 4}));
}

TEST(MeetingRequirementTest, AnEndedCellOwesTheMonthsBeforeItsEndThenNothing) {
  // Ended (merged) on 15 April 2020: active at the end of January to March.
  EXPECT_THAT(Entries(CellBetween(D(2015, 1, 1), D(2020, 4, 15))),
              ElementsAre(std::vector<int>{2015, 12, 4}, std::vector<int>{2020, 3, 1},
                          std::vector<int>{2021, 0, 0}));
  // Ended on 1 January: nothing that year.
  EXPECT_THAT(Entries(CellBetween(D(2015, 1, 1), D(2020, 1, 1))),
              ElementsAre(std::vector<int>{2015, 12, 4}, std::vector<int>{2020, 0, 0}));
  // Ended on 31 December: December needs no meeting (not active on its last day).
  EXPECT_THAT(Entries(CellBetween(D(2015, 1, 1), D(2020, 12, 31))),
              ElementsAre(std::vector<int>{2015, 12, 4}, std::vector<int>{2020, 11, 4},
                          std::vector<int>{2021, 0, 0}));
}

TEST(MeetingRequirementTest, NoEstablishedDateRequiresNothingAndSetReplacesStaleEntries) {
  EXPECT_TRUE(MeetingRequirements(v1::Cell()).empty());
  v1::Cell cell = CellBetween(D(2015, 1, 1), std::nullopt);
  cell.add_meeting_requirements()->set_year(1999);
  SetMeetingRequirements(&cell);
  ASSERT_EQ(cell.meeting_requirements_size(), 1);
  EXPECT_EQ(cell.meeting_requirements(0).year(), 2015);
}

TEST(MeetingRequirementTest, TheRequirementOfOneYear) {
  const v1::Cell cell = CellBetween(D(2015, 7, 1), D(2020, 4, 15));
  auto of = [&](int year) {
    const v1::MeetingRequirement r = MeetingRequirementOf(cell, year);
    return std::vector<int>{r.year(), r.regular_meetings(), r.thematic_meetings()};
  };
  EXPECT_EQ(of(2014), (std::vector<int>{2014, 0, 0}));  // before it existed
  EXPECT_EQ(of(2015), (std::vector<int>{2015, 6, 2}));
  EXPECT_EQ(of(2017), (std::vector<int>{2017, 12, 4}));  // an entry holds until the next
  EXPECT_EQ(of(2020), (std::vector<int>{2020, 3, 1}));
  EXPECT_EQ(of(2030), (std::vector<int>{2030, 0, 0}));
}

// GetCellMeetingSummary's year of a cell active part of it: the thematic meetings required
// and the months that needed a regular meeting are those of the cell's requirement.
TEST(MeetingSummaryTest, ACellFoundedMidYearOwesTheMonthsFromItsFounding) {
  // Founded on 10 July 2025: active at the end of July to December, thematic 4 × 6 / 12.
  const v1::Cell cell = CellBetween(D(2025, 7, 10), std::nullopt);
  const std::vector<v1::Meeting> meetings = {
      Meeting(2025, 8, 5, kRegular, kPresent, kPresent),
      Meeting(2025, 9, 20, v1::Meeting::THEMATIC, kPresent, kPresent)};
  const v1::CellMeetingSummary s =
      SummarizeMeetings(cell, 2025, meetings, absl::CivilDay(2026, 1, 5));
  EXPECT_EQ(s.cell(), kCellA);
  EXPECT_EQ(s.thematic_meetings_required(), 2);
  EXPECT_EQ(s.thematic_meetings(), 1);
  EXPECT_THAT(s.months_without_regular_meeting(), ElementsAre(7, 9, 10, 11, 12));
  // Founded on 1 December: one month, 4 × 1 / 12 rounds to no thematic meeting.
  const v1::CellMeetingSummary december = SummarizeMeetings(
      CellBetween(D(2025, 12, 1), std::nullopt), 2025, {}, absl::CivilDay(2026, 1, 5));
  EXPECT_EQ(december.thematic_meetings_required(), 0);
  EXPECT_THAT(december.months_without_regular_meeting(), ElementsAre(12));
  // The year before its founding requires nothing.
  const v1::CellMeetingSummary before =
      SummarizeMeetings(cell, 2024, {}, absl::CivilDay(2026, 1, 5));
  EXPECT_EQ(before.thematic_meetings_required(), 0);
  EXPECT_TRUE(before.months_without_regular_meeting().empty());
}

TEST(MeetingSummaryTest, ACellDissolvedMidYearOwesTheMonthsBeforeItsEnd) {
  // Dissolved on 15 April 2025: active at the end of January to March, thematic 4 × 3 / 12.
  const v1::Cell cell = CellBetween(D(2015, 1, 1), D(2025, 4, 15));
  const v1::CellMeetingSummary s = SummarizeMeetings(
      cell, 2025, {Meeting(2025, 1, 5, kRegular, kPresent, kPresent)}, absl::CivilDay(2025, 12, 7));
  EXPECT_EQ(s.thematic_meetings_required(), 1);
  EXPECT_THAT(s.months_without_regular_meeting(), ElementsAre(2, 3));
  // Dissolved on 1 July: six months, 2 thematic meetings; the year after, nothing.
  const v1::Cell july = CellBetween(D(2015, 1, 1), D(2025, 7, 1));
  EXPECT_EQ(
      SummarizeMeetings(july, 2025, {}, absl::CivilDay(2025, 12, 7)).thematic_meetings_required(),
      2);
  const v1::CellMeetingSummary after =
      SummarizeMeetings(july, 2026, {}, absl::CivilDay(2026, 12, 7));
  EXPECT_EQ(after.thematic_meetings_required(), 0);
  EXPECT_TRUE(after.months_without_regular_meeting().empty());
}

}  // namespace
}  // namespace records::domain
