// Request-alone validation of RecordsService requests: every violation is collected and named
// by its field path.
#include "services/records/domain/validation.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using testing::Admit;
using ::testing::Contains;
using testing::D;
using testing::Decision;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kCellA;
using ::testing::Key;
using testing::kMemberName;
using testing::kOrg;
using ::testing::Pair;
using Day = absl::CivilDay;

const Day kToday(2026, 1, 1);

// The fields of the violations in `status`.
std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> out;
  for (const auto& [field, _] : common::FieldViolationsOf(status)) out.push_back(field);
  return out;
}

std::string Description(const absl::Status& status, const std::string& field) {
  for (const auto& [f, d] : common::FieldViolationsOf(status)) {
    if (f == field) return d;
  }
  return "";
}

// --- AdmitMember ----------------------------------------------------------------------------

v1::AdmitMemberRequest ValidAdmit() { return Admit(Day(2023, 3, 1), Day(2023, 3, 10)); }

TEST(ValidateAdmitMemberTest, AValidRequestPasses) {
  EXPECT_TRUE(Validate(ValidAdmit(), kToday).ok()) << Validate(ValidAdmit(), kToday);
}

TEST(ValidateAdmitMemberTest, CollectsEveryViolation) {
  v1::AdmitMemberRequest r;
  r.set_parent("orgs/x");
  r.set_member_id("Bad_Id");
  r.set_request_id("has space");
  auto status = Validate(r, kToday);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(status),
              ::testing::IsSupersetOf({"parent", "member_id", "request_id", "member", "cell",
                                       "decision", "ceremony_date"}));
}

TEST(ValidateAdmitMemberTest, MemberProfileFields) {
  auto r = ValidAdmit();
  r.mutable_member()->set_full_name("   ");
  r.mutable_member()->set_gender(v1::Member::GENDER_UNSPECIFIED);
  r.mutable_member()->clear_birth_date();
  r.mutable_member()->set_party_card_number("1234");
  r.mutable_member()->set_member_file_number("LA012345");
  r.mutable_member()->set_ethnicity(std::string(51, 'a'));
  auto status = Validate(r, kToday);
  EXPECT_THAT(Fields(status),
              ::testing::IsSupersetOf({"member.full_name", "member.gender", "member.birth_date",
                                       "member.party_card_number", "member.member_file_number",
                                       "member.ethnicity"}));
  EXPECT_EQ(Description(status, "member.full_name"), "is required");
  EXPECT_THAT(Description(status, "member.ethnicity"), HasSubstr("at most 50 characters, has 51"));
}

// A list past its count bound is one violation, whatever its length: the entries beyond the
// bound are not looked at.
TEST(ValidateAdmitMemberTest, AVeryLongListIsRefusedForItsLengthOnly) {
  auto r = ValidAdmit();
  for (int i = 0; i < 200000; ++i) r.mutable_member()->add_aliases("");
  const absl::Status status = Validate(r, kToday);
  EXPECT_THAT(Description(status, "member.aliases"), HasSubstr("at most 10 aliases, got 200000"));
  EXPECT_LE(common::FieldViolationsOf(status).size(), 11u);
}

TEST(ValidateAdmitMemberTest, NamesAreMeasuredInTheirStoredNfcForm) {
  auto r = ValidAdmit();
  // 100 letters "ế" written decomposed (e + U+0302 + U+0301) are 100 characters once NFC.
  std::string nfd;
  for (int i = 0; i < 100; ++i) nfd += "e\xCC\x82\xCC\x81";
  r.mutable_member()->set_full_name(nfd);
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  r.mutable_member()->set_full_name(nfd + "e");
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("member.full_name"));
  r.mutable_member()->set_full_name("Nguy\xff");
  EXPECT_EQ(Description(Validate(r, kToday), "member.full_name"), "must be valid UTF-8");
}

