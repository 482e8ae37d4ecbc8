// An indicator's value domain: the domain's own rules, and the values of a row or a stored
// observation held against it.
#include "services/analytics/domain/value_domain.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Observation;
using ::dangbo::analytics::v1::ObservationInput;
using ::dangbo::analytics::v1::Target;
using ::dangbo::analytics::v1::ValueDomain;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

ValueDomain WholeNonNegative() {
  ValueDomain d;
  d.set_whole_number(true);
  d.set_non_negative(true);
  return d;
}

ValueDomain Between(const char* min, const char* max) {
  ValueDomain d;
  if (min != nullptr) d.mutable_minimum()->set_value(min);
  if (max != nullptr) d.mutable_maximum()->set_value(max);
  return d;
}

ObservationInput Row(const char* actual) {
  ObservationInput in;
  in.set_indicator("enterprises");
  in.set_year(2019);
  if (actual != nullptr) in.mutable_actual()->set_value(actual);
  return in;
}

TEST(ValueDomainTest, DescribesItself) {
  EXPECT_EQ(DescribeValueDomain(ValueDomain()), "any value");
  EXPECT_EQ(DescribeValueDomain(WholeNonNegative()), "whole, non-negative");
  EXPECT_EQ(DescribeValueDomain(Between("0", "100")), "at least 0, at most 100");
  EXPECT_TRUE(IsUnrestricted(ValueDomain()));
  EXPECT_FALSE(IsUnrestricted(Between(nullptr, "100")));
}

TEST(ValueDomainTest, ADomainMustAdmitSomeValue) {
  EXPECT_THAT(ValidateValueDomain(WholeNonNegative(), "indicator.value_domain"), IsEmpty());
  EXPECT_THAT(ValidateValueDomain(Between("0", "100"), "d"), IsEmpty());
  EXPECT_THAT(ValidateValueDomain(Between("1e3", nullptr), "d"),
              ElementsAre(Pair("d.minimum", HasSubstr("Decimal"))));
  EXPECT_THAT(ValidateValueDomain(Between("5", "4"), "d"),
              ElementsAre(Pair("d.maximum", HasSubstr("below minimum"))));
  ValueDomain negative_max = Between(nullptr, "-1");
  negative_max.set_non_negative(true);
  EXPECT_THAT(ValidateValueDomain(negative_max, "d"),
              ElementsAre(Pair("d.maximum", HasSubstr("below zero"))));
  ValueDomain no_whole = Between("1.2", "1.8");
  no_whole.set_whole_number(true);
  EXPECT_THAT(ValidateValueDomain(no_whole, "d"),
              ElementsAre(Pair("d.maximum", HasSubstr("no whole number"))));
  ValueDomain one_whole = Between("-1.5", "-1");
  one_whole.set_whole_number(true);
  EXPECT_THAT(ValidateValueDomain(one_whole, "d"), IsEmpty()) << "-1 fits";
}

TEST(ValueDomainTest, NamesTheRuleAndTheValue) {
  const ValueDomain d = WholeNonNegative();
  EXPECT_EQ(ValueDomainRuleBroken(d, 1072 * 1000000LL), "");
  EXPECT_EQ(ValueDomainRuleBroken(d, 0), "");
  EXPECT_EQ(ValueDomainRuleBroken(d, -3 * 1000000LL),
            "must not be negative (the indicator's value domain is whole, non-negative), got -3");
  EXPECT_EQ(ValueDomainRuleBroken(d, 12500000),
            "must be a whole number (the indicator's value domain is whole, non-negative), got "
            "12.5");
  const ValueDomain percent = Between("0", "100");
  EXPECT_THAT(ValueDomainRuleBroken(percent, 100000001), HasSubstr("must be at most 100"));
  EXPECT_THAT(ValueDomainRuleBroken(percent, -1), HasSubstr("must be at least 0"));
  EXPECT_EQ(ValueDomainRuleBroken(ValueDomain(), -1), "") << "no domain: any value";
}

TEST(ValueDomainTest, ChecksEveryValueOfARow) {
  ObservationInput in = Row("-1072");
  Target* legal = in.add_targets();
  legal->set_type(Target::LEGAL);
  legal->mutable_value()->set_value("2000");
  Target* striving = in.add_targets();
  striving->set_type(Target::STRIVING);
  striving->mutable_value()->set_value("2100.5");
  auto* province = in.add_province_breakdown();
  province->set_province("Long An");
  province->mutable_value()->set_value("0.25");
  EXPECT_THAT(ValueDomainViolations(in, WholeNonNegative()),
              ElementsAre(Pair("actual", HasSubstr("must not be negative")),
                          Pair("targets[1].value", HasSubstr("whole number")),
                          Pair("province_breakdown[0].value", HasSubstr("whole number"))));
  EXPECT_THAT(ValueDomainViolations(in, ValueDomain()), IsEmpty());
  EXPECT_THAT(ValueDomainViolations(Row("1072"), WholeNonNegative()), IsEmpty());
  EXPECT_THAT(ValueDomainViolations(Row("not a number"), WholeNonNegative()), IsEmpty())
      << "left to the input rules";
}

TEST(ValueDomainTest, ChecksAStoredObservationsCurrentValuesNotItsRevisions) {
  Observation o;
  o.mutable_actual()->set_value("10.5");
  o.add_revisions()->mutable_actual()->set_value("-4");
  EXPECT_THAT(ValueDomainViolations(o, WholeNonNegative()),
              ElementsAre(Pair("actual", HasSubstr("got 10.5"))));
  o.mutable_actual()->set_value("10");
  EXPECT_THAT(ValueDomainViolations(o, WholeNonNegative()), IsEmpty());
}

}  // namespace
}  // namespace analytics
