// What a member record adds to its organization's party statistics (Member.statistics), as
// records' rules decide it: facts in the years of their corrected effective dates, year-end
// standings as GetCellHeadcount counts them, ratings only for members counted at that year's
// end, deaths only of members on the organization's lists.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/records/domain/member_rules.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using testing::ActiveCell;
using testing::Admit;
using testing::Ctx;
using testing::D;
using testing::Decision;
using testing::kMemberName;
using testing::kOrg;
using Event = v1::LifecycleEvent;
using Fact = v1::MemberStatistics::Fact;
using Stats = v1::MemberStatistics;
using Day = absl::CivilDay;

// "ADMISSION 2023" for every fact, in order.
std::vector<std::string> Facts(const v1::Member& m) {
  std::vector<std::string> out;
  for (const Fact& f : m.statistics().facts()) {
    std::string s = Fact::Kind_Name(f.kind()) + " " + std::to_string(f.year());
    if (f.kind() == Fact::RATING) s += " " + v1::YearlyRating::Level_Name(f.rating_level());
    out.push_back(s);
  }
  return out;
}

// "2023 PROBATIONARY" for every year-end change.
std::vector<std::string> YearEnds(const v1::Member& m) {
  std::vector<std::string> out;
  for (const Stats::YearEnd& e : m.statistics().year_ends()) {
    out.push_back(std::to_string(e.year()) + " " + Stats::Standing_Name(e.standing()));
  }
  return out;
}

v1::Member Ok(absl::StatusOr<v1::Member> m) {
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : v1::Member();
}

// Admitted 01/03/2023, ceremony 10/03/2023.
v1::Member Admitted() {
  return Ok(
      AdmitMember(Admit(Day(2023, 3, 1), Day(2023, 3, 10)), kMemberName, ActiveCell(), Ctx()));
}

v1::Member Recognized(const v1::Member& m, Day decided) {
  v1::RecognizeFullMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(decided, "77-QĐ/ĐU");
  return Ok(RecognizeFullMember(m, r, Ctx()));
}

v1::Member Transferred(const v1::Member& m, v1::TransferMemberRequest::Kind kind, Day effective) {
  v1::TransferMemberRequest r;
  r.set_name(kMemberName);
  r.set_kind(kind);
  *r.mutable_decision() = Decision(effective, "12-QĐ/ĐU");
  *r.mutable_effective_date() = ToDate(effective);
  r.mutable_destination()->set_organization("organizations/hq-tay-ninh");
  return Ok(TransferMember(m, r, nullptr, Ctx()));
}

v1::Member Died(const v1::Member& m, Day effective) {
  v1::RecordMemberDeathRequest r;
  r.set_name(kMemberName);
  *r.mutable_effective_date() = ToDate(effective);
  return Ok(RecordMemberDeath(m, r, Ctx()));
}

v1::Member Removed(const v1::Member& m, Day effective) {
  v1::RemoveMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(effective, "90-QĐ/ĐU");
  *r.mutable_effective_date() = ToDate(effective);
  r.set_ground(Event::DUES_ARREARS);
  return Ok(RemoveMember(m, r, Ctx()));
}

v1::Member Rated(const v1::Member& m, int year, v1::YearlyRating::Level level) {
  v1::RateMemberRequest r;
  r.set_name(kMemberName);
  v1::YearlyRating* rating = r.mutable_rating();
  rating->set_year(year);
  rating->set_level(level);
  rating->set_rule_version("132-QĐ/TW");
  rating->set_decided_by("Chi bộ Phòng Nghiệp vụ");
  *rating->mutable_decision_date() = D(year, 12, 20);
  return Ok(RateMember(m, r, Ctx()));
}