TEST(ValidateAdmitMemberTest, TheNationalIdMustMatchGenderAndBirthYear) {
  auto r = ValidAdmit();
  r.mutable_member()->set_national_id("080190001234");  // 1 = female born in the 1900s
  auto status = Validate(r, kToday);
  EXPECT_THAT(Description(status, "member.national_id"),
              HasSubstr("digit 4 must be 0 (male, born 1900–1999) but is 1"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("member.national_id: digit 4 must be 0 (male, born 1900–1999) but is 1"));
}

// Điều lệ Đảng Điều 1 / Quy định 24 §3: at least 18 on the admission date, counted by months.
TEST(ValidateAdmitMemberTest, AgeEighteenOnTheAdmissionDate) {
  auto r = ValidAdmit();
  *r.mutable_member()->mutable_birth_date() = D(2005, 6, 15);
  r.mutable_member()->set_national_id("080205001234");
  *r.mutable_decision() = Decision(Day(2023, 6, 14));
  *r.mutable_ceremony_date() = D(2023, 6, 20);
  auto status = Validate(r, kToday);
  EXPECT_THAT(Description(status, "member.birth_date"),
              HasSubstr("at least 18 on the admission date"));
  EXPECT_THAT(Description(status, "member.birth_date"), HasSubstr("18 on 15/06/2023"));
  EXPECT_THAT(Description(status, "member.birth_date"), HasSubstr("17 years 11 months"));
  *r.mutable_decision() = Decision(Day(2023, 6, 15));
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  *r.mutable_decision() = Decision(Day(2023, 6, 16));
  EXPECT_TRUE(Validate(r, kToday).ok());
}

TEST(ValidateAdmitMemberTest, ALeapDayBirthTurnsEighteenOnTheLastDayOfFebruary) {
  auto r = ValidAdmit();
  *r.mutable_member()->mutable_birth_date() = D(2004, 2, 29);
  r.mutable_member()->set_national_id("080204001234");
  *r.mutable_decision() = Decision(Day(2022, 2, 27));
  *r.mutable_ceremony_date() = D(2022, 3, 3);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("member.birth_date"));
  *r.mutable_decision() = Decision(Day(2022, 2, 28));
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
}

TEST(ValidateAdmitMemberTest, OverSixtyNeedsTheProvincialApproval) {
  auto r = ValidAdmit();
  *r.mutable_member()->mutable_birth_date() = D(1960, 6, 15);
  r.mutable_member()->set_national_id("080060001234");
  *r.mutable_decision() = Decision(Day(2020, 7, 14));  // 60 years 0 months: still 60
  *r.mutable_ceremony_date() = D(2020, 7, 20);
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  *r.mutable_decision() = Decision(Day(2020, 7, 15));  // 60 years 1 month: over 60
  EXPECT_THAT(Description(Validate(r, kToday), "over_age_approval"),
              HasSubstr("over 60 on the admission date"));
  *r.mutable_over_age_approval() = Decision(Day(2020, 7, 1), "15-QĐ/TU");
  EXPECT_TRUE(Validate(r, kToday).ok());
}

TEST(ValidateAdmitMemberTest, CeremonyOnOrAfterTheDecisionAndNotInTheFuture) {
  auto r = ValidAdmit();
  *r.mutable_ceremony_date() = D(2023, 2, 28);
  EXPECT_THAT(Description(Validate(r, kToday), "ceremony_date"),
              HasSubstr("must be on or after decision.date"));
  *r.mutable_ceremony_date() = D(2026, 1, 2);
  EXPECT_THAT(Description(Validate(r, kToday), "ceremony_date"),
              HasSubstr("must not be in the future"));
  *r.mutable_ceremony_date() = D(2026, 1, 1);
  EXPECT_TRUE(Validate(r, kToday).ok());
}

TEST(ValidateAdmitMemberTest, TheCellMustBeInTheParentOrganization) {
  auto r = ValidAdmit();
  r.set_cell("organizations/hq-tay-ninh/cells/a");
  EXPECT_THAT(Description(Validate(r, kToday), "cell"), HasSubstr("must be a cell of"));
}

