// References to another organization or cell: a target something is placed in must be ACTIVE,
// a target named by history must not have ended before the event's date; a refusal names the
// field, the target, and where it went (a closed organization's successor, the cell a merged
// cell was merged into).
#include "services/records/domain/references.h"

#include <map>
#include <string>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "services/records/domain/cell_rules.h"
#include "services/records/domain/organization_rules.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using testing::ActiveCell;
using testing::D;
using ::testing::HasSubstr;
using ::testing::Not;
using Day = absl::CivilDay;

constexpr char kMember[] = "organizations/hq-long-an/members/nguyen-van-hung";

v1::Organization Organization(const std::string& id, v1::Organization::State state,
                              const std::string& successor = "") {
  v1::Organization o;
  o.set_name("organizations/" + id);
  o.set_state(state);
  *o.mutable_valid_from() = D(1993, 1, 1);
  if (state == v1::Organization::CLOSED) *o.mutable_valid_to() = D(2025, 2, 28);
  o.set_successor(successor);
  return o;
}

v1::Cell Ended(v1::Cell::State state, const std::string& merged_into = "") {
  v1::Cell c = ActiveCell(testing::kCellB);
  c.set_state(state);
  c.set_merged_into(merged_into);
  *c.mutable_end_date() = D(2019, 12, 31);
  return c;
}

std::map<std::string, std::string> Metadata(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  std::map<std::string, std::string> out;
  auto payload = status.GetPayload(common::kErrorInfoTypeUrl);
  if (payload.has_value() && info.ParseFromString(std::string(*payload))) {
    out.insert(info.metadata().begin(), info.metadata().end());
  }
  return out;
}

