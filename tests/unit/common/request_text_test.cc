// The limits every request obeys (common/request_text.h), on real request messages.
#include "common/request_text.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

namespace rv1 = ::dangbo::records::v1;
namespace av1 = ::dangbo::analytics::v1;
using ::testing::HasSubstr;

std::pair<std::string, std::string> OnlyViolation(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  auto violations = FieldViolationsOf(status);
  EXPECT_EQ(violations.size(), 1u) << status;
  return violations.empty() ? std::pair<std::string, std::string>() : violations[0];
}

rv1::AdmitMemberRequest Admission() {
  rv1::AdmitMemberRequest request;
  request.set_parent("organizations/hq-long-an");
  request.mutable_member()->set_full_name("Nguyễn Văn Ánh");
  request.mutable_member()->set_position("Phó Chi cục trưởng");
  request.mutable_decision()->set_number("12-QĐ/ĐU");
  return request;
}

TEST(CheckRequestTextTest, OrdinaryVietnameseRequestsPass) {
  EXPECT_TRUE(CheckRequestText(Admission()).ok());
  rv1::RemoveMemberRequest removal;
  removal.set_name("organizations/hq-long-an/members/dv-001");
  removal.set_reason("Vi phạm tư cách đảng viên.\nĐã được chi bộ xem xét.\tXong.");
  EXPECT_TRUE(CheckRequestText(removal).ok()) << "free text keeps its line breaks and tabs";
}

// NUL, ESC ("\u001b[2J") and U+202E were stored in full_name, position and decision fields.
TEST(CheckRequestTextTest, ControlAndBidiCharactersAreRefusedNamingTheField) {
  struct Case {
    std::string text;
    std::string character;
  };
  const std::vector<Case> cases = {
      {std::string("Nguy\0n", 6), "U+0000 at character 5"},
      {"\x1b[2JNguyễn", "U+001B at character 1"},
      {"Nguyễn \xE2\x80\xAEnhA", "U+202E at character 8"},
      {"Tab\there", "U+0009 at character 4"},
      {"Line\nbreak", "U+000A at character 5"},
      {"Del\x7f", "U+007F at character 4"},
      {"C1 \xC2\x85", "U+0085 at character 4"},
      {"LRI \xE2\x81\xA6", "U+2066 at character 5"},
      {"sep \xE2\x80\xA8", "U+2028 at character 5"},
  };
  for (const Case& c : cases) {
    rv1::AdmitMemberRequest full_name = Admission();
    full_name.mutable_member()->set_full_name(c.text);
    auto [field, rule] = OnlyViolation(CheckRequestText(full_name));
    EXPECT_EQ(field, "member.full_name");
    EXPECT_THAT(rule, HasSubstr(c.character));

    rv1::AdmitMemberRequest position = Admission();
    position.mutable_member()->set_position(c.text);
    EXPECT_EQ(OnlyViolation(CheckRequestText(position)).first, "member.position");

    rv1::AdmitMemberRequest decision = Admission();
    decision.mutable_decision()->set_number(c.text);
    EXPECT_EQ(OnlyViolation(CheckRequestText(decision)).first, "decision.number");
  }
}

TEST(CheckRequestTextTest, FreeTextStillRefusesOtherControls) {
  rv1::RemoveMemberRequest removal;
  removal.set_reason("ok\nthen \x1b[2J");
  auto [field, rule] = OnlyViolation(CheckRequestText(removal));
  EXPECT_EQ(field, "reason");
  EXPECT_THAT(rule, HasSubstr("U+001B at character 9"));
  removal.set_reason("bidi \xE2\x80\x8F");
  EXPECT_EQ(OnlyViolation(CheckRequestText(removal)).first, "reason");
}

TEST(CheckRequestTextTest, SizesAreBounded) {
  rv1::AdmitMemberRequest request = Admission();
  request.mutable_member()->set_full_name(std::string(kMaxTextBytes + 1, 'a'));
  auto [field, rule] = OnlyViolation(CheckRequestText(request));
  EXPECT_EQ(field, "member.full_name");
  EXPECT_THAT(rule, HasSubstr("at most 65536"));

  rv1::AdmitMemberRequest aliases = Admission();
  for (size_t i = 0; i <= kMaxRepeatedElements; ++i) aliases.mutable_member()->add_aliases("a");
  auto [list, list_rule] = OnlyViolation(CheckRequestText(aliases));
  EXPECT_EQ(list, "member.aliases");
  EXPECT_THAT(list_rule, HasSubstr("at most 10000"));
}

TEST(CheckRequestTextTest, RepeatedAndNestedFieldsAreNamedWithTheirIndex) {
  rv1::AdmitMemberRequest request = Admission();
  request.mutable_member()->add_aliases("Ánh");
  request.mutable_member()->add_aliases("Bad\x01");
  EXPECT_EQ(OnlyViolation(CheckRequestText(request)).first, "member.aliases[1]");
}

TEST(CheckRequestTextTest, InvalidUtf8MadeInProcessIsRefused) {
  rv1::AdmitMemberRequest request = Admission();
  request.mutable_member()->set_full_name("Nguy\xff");
  auto [field, rule] = OnlyViolation(CheckRequestText(request));
  EXPECT_EQ(field, "member.full_name");
  EXPECT_THAT(rule, HasSubstr("valid UTF-8"));
}

TEST(CheckRequestTextTest, AnalyticsCsvIsADocument) {
  av1::RecordObservationsRequest request;
  request.set_csv(absl::StrCat("indicator,year,actual\r\n", std::string(kMaxTextBytes, 'x')));
  EXPECT_TRUE(CheckRequestText(request).ok()) << "csv: lines, and larger than a text";
}

}  // namespace
}  // namespace common