TEST(ValidateRequestIdTest, OneToSixtyFourSafeCharacters) {
  EXPECT_TRUE(IsValidRequestId("0b4f5f8e-3c1a-4b7e-9a55-6f1d2c3b4a59"));
  EXPECT_TRUE(IsValidRequestId("import_2024-01"));
  EXPECT_TRUE(IsValidRequestId(std::string(64, 'a')));
  EXPECT_FALSE(IsValidRequestId(std::string(65, 'a')));
  EXPECT_FALSE(IsValidRequestId("a b"));
  EXPECT_FALSE(IsValidRequestId("a/b"));
  EXPECT_FALSE(IsValidRequestId(""));
}

// --- Other member methods -------------------------------------------------------------------

TEST(ValidateReceiveMemberTest, SourceMemberOrProfileAndDates) {
  v1::ReceiveMemberRequest r;
  r.set_parent(kOrg);
  r.set_cell(kCellA);
  r.set_kind(v1::ReceiveMemberRequest::OFFICIAL);
  *r.mutable_decision() = Decision(Day(2024, 2, 1));
  *r.mutable_effective_date() = D(2024, 2, 5);
  r.mutable_from_organization()->set_display_name("Đảng bộ phường 3");
  EXPECT_THAT(Fields(Validate(r, kToday)),
              ::testing::IsSupersetOf({"member", "admission_date", "party_entry_date"}));
  r.set_source_member("organizations/hq-tay-ninh/members/a");
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  *r.mutable_member() = testing::Profile();
  EXPECT_THAT(Description(Validate(r, kToday), "member"), HasSubstr("must be unset"));
  r.clear_source_member();
  *r.mutable_admission_date() = D(2015, 4, 1);
  *r.mutable_party_entry_date() = D(2015, 4, 10);
  *r.mutable_full_membership_date() = D(2016, 4, 11);
  EXPECT_THAT(Description(Validate(r, kToday), "full_membership_date"),
              HasSubstr("party_entry_date + 12 months (10/04/2016)"));
  *r.mutable_full_membership_date() = D(2016, 4, 10);
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  r.clear_from_organization();
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("from_organization"));
}

v1::TransferMemberRequest ValidTransfer(v1::TransferMemberRequest::Kind kind) {
  v1::TransferMemberRequest r;
  r.set_name(kMemberName);
  r.set_kind(kind);
  *r.mutable_decision() = Decision(Day(2024, 6, 1));
  *r.mutable_effective_date() = D(2024, 6, 1);
  return r;
}

TEST(ValidateTransferMemberTest, KindSpecificFields) {
  using K = v1::TransferMemberRequest;
  auto to_cell = ValidTransfer(K::OFFICIAL_TO_CELL);
  EXPECT_EQ(Description(Validate(to_cell, kToday), "target_cell"),
            "is required for OFFICIAL_TO_CELL");
  to_cell.set_target_cell(testing::kCellB);
  EXPECT_TRUE(Validate(to_cell, kToday).ok());
  to_cell.mutable_destination()->set_display_name("X");
  EXPECT_THAT(Description(Validate(to_cell, kToday), "destination"), HasSubstr("must be unset"));

  auto out = ValidTransfer(K::OFFICIAL_OUT);
  EXPECT_THAT(Fields(Validate(out, kToday)), Contains("destination"));
  out.mutable_destination()->set_organization("organizations/hq-tay-ninh");
  EXPECT_TRUE(Validate(out, kToday).ok());
  *out.mutable_expected_return_date() = D(2024, 12, 1);
  EXPECT_THAT(Description(Validate(out, kToday), "expected_return_date"),
              HasSubstr("TEMPORARY_OUT only"));

  auto temporary = ValidTransfer(K::TEMPORARY_OUT);
  temporary.mutable_destination()->set_display_name("Trường Chính trị tỉnh");
  *temporary.mutable_expected_return_date() = D(2024, 6, 1);
  EXPECT_THAT(Description(Validate(temporary, kToday), "expected_return_date"),
              HasSubstr("must be after effective_date"));

  auto back = ValidTransfer(K::TEMPORARY_RETURN);
  EXPECT_TRUE(Validate(back, kToday).ok());
  back.set_target_cell(kCellA);
  EXPECT_THAT(Fields(Validate(back, kToday)), Contains("target_cell"));

  auto none = ValidTransfer(K::KIND_UNSPECIFIED);
  EXPECT_THAT(Description(Validate(none, kToday), "kind"), HasSubstr("is required"));
}

