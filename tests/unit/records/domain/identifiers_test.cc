// Identifier formats (DOMAIN.md §1.3, §5.3; Thông tư 07/2016/TT-BCA for the citizen ID).
#include "services/records/domain/identifiers.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace records::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using M = dangbo::records::v1::Member;
using Day = absl::CivilDay;

TEST(ProvinceCodesTest, The63ProvincesOfThongTu07) {
  EXPECT_EQ(ProvinceCodes().size(), 63u);
  std::set<std::string> codes;
  for (const Province& p : ProvinceCodes()) codes.insert(p.code);
  EXPECT_EQ(codes.size(), 63u);
  EXPECT_EQ(*codes.begin(), "001");
  EXPECT_EQ(*codes.rbegin(), "096");
  EXPECT_EQ(ProvinceName("080"), "Long An");
  EXPECT_EQ(ProvinceName("082"), "Tiền Giang");
  EXPECT_EQ(ProvinceName("083"), "Bến Tre");
  EXPECT_EQ(ProvinceName("079"), "Hồ Chí Minh");
  EXPECT_FALSE(ProvinceName("003").has_value());  // gaps in the table are not provinces
  EXPECT_FALSE(ProvinceName("097").has_value());
}

TEST(NationalIdTest, AConsistentIdPasses) {
  EXPECT_THAT(CheckNationalId("080090001234", M::MALE, Day(1990, 6, 15)), IsEmpty());
  EXPECT_THAT(CheckNationalId("082185001234", M::FEMALE, Day(1985, 1, 1)), IsEmpty());
  EXPECT_THAT(CheckNationalId("083205001234", M::MALE, Day(2005, 12, 31)), IsEmpty());
  EXPECT_THAT(CheckNationalId("001300001234", M::FEMALE, Day(2000, 1, 1)), IsEmpty());
}

TEST(NationalIdTest, TwelveDigits) {
  EXPECT_THAT(CheckNationalId("08009000123", M::MALE, Day(1990, 6, 15)),
              ElementsAre(HasSubstr("must be exactly 12 digits")));
  EXPECT_THAT(CheckNationalId("08009000123a", M::MALE, Day(1990, 6, 15)),
              ElementsAre(HasSubstr("must be exactly 12 digits")));
}

TEST(NationalIdTest, TheProvinceCodeMustBeInTheTable) {
  EXPECT_THAT(CheckNationalId("099090001234", M::MALE, Day(1990, 6, 15)),
              ElementsAre(HasSubstr("\"099\" is not one")));
}

TEST(NationalIdTest, CenturyAndSexDigit) {
  // 1900s: 0 male, 1 female; 2000s: 2 male, 3 female.
  EXPECT_THAT(CheckNationalId("080190001234", M::MALE, Day(1990, 6, 15)),
              ElementsAre(HasSubstr("digit 4 must be 0 (male, born 1900–1999) but is 1")));
  EXPECT_THAT(CheckNationalId("080090001234", M::FEMALE, Day(1990, 6, 15)),
              ElementsAre(HasSubstr("digit 4 must be 1 (female, born 1900–1999) but is 0")));
  EXPECT_THAT(CheckNationalId("080005001234", M::MALE, Day(2005, 6, 15)),
              ElementsAre(HasSubstr("digit 4 must be 2 (male, born 2000–2099) but is 0")));
  EXPECT_THAT(CheckNationalId("080205001234", M::FEMALE, Day(2005, 6, 15)),
              ElementsAre(HasSubstr("digit 4 must be 3 (female, born 2000–2099)")));
  EXPECT_EQ(CenturySexDigit(1999, M::FEMALE), 1);
  EXPECT_EQ(CenturySexDigit(2000, M::MALE), 2);
  EXPECT_EQ(CenturySexDigit(2100, M::FEMALE), 5);
  EXPECT_FALSE(CenturySexDigit(1899, M::MALE).has_value());
}

TEST(NationalIdTest, TheYearDigitsAreTheBirthYearModulo100) {
  EXPECT_THAT(CheckNationalId("080091001234", M::MALE, Day(1990, 6, 15)),
              ElementsAre(HasSubstr("digits 5-6 must be the birth year modulo 100 (90 for 1990) "
                                    "but are 91")));
  EXPECT_THAT(CheckNationalId("080205001234", M::MALE, Day(2005, 6, 15)), IsEmpty());
  EXPECT_THAT(CheckNationalId("080200001234", M::MALE, Day(2005, 6, 15)),
              ElementsAre(HasSubstr("(05 for 2005)")));
}

TEST(NationalIdTest, EveryBrokenRuleIsReported) {
  EXPECT_EQ(CheckNationalId("099191001234", M::MALE, Day(1990, 6, 15)).size(), 3u);
}

TEST(NationalIdTest, WithoutBirthDateOrGenderOnlyWhatIsKnownIsChecked) {
  EXPECT_THAT(CheckNationalId("080191001234", M::MALE, std::nullopt),
              ElementsAre(HasSubstr("must be even for a male member")));
  EXPECT_THAT(CheckNationalId("080190001234", M::GENDER_UNSPECIFIED, Day(1990, 1, 1)), IsEmpty());
  EXPECT_THAT(CheckNationalId("080290001234", M::GENDER_UNSPECIFIED, Day(1990, 1, 1)),
              ElementsAre(HasSubstr("digit 4 must be 0 or 1")));
}

TEST(PartyCardNumberTest, EightDigits) {
  EXPECT_THAT(CheckPartyCardNumber("12345678"), IsEmpty());
  for (const char* bad : {"1234567", "123456789", "1234567a", ""}) {
    EXPECT_THAT(CheckPartyCardNumber(bad), ElementsAre(HasSubstr("exactly 8 digits"))) << bad;
  }
}

TEST(MemberFileNumberTest, SixDigitsAndOneToThreeUppercaseLetters) {
  for (const char* ok : {"012345L", "012345LA", "012345HCM"}) {
    EXPECT_THAT(CheckMemberFileNumber(ok), IsEmpty()) << ok;
  }
  for (const char* bad : {"012345", "012345ABCD", "12345LA", "012345la", "0123456LA", "012345L1"}) {
    EXPECT_THAT(CheckMemberFileNumber(bad), ElementsAre(HasSubstr("6 digits followed by 1 to 3")))
        << bad;
  }
  auto status = ValidateMemberFileNumber("x", "member.member_file_number");
  EXPECT_THAT(status.message(), HasSubstr("member.member_file_number: must be 6 digits"));
}

}  // namespace
}  // namespace records::domain
