// Resource names (AIP-122) and RFC-1034 ids.
#include "services/records/domain/names.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace records::domain {
namespace {

using ::testing::HasSubstr;

TEST(ResourceIdTest, Rfc1034) {
  for (const char* ok : {"a", "hq-long-an", "kh-2024", "m0123456789ab",
                         "a23456789012345678901234567890123456789012345678901234567890123"}) {
    EXPECT_TRUE(IsValidResourceId(ok)) << ok;
  }
  for (const char* bad : {"", "1abc", "-a", "a-", "Hq", "a_b", "a.b", "ă",
                          "a234567890123456789012345678901234567890123456789012345678901234"}) {
    EXPECT_FALSE(IsValidResourceId(bad)) << bad;
  }
  auto status = ValidateResourceId("Hq", "cell_id");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("cell_id: \"Hq\" is not a valid id"));
}

TEST(ResourceNameTest, ParseAndFormat) {
  auto cell = ParseCellName("organizations/hq-long-an/cells/nghiep-vu", "name");
  ASSERT_TRUE(cell.ok());
  EXPECT_EQ(cell->organization, "hq-long-an");
  EXPECT_EQ(cell->cell, "nghiep-vu");
  EXPECT_EQ(cell->Parent(), "organizations/hq-long-an");
  EXPECT_EQ(cell->Format(), "organizations/hq-long-an/cells/nghiep-vu");
  EXPECT_EQ(ParseMemberName("organizations/a/members/b", "name")->Format(),
            "organizations/a/members/b");
  EXPECT_EQ(
      ParseInspectionPlanName("organizations/a/inspectionPlans/kh-2024", "name")->inspection_plan,
      "kh-2024");
  EXPECT_EQ(ParseOrganizationName("organizations/a", "parent")->Format(), "organizations/a");
  EXPECT_EQ(OrganizationOf("organizations/a/members/b"), "organizations/a");
  EXPECT_EQ(OrganizationOf("cells/a"), "");
}

TEST(ResourceNameTest, ErrorsNameTheFieldAndThePattern) {
  auto bad = ParseCellName("organizations/hq-long-an/members/x", "member.cell");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("member.cell:"));
  EXPECT_THAT(bad.status().message(), HasSubstr("organizations/*/cells/*"));
  EXPECT_THAT(ParseOrganizationName("", "parent").status().message(),
              HasSubstr("parent: is required"));
  EXPECT_FALSE(ParseMemberName("organizations/hq/members/Bad_Id", "name").ok());
  EXPECT_FALSE(ParseOrganizationName("organizations/a/", "parent").ok());
}

TEST(InspectionTargetTest, ACellOrAMember) {
  auto cell = ParseInspectionTarget("organizations/a/cells/c", "target");
  EXPECT_EQ(cell->kind, InspectionTarget::Kind::kCell);
  auto member = ParseInspectionTarget("organizations/a/members/m", "target");
  EXPECT_EQ(member->kind, InspectionTarget::Kind::kMember);
  EXPECT_THAT(ParseInspectionTarget("organizations/a", "items[0].target").status().message(),
              HasSubstr("items[0].target"));
}

}  // namespace
}  // namespace records::domain