TEST(ValidateTransferMemberTest, EffectiveOnOrAfterTheDecision) {
  auto r = ValidTransfer(v1::TransferMemberRequest::TEMPORARY_RETURN);
  *r.mutable_effective_date() = D(2024, 5, 31);
  EXPECT_THAT(Description(Validate(r, kToday), "effective_date"),
              HasSubstr("on or after decision.date"));
}

TEST(ValidateRemoveMemberTest, GroundRequiredAndOtherNeedsAReason) {
  v1::RemoveMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(Day(2024, 6, 1));
  *r.mutable_effective_date() = D(2024, 6, 1);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("ground"));
  r.set_ground(v1::LifecycleEvent::OTHER);
  EXPECT_EQ(Description(Validate(r, kToday), "reason"), "is required when ground is OTHER");
  r.set_reason("Vi phạm pháp luật");
  EXPECT_TRUE(Validate(r, kToday).ok());
}

TEST(ValidateCorrectMemberEventTest, ExactlyOneOfMaskAndVoid) {
  v1::CorrectMemberEventRequest r;
  r.set_name(kMemberName);
  *r.mutable_basis() = Decision(Day(2025, 1, 1));
  r.set_reason("Sửa sai sót");
  r.set_event_id("e3");
  EXPECT_THAT(Description(Validate(r, kToday), "correction_mask"),
              HasSubstr("required unless voids_event"));
  r.set_voids_event(true);
  EXPECT_TRUE(Validate(r, kToday).ok());
  r.mutable_correction_mask()->add_paths("reason");
  EXPECT_THAT(Description(Validate(r, kToday), "correction_mask"),
              HasSubstr("must be empty when voids_event"));
  r.set_voids_event(false);
  r.mutable_correction_mask()->add_paths("colour");
  EXPECT_THAT(Description(Validate(r, kToday), "correction_mask.paths[1]"),
              HasSubstr("not a field of EventCorrection"));
  r.set_event_id("x1");
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("event_id"));
}

TEST(ValidateRateMemberTest, LevelScoreBandsAndYear) {
  v1::RateMemberRequest r;
  r.set_name(kMemberName);
  auto* rating = r.mutable_rating();
  rating->set_year(2025);
  rating->set_level(v1::YearlyRating::EXCELLENT);
  rating->set_score(89);
  rating->set_rule_version("366-QĐ/TW");
  rating->set_decided_by("Chi bộ Phòng Nghiệp vụ");
  *rating->mutable_decision_date() = D(2025, 12, 20);
  // Quy định 366-QĐ/TW: EXCELLENT needs 90 points.
  EXPECT_THAT(Description(Validate(r, kToday), "rating.level"),
              HasSubstr("EXCELLENT needs a score of at least 90"));
  rating->set_score(90);
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  rating->set_level(v1::YearlyRating::NOT_COMPLETED);  // allowed at any score
  EXPECT_TRUE(Validate(r, kToday).ok());
  rating->set_score(101);
  EXPECT_THAT(Description(Validate(r, kToday), "rating.score"), HasSubstr("0 to 100"));
  rating->clear_score();
  rating->set_year(2026 + 1);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("rating.year"));
  rating->set_year(1929);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("rating.year"));
}

TEST(ValidateDisciplineMemberTest, ExpulsionOnlyThroughExpelMember) {
  v1::DisciplineMemberRequest r;
  r.set_name(kMemberName);
  auto* d = r.mutable_discipline();
  d->set_form(v1::DisciplineRecord::EXPULSION);
  d->set_violation_summary("Vi phạm");
  *d->mutable_decision() = Decision(Day(2025, 3, 1));
  *d->mutable_effective_date() = D(2025, 3, 1);
  *d->mutable_end_date() = D(2025, 3, 1);
  d->set_inspection_item_id("item-1");
  auto status = Validate(r, kToday);
  EXPECT_EQ(Description(status, "discipline.form"), "EXPULSION is recorded only by ExpelMember");
  EXPECT_THAT(Description(status, "discipline.end_date"),
              HasSubstr("must be after effective_date"));
  EXPECT_EQ(Description(status, "discipline.inspection_item_id"), "requires inspection_plan");
}

