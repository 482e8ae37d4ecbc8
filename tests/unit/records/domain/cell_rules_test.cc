// Cells: created in an open organization, ended by merge or dissolution (never deleted), with a
// committee of full members of the cell and one rating per year.
#include "services/records/domain/cell_rules.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using testing::ActiveCell;
using testing::D;
using testing::Decision;
using ::testing::HasSubstr;
using testing::kCellA;
using testing::kCellB;
using Day = absl::CivilDay;

google::protobuf::Timestamp Now() {
  google::protobuf::Timestamp t;
  t.set_seconds(1767225600);
  return t;
}

v1::Organization Org() {
  v1::Organization o;
  o.set_name(testing::kOrg);
  o.set_state(v1::Organization::ACTIVE);
  *o.mutable_valid_from() = D(1993, 1, 1);
  return o;
}

v1::Member MemberIn(const std::string& id, v1::Member::State state, const std::string& cell) {
  v1::Member m;
  m.set_name(std::string(testing::kOrg) + "/members/" + id);
  m.set_state(state);
  m.set_cell(cell);
  return m;
}

TEST(NewCellTest, ActiveAndNotBeforeItsOrganization) {
  v1::CreateCellRequest r;
  r.set_parent(testing::kOrg);
  r.set_cell_id("nghiep-vu");
  r.mutable_cell()->set_display_name("Chi bộ Phòng Nghiệp vụ");
  *r.mutable_cell()->mutable_established_date() = D(2000, 1, 1);
  auto cell = NewCell(r, Org(), Now());
  ASSERT_TRUE(cell.ok()) << cell.status();
  EXPECT_EQ(cell->name(), kCellA);
  EXPECT_EQ(cell->state(), v1::Cell::ACTIVE);
  *r.mutable_cell()->mutable_established_date() = D(1992, 12, 31);
  EXPECT_EQ(common::ErrorReason(NewCell(r, Org(), Now()).status()), kCellBeforeOrganization);
  v1::Organization closed = Org();
  closed.set_state(v1::Organization::CLOSED);
  EXPECT_EQ(common::ErrorReason(NewCell(r, closed, Now()).status()), "ORGANIZATION_CLOSED");
}