v1::Member Corrected(const v1::Member& m, const std::string& event_id, const std::string& path,
                     const v1::EventCorrection& values) {
  v1::CorrectMemberEventRequest r;
  r.set_name(kMemberName);
  r.set_event_id(event_id);
  r.set_reason("Đính chính theo hồ sơ gốc");
  *r.mutable_basis() = Decision(Day(2025, 12, 1), "3-QĐ/ĐU");
  if (path.empty()) {
    r.set_voids_event(true);
  } else {
    r.mutable_correction_mask()->add_paths(path);
    *r.mutable_corrected_values() = values;
  }
  return Ok(CorrectMemberEvent(m, r, Ctx()));
}

// Received from an organization not kept here on `effective`, with the given carried dates.
v1::Member Received(v1::ReceiveMemberRequest::Kind kind, Day effective, Day entry, bool full) {
  v1::ReceiveMemberRequest r;
  r.set_parent(kOrg);
  r.set_kind(kind);
  *r.mutable_member() = testing::Profile();
  r.set_cell(testing::kCellA);
  r.mutable_from_organization()->set_display_name("Đảng bộ phường 3");
  *r.mutable_decision() = Decision(effective, "8-QĐ/ĐU");
  *r.mutable_effective_date() = ToDate(effective);
  *r.mutable_admission_date() = ToDate(entry - 10);
  *r.mutable_party_entry_date() = ToDate(entry);
  if (full) *r.mutable_full_membership_date() = ToDate(AddMonths(entry, 12));
  return Ok(ReceiveMember(r, kMemberName, ActiveCell(), nullptr, Ctx()));
}

TEST(MemberStatisticsTest, FactsInTheirYearsAndStandingsWhereTheyChange) {
  v1::Member m = Recognized(Admitted(), Day(2024, 3, 20));
  m = Transferred(m, v1::TransferMemberRequest::OFFICIAL_OUT, Day(2025, 9, 1));
  EXPECT_EQ(Facts(m),
            (std::vector<std::string>{"ADMISSION 2023", "RECOGNITION 2024", "TRANSFER_OUT 2025"}));
  EXPECT_EQ(YearEnds(m), (std::vector<std::string>{"2023 PROBATIONARY", "2024 FULL",
                                                   "2025 STANDING_UNSPECIFIED"}));
}

TEST(MemberStatisticsTest, CorrectionsAndVoidsMoveTheYears) {
  v1::Member m = Removed(Admitted(), Day(2024, 6, 1));
  v1::EventCorrection earlier;
  *earlier.mutable_effective_date() = D(2022, 12, 30);
  m = Corrected(m, "e1", "effective_date", earlier);
  EXPECT_EQ(Facts(m), (std::vector<std::string>{"ADMISSION 2022", "REMOVAL 2024"}));
  m = Corrected(m, "e2", "", {});
  EXPECT_EQ(Facts(m), (std::vector<std::string>{"ADMISSION 2022"}));
  EXPECT_EQ(YearEnds(m), (std::vector<std::string>{"2022 PROBATIONARY"}));
}

TEST(MemberStatisticsTest, RatingsCountOnlyForMembersCountedAtThatYearsEnd) {
  v1::Member m = Rated(Admitted(), 2023, v1::YearlyRating::GOOD);
  m = Rated(m, 2024, v1::YearlyRating::EXCELLENT);
  m = Died(m, Day(2024, 6, 1));
  EXPECT_EQ(Facts(m),
            (std::vector<std::string>{"ADMISSION 2023", "DEATH 2024", "RATING 2023 GOOD"}));
  v1::EventCorrection level;
  level.mutable_rating()->set_level(v1::YearlyRating::COMPLETED);
  m = Corrected(m, "e2", "rating.level", level);
  EXPECT_EQ(Facts(m),
            (std::vector<std::string>{"ADMISSION 2023", "DEATH 2024", "RATING 2023 COMPLETED"}));
}