TEST(ValidateUpdateMemberTest, OnlyProfilePathsAndTheirValues) {
  v1::UpdateMemberRequest r;
  r.mutable_member()->set_name(kMemberName);
  r.set_reason("Bổ sung hồ sơ");
  r.mutable_update_mask()->add_paths("state");
  EXPECT_THAT(Description(Validate(r, kToday), "update_mask.paths[0]"),
              HasSubstr("\"state\" cannot be updated"));
  r.mutable_update_mask()->Clear();
  r.mutable_update_mask()->add_paths("full_name");
  EXPECT_EQ(Description(Validate(r, kToday), "member.full_name"), "is required");
  r.mutable_member()->set_full_name("Nguyễn Văn Hùng");
  EXPECT_TRUE(Validate(r, kToday).ok());
  r.clear_reason();
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("reason"));
}

// --- Lists ------------------------------------------------------------------------------------

TEST(ValidateListMembersTest, PageSizeFilterAndOrder) {
  v1::ListMembersRequest r;
  r.set_parent(kOrg);
  r.set_filter(R"(cell = "organizations/hq-long-an/cells/nghiep-vu" AND state = FULL)");
  r.set_order_by("admission_date desc");
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  r.set_page_size(-1);
  r.set_filter("colour = RED");
  r.set_order_by("full_name");
  auto status = Validate(r, kToday);
  EXPECT_THAT(Fields(status), ::testing::IsSupersetOf({"page_size", "filter", "order_by"}));
  EXPECT_THAT(Description(status, "filter"), HasSubstr("allowed fields: cell, state, active"));
  r.set_page_size(0);
  r.set_order_by("");
  r.set_filter("state = ASLEEP");
  EXPECT_THAT(Description(Validate(r, kToday), "filter"), HasSubstr("not a value of \"state\""));
  r.set_filter("active = true AND name_query = \"nguyen van\"");
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
}

// A name query is bounded like a full name; the whole filter and order_by by bytes
// (common/list_query.h), on ListMembers and ExportMembers alike.
TEST(ValidateListMembersTest, NameQueryAndQuerySizeBounds) {
  v1::ListMembersRequest list;
  list.set_parent(kOrg);
  v1::ExportMembersRequest exp;
  exp.set_parent(kOrg);
  exp.set_purpose("Rà soát danh sách");
  const auto check = [&](const std::string& filter, const std::string& order_by) {
    list.set_filter(filter);
    list.set_order_by(order_by);
    exp.set_filter(filter);
    exp.set_order_by(order_by);
    const absl::Status a = Validate(list, kToday);
    const absl::Status b = Validate(exp, kToday);
    EXPECT_EQ(a.message(), b.message());
    return a;
  };
  // A long real name: 10 words, 100 characters.
  const std::string longest =
      "Nguyễn Thị Ngọc Bảo Trâm Hoàng Phương Thảo Minh " + std::string(52, 'a');
  ASSERT_TRUE(check("name_query = \"" + longest + "\"", "").ok());
  EXPECT_THAT(Description(check("name_query = \"" + longest + "a\"", ""), "filter"),
              HasSubstr("name_query has 101 characters; at most 100 are allowed"));
  EXPECT_THAT(Description(check(R"(name_query = "a b c d e f g h i j k")", ""), "filter"),
              HasSubstr("name_query has 11 words; at most 10 are allowed"));
  EXPECT_THAT(
      Description(check("name_query = \"" + std::string(1 << 20, 'a') + "\"", ""), "filter"),
      HasSubstr("has 1048591 bytes; at most 4096 are allowed"));
  EXPECT_THAT(Description(check("", std::string(300, ' ') + "admission_date"), "order_by"),
              HasSubstr("has 314 bytes; at most 256 are allowed"));
}