TEST(UpdateCellTest, OnlyNameAndDateOfAnActiveCell) {
  v1::UpdateCellRequest r;
  *r.mutable_cell() = ActiveCell();
  r.mutable_cell()->set_display_name("Chi bộ Nghiệp vụ 1");
  r.mutable_cell()->set_state(v1::Cell::DISSOLVED);  // OUTPUT_ONLY, ignored
  auto cell = UpdateCell(ActiveCell(), r, Org(), Now());
  ASSERT_TRUE(cell.ok()) << cell.status();
  EXPECT_EQ(cell->display_name(), "Chi bộ Nghiệp vụ 1");
  EXPECT_EQ(cell->state(), v1::Cell::ACTIVE);
  r.mutable_update_mask()->add_paths("committee.secretary");
  EXPECT_EQ(UpdateCell(ActiveCell(), r, Org(), Now()).status().code(),
            absl::StatusCode::kOk);  // OUTPUT_ONLY path ignored
  r.mutable_update_mask()->add_paths("headcounts");
  EXPECT_EQ(UpdateCell(ActiveCell(), r, Org(), Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::Cell merged = ActiveCell();
  merged.set_state(v1::Cell::MERGED);
  r.clear_update_mask();
  EXPECT_EQ(common::ErrorReason(UpdateCell(merged, r, Org(), Now()).status()), kCellNotWritable);
}

v1::MergeCellRequest Merge() {
  v1::MergeCellRequest r;
  r.set_name(kCellA);
  r.set_merged_into(kCellB);
  *r.mutable_decision() = Decision(Day(2024, 12, 20), "88-QĐ/ĐU");
  *r.mutable_effective_date() = D(2024, 12, 31);
  return r;
}

TEST(MergeCellTest, TheMergedCellEndsAndIsReadOnly) {
  v1::Cell a = ActiveCell();
  a.mutable_committee()->set_secretary("organizations/hq-long-an/members/x");
  auto merged = MergeCell(a, ActiveCell(kCellB), Merge(), Now());
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->state(), v1::Cell::MERGED);
  EXPECT_EQ(merged->merged_into(), kCellB);
  EXPECT_EQ(FormatIso(merged->end_date()), "2024-12-31");
  EXPECT_FALSE(merged->has_committee());
  EXPECT_EQ(common::ErrorReason(CheckCellWritable(*merged)), kCellNotWritable);
  // Merging again, or into a merged cell, is refused.
  EXPECT_EQ(common::ErrorReason(MergeCell(*merged, ActiveCell(kCellB), Merge(), Now()).status()),
            kCellNotWritable);
  v1::Cell target = ActiveCell(kCellB);
  target.set_state(v1::Cell::DISSOLVED);
  EXPECT_EQ(common::ErrorReason(MergeCell(ActiveCell(), target, Merge(), Now()).status()),
            kCellNotWritable);
}

TEST(MergeCellTest, TheTargetIsAnotherCellOfTheSameOrganization) {
  EXPECT_EQ(MergeCell(ActiveCell(), ActiveCell(), Merge(), Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeCell(ActiveCell(), ActiveCell("organizations/other/cells/b"), Merge(), Now())
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DissolveCellTest, NoMemberMayRemain) {
  v1::DissolveCellRequest r;
  r.set_name(kCellA);
  *r.mutable_decision() = Decision(Day(2024, 12, 20));
  *r.mutable_effective_date() = D(2024, 12, 31);
  auto refused = DissolveCell(ActiveCell(), r, 3, Now());
  EXPECT_EQ(common::ErrorReason(refused.status()), kMembersRemain);
  EXPECT_THAT(refused.status().message(), HasSubstr("3 member(s)"));
  auto cell = DissolveCell(ActiveCell(), r, 0, Now());
  ASSERT_TRUE(cell.ok());
  EXPECT_EQ(cell->state(), v1::Cell::DISSOLVED);
}

v1::SetCellCommitteeRequest Committee() {
  v1::SetCellCommitteeRequest r;
  r.set_name(kCellA);
  *r.mutable_decision() = Decision(Day(2025, 5, 1), "12-QĐ/ĐU");
  *r.mutable_effective_date() = D(2025, 5, 1);
  r.mutable_committee()->set_secretary("organizations/hq-long-an/members/a");
  r.mutable_committee()->set_deputy_secretary("organizations/hq-long-an/members/b");
  return r;
}

TEST(SetCellCommitteeTest, FullMembersOfTheCell) {
  v1::Member a = MemberIn("a", v1::Member::FULL, kCellA);
  v1::Member b = MemberIn("b", v1::Member::FULL, kCellA);
  auto cell = SetCellCommittee(ActiveCell(), Committee(), {&a, &b}, Now());
  ASSERT_TRUE(cell.ok()) << cell.status();
  EXPECT_EQ(cell->committee().secretary(), a.name());
  EXPECT_EQ(cell->committee().decision().number(), "12-QĐ/ĐU");
  EXPECT_EQ(FormatIso(cell->committee().effective_date()), "2025-05-01");
}

TEST(SetCellCommitteeTest, ProbationaryMembersCannotHoldElectedPosts) {
  v1::Member a = MemberIn("a", v1::Member::FULL, kCellA);
  v1::Member b = MemberIn("b", v1::Member::PROBATIONARY, kCellA);
  auto cell = SetCellCommittee(ActiveCell(), Committee(), {&a, &b}, Now());
  EXPECT_EQ(common::ErrorReason(cell.status()), kCommitteeMemberNotEligible);
  EXPECT_THAT(cell.status().message(), HasSubstr("deputy secretary"));
}

TEST(SetCellCommitteeTest, MembersOfAnotherCellOrAwayAreNotEligible) {
  v1::Member a = MemberIn("a", v1::Member::FULL, kCellB);
  v1::Member b = MemberIn("b", v1::Member::FULL, kCellA);
  EXPECT_EQ(
      common::ErrorReason(SetCellCommittee(ActiveCell(), Committee(), {&a, &b}, Now()).status()),
      kCommitteeMemberNotEligible);
  a = MemberIn("a", v1::Member::TEMPORARILY_AWAY, kCellA);
  EXPECT_EQ(
      common::ErrorReason(SetCellCommittee(ActiveCell(), Committee(), {&a, &b}, Now()).status()),
      kCommitteeMemberNotEligible);
  EXPECT_EQ(SetCellCommittee(ActiveCell(), Committee(), {&b}, Now()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(RemoveFromCommitteeTest, ALeavingMemberLeavesEveryPost) {
  v1::Cell cell = ActiveCell();
  cell.mutable_committee()->set_secretary("m/a");
  cell.mutable_committee()->add_committee_members("m/b");
  cell.mutable_committee()->add_committee_members("m/c");
  EXPECT_TRUE(RemoveFromCommittee(&cell, "m/b"));
  EXPECT_EQ(cell.committee().committee_members_size(), 1);
  EXPECT_TRUE(RemoveFromCommittee(&cell, "m/a"));
  EXPECT_EQ(cell.committee().secretary(), "");
  EXPECT_FALSE(RemoveFromCommittee(&cell, "m/z"));
}

v1::RateCellRequest RateCellFor(int year, bool replace = false) {
  v1::RateCellRequest r;
  r.set_name(kCellA);
  r.mutable_rating()->set_year(year);
  r.mutable_rating()->set_level(v1::YearlyRating::GOOD);
  r.set_replace_existing(replace);
  return r;
}

TEST(RateCellTest, OnePerYearWhileTheCellExists) {
  auto cell = RateCell(ActiveCell(), RateCellFor(2024), Now());
  ASSERT_TRUE(cell.ok());
  cell = RateCell(*cell, RateCellFor(2022), Now());
  ASSERT_TRUE(cell.ok());
  EXPECT_EQ(cell->ratings(0).year(), 2022);
  auto again = RateCell(*cell, RateCellFor(2024), Now());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  auto replaced = RateCellFor(2024, true);
  replaced.mutable_rating()->set_level(v1::YearlyRating::EXCELLENT);
  auto ok = RateCell(*cell, replaced, Now());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->ratings(1).level(), v1::YearlyRating::EXCELLENT);
  EXPECT_EQ(ok->ratings_size(), 2);
  EXPECT_EQ(common::ErrorReason(RateCell(ActiveCell(), RateCellFor(2009), Now()).status()),
            kCellNotExistingInYear);
}

}  // namespace
}  // namespace records::domain