TEST(MemberStatisticsTest, AwayStaysCountedHostedDoesNotAndItsDeathCountsAtHome) {
  v1::Member away =
      Transferred(Admitted(), v1::TransferMemberRequest::TEMPORARY_OUT, Day(2024, 2, 1));
  EXPECT_EQ(YearEnds(away),
            (std::vector<std::string>{"2023 PROBATIONARY", "2024 PROBATIONARY_AWAY"}));
  v1::Member hosted =
      Received(v1::ReceiveMemberRequest::TEMPORARY, Day(2024, 2, 1), Day(2020, 5, 1), true);
  hosted = Died(hosted, Day(2025, 1, 10));
  EXPECT_EQ(Facts(hosted), std::vector<std::string>{});
  EXPECT_EQ(YearEnds(hosted),
            (std::vector<std::string>{"2024 HOSTED", "2025 STANDING_UNSPECIFIED"}));
}

// GetCellHeadcount counts a member full from full_membership_date, not from the transfer that
// carried it.
TEST(MemberStatisticsTest, ACarriedFullMembershipCountsFromItsDate) {
  v1::Member m =
      Received(v1::ReceiveMemberRequest::OFFICIAL, Day(2023, 11, 1), Day(2023, 2, 1), true);
  EXPECT_EQ(m.state(), v1::Member::FULL);
  EXPECT_EQ(Facts(m), (std::vector<std::string>{"TRANSFER_IN 2023"}));
  EXPECT_EQ(YearEnds(m), (std::vector<std::string>{"2023 PROBATIONARY", "2024 FULL"}));
  EXPECT_FALSE(MemberPositionAt(m, Day(2023, 12, 31)).full);
}

v1::Member MovedToCell(const v1::Member& m, const std::string& cell, Day effective) {
  v1::TransferMemberRequest r;
  r.set_name(kMemberName);
  r.set_kind(v1::TransferMemberRequest::OFFICIAL_TO_CELL);
  *r.mutable_decision() = Decision(effective, "15-QĐ/ĐU");
  *r.mutable_effective_date() = ToDate(effective);
  const v1::Cell target = ActiveCell(cell);
  return Ok(TransferMember(m, r, &target, Ctx()));
}

// The smallest history of property seed 3846167878: a correction places the member, for a
// while, in a cell that was never its current cell. The year-end standing and the headcount of
// that cell both count it there (records' index of the cells a member was ever in must too).
TEST(MemberStatisticsTest, ACorrectedCellTransferCountsInTheCorrectedCell) {
  const std::string kCellC = "organizations/hq-long-an/cells/to-chuc";
  v1::Member m = MovedToCell(Admitted(), testing::kCellB, Day(2023, 7, 1));
  m = MovedToCell(m, testing::kCellA, Day(2024, 4, 1));
  v1::EventCorrection to_c;
  to_c.set_to_cell(kCellC);
  m = Corrected(m, "e2", "to_cell", to_c);
  EXPECT_EQ(m.cell(), testing::kCellA);
  EXPECT_EQ(YearEnds(m), (std::vector<std::string>{"2023 PROBATIONARY"}));
  EXPECT_EQ(MemberPositionAt(m, Day(2023, 12, 31)).cell, kCellC);
  const v1::GetCellHeadcountResponse c = CellHeadcount(kCellC, Day(2023, 12, 31), {&m});
  EXPECT_EQ(c.probationary(), 1);
  EXPECT_EQ(c.total_counted(), 1);
  EXPECT_EQ(CellHeadcount(testing::kCellB, Day(2023, 12, 31), {&m}).total_counted(), 0);
}

TEST(MemberStatisticsTest, SetStatisticsFillsARecordStoredWithout) {
  v1::Member m = Recognized(Admitted(), Day(2024, 3, 20));
  const std::string expected = m.statistics().SerializeAsString();
  m.clear_statistics();
  SetStatistics(&m);
  EXPECT_TRUE(m.has_statistics());
  EXPECT_EQ(m.statistics().SerializeAsString(), expected);
}

}  // namespace
}  // namespace records::domain