TEST(ValidateListAuditEventsTest, TimeBoundsAreRfc3339) {
  v1::ListAuditEventsRequest r;
  r.set_filter(R"(time >= "2026-01-01T00:00:00Z" AND time < "2026-02-01T00:00:00+07:00")");
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  r.set_filter(R"(time >= "yesterday")");
  EXPECT_THAT(Description(Validate(r, kToday), "filter"), HasSubstr("not an RFC 3339 time"));
  r.set_filter(R"(time = "2026-01-01T00:00:00Z")");
  EXPECT_THAT(Description(Validate(r, kToday), "filter"), HasSubstr("operator '='"));
}

TEST(ValidateWatchChangesTest, HeartbeatBetweenOneAndSixtySeconds) {
  v1::WatchChangesRequest r;
  EXPECT_TRUE(Validate(r, kToday).ok());
  r.mutable_heartbeat_interval()->set_seconds(61);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("heartbeat_interval"));
  r.mutable_heartbeat_interval()->set_seconds(60);
  EXPECT_TRUE(Validate(r, kToday).ok());
  r.add_resource_types(v1::ChangeEvent::RESOURCE_TYPE_UNSPECIFIED);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("resource_types[0]"));
}

TEST(ValidateWatchChangesTest, AFilterMayNameEveryResourceType) {
  v1::WatchChangesRequest r;
  for (int t = v1::ChangeEvent::ResourceType_MIN + 1; t <= v1::ChangeEvent::ResourceType_MAX; ++t) {
    r.add_resource_types(static_cast<v1::ChangeEvent::ResourceType>(t));
  }
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
}

TEST(ValidateWatchChangesTest, ALongListOfResourceTypesIsOneViolation) {
  v1::WatchChangesRequest r;
  for (int i = 0; i < kMaxWatchResourceTypes; ++i) r.add_resource_types(v1::ChangeEvent::MEMBER);
  EXPECT_TRUE(Validate(r, kToday).ok());
  for (int i = 0; i < 1000000; ++i)
    r.add_resource_types(v1::ChangeEvent::RESOURCE_TYPE_UNSPECIFIED);
  const absl::Status status = Validate(r, kToday);
  EXPECT_EQ(common::FieldViolationsOf(status).size(), 1u) << "not one violation per entry";
  EXPECT_THAT(Description(status, "resource_types"),
              HasSubstr("has 1000016 entries; at most 16 are allowed"));
}

// --- Organizations and cells -----------------------------------------------------------------

TEST(ValidateCreateOrganizationTest, FieldsAndFormats) {
  v1::CreateOrganizationRequest r;
  r.set_organization_id("hq-long-an");
  auto* o = r.mutable_organization();
  o->set_code("DBHQLA");
  o->set_display_name("Đảng bộ Cục Hải quan Long An");
  *o->mutable_valid_from() = D(1993, 1, 1);
  o->add_managed_provinces("Long An");
  o->add_managed_provinces("Tiền Giang");
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  o->set_code("dbhq la");
  o->add_managed_provinces("Long  An");  // the same province once normalized
  o->set_parent("organizations/Bad");
  auto status = Validate(r, kToday);
  EXPECT_THAT(Description(status, "organization.code"), HasSubstr("[A-Z0-9._-]"));
  EXPECT_THAT(Description(status, "organization.managed_provinces[2]"), HasSubstr("listed twice"));
  EXPECT_THAT(Fields(status), Contains("organization.parent"));
}

TEST(ValidateCloseOrganizationTest, TheSuccessorIsAnotherOrganization) {
  v1::CloseOrganizationRequest r;
  r.set_name(kOrg);
  *r.mutable_decision() = Decision(Day(2025, 6, 30));
  *r.mutable_valid_to() = D(2025, 6, 30);
  r.set_successor(kOrg);
  EXPECT_EQ(Description(Validate(r, kToday), "successor"), "must not be the organization itself");
}

