// One RecordObservations row: validation and the latest-wins merge with revisions.
#include "services/analytics/domain/observation_update.h"

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Observation;
using ::dangbo::analytics::v1::ObservationInput;
using ::dangbo::analytics::v1::Target;
using ::testing::_;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

ObservationInput Input(int year, const char* actual) {
  ObservationInput in;
  in.set_indicator("state-budget-revenue");
  in.set_year(year);
  if (actual != nullptr) in.mutable_actual()->set_value(actual);
  return in;
}

TEST(ValidateObservationInputTest, AcceptsAGoodRow) {
  ObservationInput in = Input(2019, "3802.3");
  Target* t = in.add_targets();
  t->set_type(Target::LEGAL);
  t->mutable_value()->set_value("2440");
  EXPECT_THAT(ValidateObservationInput(&in, 2025), IsEmpty());
}

TEST(ValidateObservationInputTest, NamesEveryBadField) {
  ObservationInput in = Input(2027, "2.103,4");
  in.set_indicator("");
  for (Target::Type type : {Target::LEGAL, Target::LEGAL, Target::TYPE_UNSPECIFIED}) {
    Target* t = in.add_targets();
    t->set_type(type);
    t->mutable_value()->set_value("1");
  }
  auto* p1 = in.add_province_breakdown();
  p1->set_province("Long An");
  p1->mutable_value()->set_value("1");
  *in.add_province_breakdown() = *p1;
  in.set_source(std::string(501, 'x'));
  auto v = ValidateObservationInput(&in, 2025);
  EXPECT_THAT(v, Contains(Pair("indicator", _)));
  EXPECT_THAT(v, Contains(Pair("year", HasSubstr("1930 to 2026"))));
  EXPECT_THAT(v, Contains(Pair("actual", HasSubstr("decimal"))));
  EXPECT_THAT(v, Contains(Pair("actual", HasSubstr("only up to the current year"))));
  EXPECT_THAT(v, Contains(Pair("targets[1].type", HasSubstr("at most one target per type"))));
  EXPECT_THAT(v, Contains(Pair("targets[2].type", _)));
  EXPECT_THAT(v, Contains(Pair("province_breakdown[1].province", HasSubstr("twice"))));
  EXPECT_THAT(v, Contains(Pair("source", HasSubstr("500"))));
}

TEST(ValidateObservationInputTest, AVeryLongListIsRefusedForItsLengthOnly) {
  ObservationInput in = Input(2019, "3802.3");
  for (int i = 0; i < 100000; ++i) {
    Target* t = in.add_targets();
    t->set_type(Target::LEGAL);
    t->mutable_value()->set_value("1");
    auto* p = in.add_province_breakdown();
    p->set_province("Long An");
    p->mutable_value()->set_value("1");
  }
  auto v = ValidateObservationInput(&in, 2025);
  EXPECT_THAT(v,
              Contains(Pair("targets", HasSubstr("at most 3 targets (one per type), got 100000"))));
  EXPECT_THAT(v,
              Contains(Pair("province_breakdown", HasSubstr("at most 64 provinces, got 100000"))));
  EXPECT_LE(v.size(), 2u + 2u + 63u) << "entries past the bounds are not looked at";
}

TEST(ValidateObservationInputTest, TargetsForNextYearButNoActual) {
  ObservationInput targets_only = Input(2026, nullptr);
  Target* t = targets_only.add_targets();
  t->set_type(Target::LEGAL);
  t->mutable_value()->set_value("5000");
  EXPECT_THAT(ValidateObservationInput(&targets_only, 2025), IsEmpty());
  ObservationInput kind_alone = Input(2020, nullptr);
  kind_alone.set_value_kind(Observation::ESTIMATE);
  EXPECT_THAT(ValidateObservationInput(&kind_alone, 2025),
              Contains(Pair("value_kind", HasSubstr("only with actual"))));
}

TEST(ApplyObservationInputTest, FirstWriteHasNoRevision) {
  Observation next;
  EXPECT_TRUE(
      ApplyObservationInput(Input(2019, "3802.30"), Observation{}, absl::Now(), "alice", &next));
  EXPECT_EQ(next.actual().value(), "3802.3");
  EXPECT_EQ(next.value_kind(), Observation::ACTUAL);
  EXPECT_EQ(next.recorded_by(), "alice");
  EXPECT_TRUE(next.has_record_time());
  EXPECT_EQ(next.revisions_size(), 0);
}

TEST(ApplyObservationInputTest, LatestWinsAndKeepsWhatItDoesNotCarry) {
  Observation v1;
  ObservationInput first = Input(2019, "3700");
  first.set_value_kind(Observation::ESTIMATE);
  first.set_source("Ước thực hiện");
  Target* t = first.add_targets();
  t->set_type(Target::STRIVING);
  t->mutable_value()->set_value("3700");
  ASSERT_TRUE(ApplyObservationInput(first, Observation{}, absl::FromUnixSeconds(1), "a", &v1));

  ObservationInput second = Input(2019, "3802.3");
  Target* legal = second.add_targets();
  legal->set_type(Target::LEGAL);
  legal->mutable_value()->set_value("2440");
  Observation v2;
  ASSERT_TRUE(ApplyObservationInput(second, v1, absl::FromUnixSeconds(2), "b", &v2));
  EXPECT_EQ(v2.actual().value(), "3802.3");
  EXPECT_EQ(v2.value_kind(), Observation::ACTUAL);
  EXPECT_EQ(v2.source(), "Ước thực hiện");  // not carried: kept
  ASSERT_EQ(v2.targets_size(), 2);          // in type order
  EXPECT_EQ(v2.targets(0).type(), Target::LEGAL);
  EXPECT_EQ(v2.targets(1).type(), Target::STRIVING);
  ASSERT_EQ(v2.revisions_size(), 1);
  EXPECT_EQ(v2.revisions(0).actual().value(), "3700");
  EXPECT_EQ(v2.revisions(0).value_kind(), Observation::ESTIMATE);
  EXPECT_EQ(v2.revisions(0).recorded_by(), "a");
  EXPECT_EQ(v2.recorded_by(), "b");
}

TEST(ApplyObservationInputTest, IdenticalInputChangesNothing) {
  Observation v1;
  ASSERT_TRUE(ApplyObservationInput(Input(2019, "3802.3"), Observation{}, absl::FromUnixSeconds(1),
                                    "a", &v1));
  Observation v2;
  EXPECT_FALSE(
      ApplyObservationInput(Input(2019, "3802.300"), v1, absl::FromUnixSeconds(2), "b", &v2));
  EXPECT_EQ(v2.SerializeAsString(), v1.SerializeAsString());
}

}  // namespace
}  // namespace analytics