TEST(ReferencesTest, AClosedOrganizationIsRefusedNamingItsSuccessor) {
  const v1::Organization closed =
      Organization("hq-long-an", v1::Organization::CLOSED, "organizations/hq-khu-vuc-xvi");
  const absl::Status s =
      CheckActiveOrganization(closed, "destination.organization", kDestinationClosed, kMember);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(common::ErrorReason(s), kDestinationClosed);
  EXPECT_THAT(std::string(s.message()), HasSubstr("destination.organization"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("organizations/hq-long-an is CLOSED since 28/02/2025"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("its successor is organizations/hq-khu-vuc-xvi"));
  const auto metadata = Metadata(s);
  EXPECT_EQ(metadata.at("successor"), "organizations/hq-khu-vuc-xvi");
  EXPECT_EQ(metadata.at("target"), "organizations/hq-long-an");
  EXPECT_EQ(metadata.at("field"), "destination.organization");
  EXPECT_EQ(metadata.at("resource"), kMember);

  const absl::Status none = CheckActiveOrganization(
      Organization("ben-tre", v1::Organization::CLOSED), "successor", kSuccessorClosed, kMember);
  EXPECT_EQ(common::ErrorReason(none), kSuccessorClosed);
  EXPECT_THAT(std::string(none.message()), HasSubstr("it has no successor"));
  EXPECT_EQ(Metadata(none).count("successor"), 0u);

  EXPECT_TRUE(CheckActiveOrganization(Organization("tay-ninh", v1::Organization::ACTIVE),
                                      "destination.organization", kDestinationClosed, kMember)
                  .ok());
}

TEST(ReferencesTest, AnEndedCellIsRefusedNamingTheCellItWasMergedInto) {
  const absl::Status merged =
      CheckActiveCell(Ended(v1::Cell::MERGED, testing::kCellA), "target_cell", kMember);
  EXPECT_EQ(merged.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(common::ErrorReason(merged), kCellNotWritable);
  EXPECT_THAT(std::string(merged.message()),
              HasSubstr(absl::StrCat("is MERGED into ", testing::kCellA, " since 31/12/2019")));
  EXPECT_EQ(Metadata(merged).at("mergedInto"), testing::kCellA);

  const absl::Status dissolved =
      CheckActiveCell(Ended(v1::Cell::DISSOLVED), "cell", kInspectionTargetNotActive, "plan");
  EXPECT_EQ(common::ErrorReason(dissolved), kInspectionTargetNotActive);
  EXPECT_THAT(std::string(dissolved.message()), HasSubstr("is DISSOLVED since 31/12/2019"));
  EXPECT_EQ(Metadata(dissolved).count("mergedInto"), 0u);

  EXPECT_TRUE(CheckActiveCell(ActiveCell(), "cell", kMember).ok());
}

TEST(ReferencesTest, HistoryMayNameATargetUntilItEnded) {
  const v1::Cell merged = Ended(v1::Cell::MERGED, testing::kCellA);
  EXPECT_TRUE(CheckCellOn(merged, Day(2019, 12, 31), "corrected_values.to_cell", kMember).ok())
      << "its last day";
  const absl::Status after =
      CheckCellOn(merged, Day(2020, 1, 1), "corrected_values.to_cell", kMember);
  EXPECT_EQ(common::ErrorReason(after), kCellNotWritable);
  EXPECT_THAT(std::string(after.message()), HasSubstr("no longer existed on 01/01/2020"));
  EXPECT_THAT(std::string(after.message()), HasSubstr(testing::kCellA));
  EXPECT_TRUE(CheckCellOn(ActiveCell(), Day(2030, 1, 1), "to_cell", kMember).ok());

  const v1::Organization closed =
      Organization("hq-long-an", v1::Organization::CLOSED, "organizations/hq-khu-vuc-xvi");
  EXPECT_TRUE(
      CheckOrganizationOn(closed, Day(2025, 2, 28), "to_organization", kDestinationClosed, kMember)
          .ok());
  const absl::Status late =
      CheckOrganizationOn(closed, Day(2025, 3, 1), "to_organization", kDestinationClosed, kMember);
  EXPECT_EQ(common::ErrorReason(late), kDestinationClosed);
  EXPECT_THAT(std::string(late.message()), HasSubstr("organizations/hq-khu-vuc-xvi"));
}

// The rules that take a target apply the same rule: each refusal names where the target went.
TEST(ReferencesTest, TheRulesOfCellsAndOrganizationsUseIt) {
  const v1::Cell merged = Ended(v1::Cell::MERGED, "organizations/hq-long-an/cells/kiem-soat");
  v1::MergeCellRequest merge;
  merge.set_name(testing::kCellA);
  merge.set_merged_into(merged.name());
  *merge.mutable_effective_date() = D(2020, 6, 30);
  const absl::Status into = MergeCell(ActiveCell(), merged, merge, {}).status();
  EXPECT_EQ(common::ErrorReason(into), kCellNotWritable);
  EXPECT_THAT(std::string(into.message()), HasSubstr("organizations/hq-long-an/cells/kiem-soat"));

  const v1::Organization closed =
      Organization("hq-long-an", v1::Organization::CLOSED, "organizations/hq-khu-vuc-xvi");
  v1::CreateOrganizationRequest create;
  create.set_organization_id("chi-cuc");
  const absl::Status parent = NewOrganization(create, &closed, {}).status();
  EXPECT_EQ(common::ErrorReason(parent), kParentClosed);
  EXPECT_THAT(std::string(parent.message()), HasSubstr("organizations/hq-khu-vuc-xvi"));

  v1::CloseOrganizationRequest close;
  close.set_name("organizations/ben-luc");
  *close.mutable_valid_to() = D(2025, 3, 31);
  close.set_successor(closed.name());
  const absl::Status successor =
      CloseOrganization(Organization("ben-luc", v1::Organization::ACTIVE), close, 0, &closed, {})
          .status();
  EXPECT_EQ(common::ErrorReason(successor), kSuccessorClosed);
  EXPECT_THAT(std::string(successor.message()), HasSubstr("organizations/hq-khu-vuc-xvi"));

  v1::TransferMemberRequest transfer;
  transfer.set_name(kMember);
  transfer.set_kind(v1::TransferMemberRequest::OFFICIAL_TO_CELL);
  transfer.set_target_cell(merged.name());
  *transfer.mutable_decision() = testing::Decision(Day(2020, 3, 1));
  *transfer.mutable_effective_date() = D(2020, 3, 1);
  auto admitted = AdmitMember(testing::Admit(Day(2015, 4, 1), Day(2015, 4, 10)), kMember,
                              ActiveCell(), testing::Ctx());
  ASSERT_TRUE(admitted.ok()) << admitted.status();
  const absl::Status joined = TransferMember(*admitted, transfer, &merged, testing::Ctx()).status();
  EXPECT_EQ(common::ErrorReason(joined), kCellNotActive);
  EXPECT_THAT(std::string(joined.message()), HasSubstr("target_cell"));
  EXPECT_THAT(std::string(joined.message()), HasSubstr("organizations/hq-long-an/cells/kiem-soat"));
}

}  // namespace
}  // namespace records::domain