TEST(ValidateSetCellCommitteeTest, EachPersonOnceAndASecretary) {
  v1::SetCellCommitteeRequest r;
  r.set_name(kCellA);
  *r.mutable_decision() = Decision(Day(2025, 5, 1));
  *r.mutable_effective_date() = D(2025, 5, 1);
  auto* c = r.mutable_committee();
  c->set_deputy_secretary(kMemberName);
  c->add_committee_members(kMemberName);
  c->add_committee_members("organizations/other/members/x");
  auto status = Validate(r, kToday);
  EXPECT_EQ(Description(status, "committee.secretary"), "is required");
  EXPECT_THAT(Description(status, "committee.committee_members[0]"),
              HasSubstr("holds another post"));
  EXPECT_THAT(Description(status, "committee.committee_members[1]"),
              HasSubstr("must be a member of organizations/hq-long-an"));
}

TEST(ValidateMergeCellTest, NotIntoItself) {
  v1::MergeCellRequest r;
  r.set_name(kCellA);
  r.set_merged_into(kCellA);
  *r.mutable_decision() = Decision(Day(2025, 5, 1));
  *r.mutable_effective_date() = D(2025, 5, 1);
  EXPECT_THAT(Description(Validate(r, kToday), "merged_into"), HasSubstr("another cell"));
}

TEST(ValidateGetCellHeadcountTest, AsOfNotInTheFuture) {
  v1::GetCellHeadcountRequest r;
  r.set_name(kCellA);
  EXPECT_TRUE(Validate(r, kToday).ok());
  *r.mutable_as_of() = D(2026, 1, 2);
  EXPECT_THAT(Description(Validate(r, kToday), "as_of"), HasSubstr("must not be in the future"));
}

// --- Inspection plans ------------------------------------------------------------------------

v1::CreateInspectionPlanRequest ValidPlan() {
  v1::CreateInspectionPlanRequest r;
  r.set_parent(kOrg);
  r.set_inspection_plan_id("kh-2025");
  auto* p = r.mutable_inspection_plan();
  p->set_year(2025);
  p->set_issuing_body("Ủy ban Kiểm tra Đảng ủy");
  *p->mutable_decision() = Decision(Day(2025, 1, 5), "01-KH/UBKT");
  p->set_kind(v1::InspectionPlan::COMPLIANCE_INSPECTION);
  p->set_title("Kế hoạch kiểm tra, giám sát năm 2025");
  auto* item = p->add_items();
  item->set_item_id("q2-nghiep-vu");
  item->set_target(kCellA);
  item->set_content("Kiểm tra việc thực hiện nghị quyết chi bộ");
  *item->mutable_window_start() = D(2025, 4, 1);
  *item->mutable_window_end() = D(2025, 6, 30);
  item->set_lead(kMemberName);
  item->add_team("organizations/hq-long-an/members/tran-thi-lan");
  return r;
}

TEST(ValidateCreateInspectionPlanTest, AValidPlanPasses) {
  EXPECT_TRUE(Validate(ValidPlan(), kToday).ok()) << Validate(ValidPlan(), kToday);
}

TEST(ValidateCreateInspectionPlanTest, WindowsInsideTheYearAndWellFormedPeople) {
  auto r = ValidPlan();
  auto* item = r.mutable_inspection_plan()->mutable_items(0);
  *item->mutable_window_end() = D(2026, 1, 15);
  item->add_team(kMemberName);                        // the lead again
  *r.mutable_inspection_plan()->add_items() = *item;  // same item id twice
  r.mutable_inspection_plan()->mutable_items(1)->set_target("organizations/hq-long-an");
  auto status = Validate(r, kToday);
  EXPECT_THAT(Description(status, "inspection_plan.items[0].window_end"),
              HasSubstr("inside the plan's year 2025"));
  EXPECT_EQ(Description(status, "inspection_plan.items[0].team[1]"), "repeats the lead");
  EXPECT_THAT(Description(status, "inspection_plan.items[1].item_id"), HasSubstr("another item"));
  EXPECT_THAT(Fields(status), Contains("inspection_plan.items[1].target"));
}

TEST(ValidateCreateInspectionPlanTest, YearUpToNextYear) {
  auto r = ValidPlan();
  r.mutable_inspection_plan()->set_year(2028);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("inspection_plan.year"));
}

