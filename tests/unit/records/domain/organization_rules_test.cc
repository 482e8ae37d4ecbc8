// Organizations: dated entities, closed (never deleted) once every cell has ended.
#include "services/records/domain/organization_rules.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using testing::D;
using testing::Decision;
using ::testing::HasSubstr;

google::protobuf::Timestamp Now() {
  google::protobuf::Timestamp t;
  t.set_seconds(1767225600);
  return t;
}

v1::Organization Active() {
  v1::CreateOrganizationRequest r;
  r.set_organization_id("hq-long-an");
  r.mutable_organization()->set_code("DBHQLA");
  r.mutable_organization()->set_display_name("Đảng bộ Cục Hải quan Long An");
  r.mutable_organization()->set_parent("organizations/tong-cuc");
  *r.mutable_organization()->mutable_valid_from() = D(1993, 1, 1);
  r.mutable_organization()->set_state(v1::Organization::CLOSED);  // OUTPUT_ONLY: ignored
  auto o = NewOrganization(r, nullptr, Now());
  EXPECT_TRUE(o.ok());
  return *o;
}

v1::CloseOrganizationRequest Close() {
  v1::CloseOrganizationRequest r;
  r.set_name("organizations/hq-long-an");
  *r.mutable_decision() = Decision(absl::CivilDay(2025, 2, 25), "300-QĐ/TU");
  *r.mutable_valid_to() = D(2025, 2, 28);
  r.set_successor("organizations/hq-khu-vuc-xvi");
  return r;
}

TEST(NewOrganizationTest, StartsActiveWithItsName) {
  v1::Organization o = Active();
  EXPECT_EQ(o.name(), "organizations/hq-long-an");
  EXPECT_EQ(o.state(), v1::Organization::ACTIVE);
  EXPECT_EQ(o.create_time().seconds(), Now().seconds());
}

TEST(NewOrganizationTest, TheParentMustBeActive) {
  v1::Organization parent = Active();
  parent.set_state(v1::Organization::CLOSED);
  v1::CreateOrganizationRequest r;
  r.set_organization_id("child");
  auto o = NewOrganization(r, &parent, Now());
  EXPECT_EQ(common::ErrorReason(o.status()), kParentClosed);
}

TEST(CloseOrganizationTest, ClosesWithValidToAndSuccessor) {
  v1::Organization successor = Active();
  successor.set_name("organizations/hq-khu-vuc-xvi");
  auto o = CloseOrganization(Active(), Close(), 0, &successor, Now());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->state(), v1::Organization::CLOSED);
  EXPECT_EQ(FormatIso(o->valid_to()), "2025-02-28");
  EXPECT_EQ(o->successor(), "organizations/hq-khu-vuc-xvi");
  // Closed: read-only, and closing again is refused.
  EXPECT_EQ(common::ErrorReason(CheckOrganizationWritable(*o)), kOrganizationClosed);
  EXPECT_EQ(common::ErrorReason(CloseOrganization(*o, Close(), 0, nullptr, Now()).status()),
            kOrganizationClosed);
}

TEST(CloseOrganizationTest, EveryCellMustHaveEndedFirst) {
  auto o = CloseOrganization(Active(), Close(), 2, nullptr, Now());
  EXPECT_EQ(o.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(common::ErrorReason(o.status()), kActiveCellsRemain);
  EXPECT_THAT(o.status().message(), HasSubstr("2 ACTIVE cell(s)"));
}

TEST(CloseOrganizationTest, TheSuccessorMustBeActiveAndNotItself) {
  v1::Organization closed = Active();
  closed.set_state(v1::Organization::CLOSED);
  EXPECT_EQ(common::ErrorReason(CloseOrganization(Active(), Close(), 0, &closed, Now()).status()),
            kSuccessorClosed);
  auto self = Close();
  self.set_successor("organizations/hq-long-an");
  EXPECT_EQ(CloseOrganization(Active(), self, 0, nullptr, Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CloseOrganizationTest, ValidToNotBeforeValidFrom) {
  auto r = Close();
  *r.mutable_valid_to() = D(1992, 12, 31);
  auto o = CloseOrganization(Active(), r, 0, nullptr, Now());
  EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(o.status().message(), HasSubstr("valid_to: must not be before valid_from"));
}

TEST(UpdateOrganizationTest, FieldMaskSemantics) {
  v1::UpdateOrganizationRequest r;
  *r.mutable_organization() = Active();
  r.mutable_organization()->set_display_name("Đảng bộ Hải quan Long An");
  r.mutable_organization()->set_region("Đồng bằng sông Cửu Long");
  r.mutable_update_mask()->add_paths("display_name");
  auto o = UpdateOrganization(Active(), r, Now());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->display_name(), "Đảng bộ Hải quan Long An");
  EXPECT_EQ(o->region(), "");  // not in the mask

  // Empty mask: every populated updatable field.
  r.clear_update_mask();
  o = UpdateOrganization(Active(), r, Now());
  EXPECT_EQ(o->region(), "Đồng bằng sông Cửu Long");

  // "*": full replacement of the updatable fields.
  v1::Organization with_provinces = Active();
  with_provinces.add_managed_provinces("Long An");
  r.mutable_update_mask()->add_paths("*");
  o = UpdateOrganization(with_provinces, r, Now());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->managed_provinces_size(), 0);
  // ... which leaves the IMMUTABLE parent alone when the patch does not carry it.
  r.mutable_organization()->clear_parent();
  o = UpdateOrganization(with_provinces, r, Now());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->parent(), "organizations/tong-cuc");

  // IMMUTABLE parent: naming it with another value is INVALID_ARGUMENT.
  r.mutable_update_mask()->Clear();
  r.mutable_update_mask()->add_paths("parent");
  r.mutable_organization()->set_parent("organizations/elsewhere");
  EXPECT_THAT(UpdateOrganization(Active(), r, Now()).status().message(),
              HasSubstr("\"parent\" is IMMUTABLE"));

  // OUTPUT_ONLY paths are ignored; unknown paths are rejected naming the path.
  r.mutable_update_mask()->Clear();
  r.mutable_update_mask()->add_paths("state");
  r.mutable_organization()->set_state(v1::Organization::CLOSED);
  o = UpdateOrganization(Active(), r, Now());
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->state(), v1::Organization::ACTIVE);
  r.mutable_update_mask()->Clear();
  r.mutable_update_mask()->add_paths("colour");
  EXPECT_THAT(UpdateOrganization(Active(), r, Now()).status().message(),
              HasSubstr("unknown or non-updatable path \"colour\""));
}

}  // namespace
}  // namespace records::domain