TEST(ValidateConcludeInspectionItemTest, AConclusionIsRequiredAndTheLinkOnlyWithDiscipline) {
  v1::ConcludeInspectionItemRequest r;
  r.set_name("organizations/hq-long-an/inspectionPlans/kh-2025");
  r.set_item_id("q2-nghiep-vu");
  EXPECT_THAT(Description(Validate(r, kToday), "conclusion"), HasSubstr("is required"));
  auto* c = r.mutable_conclusion();
  c->set_outcome(v1::InspectionItem::Conclusion::VIOLATION);
  c->set_text("Chi bộ còn hạn chế");
  *c->mutable_date() = D(2025, 7, 1);
  c->set_discipline_member(kMemberName);
  c->set_discipline_id("d1");
  EXPECT_THAT(Description(Validate(r, kToday), "conclusion.discipline_member"),
              HasSubstr("only with outcome VIOLATION_WITH_DISCIPLINE"));
  c->set_outcome(v1::InspectionItem::Conclusion::VIOLATION_WITH_DISCIPLINE);
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  auto* rec = r.add_recommendations();
  rec->set_text("Khắc phục hạn chế");
  rec->set_owner("Chi ủy");
  *rec->mutable_due_date() = D(2025, 6, 30);
  EXPECT_THAT(Description(Validate(r, kToday), "recommendations[0].due_date"),
              HasSubstr("on or after conclusion.date"));
}

TEST(ValidateUpdateRecommendationTest, DoneNeedsADateAndDroppedANote) {
  v1::UpdateRecommendationRequest r;
  r.set_name("organizations/hq-long-an/inspectionPlans/kh-2025");
  r.set_item_id("q2-nghiep-vu");
  r.set_recommendation_id("r1");
  r.set_state(v1::InspectionItem::Recommendation::DONE);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("done_date"));
  r.set_state(v1::InspectionItem::Recommendation::DROPPED);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("note"));
  r.set_note("Không còn phù hợp");
  EXPECT_TRUE(Validate(r, kToday).ok());
}

TEST(ValidateCancelInspectionItemTest, ANoteIsRequired) {
  v1::CancelInspectionItemRequest r;
  r.set_name("organizations/hq-long-an/inspectionPlans/kh-2025");
  r.set_item_id("q2-nghiep-vu");
  *r.mutable_effective_date() = D(2025, 3, 1);
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("note"));
}

TEST(ValidateImportMembersTest, AHeaderOrARow) {
  v1::ImportMembersRequest r;
  EXPECT_THAT(Fields(Validate(r, kToday)), Contains("payload"));
  r.mutable_header()->set_parent(kOrg);
  EXPECT_TRUE(Validate(r, kToday).ok());
  auto* row = r.mutable_row();
  row->set_row(0);
  EXPECT_THAT(
      Fields(Validate(r, kToday)),
      ::testing::IsSupersetOf({"row", "member", "cell", "admission_decision", "party_entry_date"}));
}

TEST(ValidateGetTest, NamesAreChecked) {
  v1::GetMemberRequest get;
  get.set_name("organizations/hq-long-an/cells/x");
  EXPECT_THAT(Fields(Validate(get, kToday)), Contains("name"));
  v1::GetOrganizationRequest org;
  org.set_name(kOrg);
  EXPECT_TRUE(Validate(org, kToday).ok());
  EXPECT_TRUE(Validate(v1::GetChangeLogStateRequest(), kToday).ok());
}

// --- Normalization -----------------------------------------------------------------------------

TEST(NormalizeTextTest, NamesAreNfcTrimmedAndCollapsed) {
  v1::AdmitMemberRequest r = ValidAdmit();
  r.mutable_member()->set_full_name("  Nguye\xCC\x82\xCC\x83n   Va\xCC\x86n  Hu\xCC\x80ng ");
  r.mutable_member()->set_hometown("Xa\xCC\x83 An Tha\xCC\xA3nh");
  ASSERT_TRUE(NormalizeText(&r).ok());
  EXPECT_EQ(r.member().full_name(), "Nguyễn Văn Hùng");
  EXPECT_EQ(r.member().hometown(), "Xã An Thạnh");
  r.mutable_member()->set_religion("\xff");
  EXPECT_THAT(Fields(NormalizeText(&r)), Contains("member.religion"));
}

}  // namespace
}  // namespace records::domain
