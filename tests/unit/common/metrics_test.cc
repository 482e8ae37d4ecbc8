// The Prometheus text format and the metrics registry: what a scraper reads.
#include "common/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(FormatMetricValueTest, WritesShortestRoundTripNumbersAndPrometheusSpecials) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(1), "1");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(-3.5), "-3.5");
  EXPECT_EQ(FormatMetricValue(1e21), "1e+21");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
}

TEST(FormatPrometheusTextTest, WritesHelpTypeAndOneLinePerSample) {
  MetricFamily family{"dangbo_things_total", "Things done.", MetricType::kCounter, {}};
  family.samples.push_back({"", {{"kind", "a"}}, 3});
  family.samples.push_back({"", {{"kind", "b"}, {"size", "big"}}, 4});
  EXPECT_EQ(FormatPrometheusText({family}),
            "# HELP dangbo_things_total Things done.\n"
            "# TYPE dangbo_things_total counter\n"
            "dangbo_things_total{kind=\"a\"} 3\n"
            "dangbo_things_total{kind=\"b\",size=\"big\"} 4\n");
}

TEST(FormatPrometheusTextTest, EscapesLabelValuesAndHelp) {
  MetricFamily family{"m", "back\\slash and\nnewline \"quoted\"", MetricType::kGauge, {}};
  family.samples.push_back({"", {{"path", "C:\\dir \"x\"\nnext"}}, 1});
  EXPECT_EQ(FormatPrometheusText({family}),
            // HELP escapes \ and newline only; label values also escape the quote.
            "# HELP m back\\\\slash and\\nnewline \"quoted\"\n"
            "# TYPE m gauge\n"
            "m{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n");
}

TEST(FormatPrometheusTextTest, SortsFamiliesByNameAndMergesFamiliesOfTheSameName) {
  MetricFamily b{"b_metric", "B.", MetricType::kGauge, {{"", {{"x", "1"}}, 1}}};
  MetricFamily a{"a_metric", "A.", MetricType::kGauge, {{"", {}, 2}}};
  MetricFamily b2{"b_metric", "B.", MetricType::kGauge, {{"", {{"x", "2"}}, 3}}};
  const std::string text = FormatPrometheusText({b, a, b2});
  EXPECT_EQ(text,
            "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric 2\n"
            "# HELP b_metric B.\n# TYPE b_metric gauge\n"
            "b_metric{x=\"1\"} 1\nb_metric{x=\"2\"} 3\n");
}

TEST(HistogramTest, BucketsAreCumulativeWithInclusiveUpperBoundsThenSumAndCount) {
  Histogram h({0.1, 1, 10});
  double sum = 0;
  for (double v : {0.05, 0.1, 0.5, 1.0, 5.0, 50.0}) {
    h.Observe(v);
    sum += v;
  }
  MetricFamily family{"latency_seconds", "L.", MetricType::kHistogram,
                      h.Samples({{"method", "Get"}})};
  EXPECT_EQ(FormatPrometheusText({family}),
            "# HELP latency_seconds L.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 2\n"   // 0.05, 0.1 (le inclusive)
            "latency_seconds_bucket{method=\"Get\",le=\"1\"} 4\n"     // + 0.5, 1.0
            "latency_seconds_bucket{method=\"Get\",le=\"10\"} 5\n"    // + 5.0
            "latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 6\n"  // + 50.0
            "latency_seconds_sum{method=\"Get\"} " +
                FormatMetricValue(sum) +
                "\n"
                "latency_seconds_count{method=\"Get\"} 6\n");
}

TEST(HistogramTest, EmptyHistogramHasZeroBucketsSumAndCount) {
  Histogram h(DefaultLatencyBuckets());
  std::vector<MetricSample> samples = h.Samples({});
  ASSERT_EQ(samples.size(), DefaultLatencyBuckets().size() + 3);
  for (const MetricSample& s : samples) {
    EXPECT_EQ(s.value, 0) << s.suffix;
  }
  EXPECT_EQ(samples[samples.size() - 3].labels, (MetricLabels{{"le", "+Inf"}}));
}

TEST(GaugeTest, SetAndAdd) {
  Gauge g;
  EXPECT_EQ(g.value(), 0);
  g.Set(2.5);
  g.Add(-1);
  EXPECT_EQ(g.value(), 1.5);
}

TEST(MetricNameTest, FollowsThePrometheusGrammar) {
  EXPECT_TRUE(IsValidMetricName("dangbo_grpc_requests_total"));
  EXPECT_TRUE(IsValidMetricName("ns:rule_metric"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("with-dash"));
  EXPECT_FALSE(IsValidMetricName("space here"));
  EXPECT_TRUE(IsValidLabelName("method"));
  EXPECT_FALSE(IsValidLabelName("__reserved"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
}

TEST(MetricsRegistryTest, GroupsSeriesOfOneFamilyUnderOneHelpAndType) {
  MetricsRegistry registry;
  registry.AddCounter("dangbo_events_total", "Events.", {{"kind", "admit"}}).Increment(2);
  registry.AddCounter("dangbo_events_total", "Events.", {{"kind", "transfer"}}).Increment();
  registry.AddGauge("dangbo_lag_seconds", "Lag.").Set(0.5);
  EXPECT_EQ(registry.Render(),
            "# HELP dangbo_events_total Events.\n"
            "# TYPE dangbo_events_total counter\n"
            "dangbo_events_total{kind=\"admit\"} 2\n"
            "dangbo_events_total{kind=\"transfer\"} 1\n"
            "# HELP dangbo_lag_seconds Lag.\n"
            "# TYPE dangbo_lag_seconds gauge\n"
            "dangbo_lag_seconds 0.5\n");
}

TEST(MetricsRegistryTest, AddingTheSameSeriesTwiceReturnsTheSameMetric) {
  MetricsRegistry registry;
  Counter& a = registry.AddCounter("c_total", "C.", {{"x", "1"}});
  Counter& b = registry.AddCounter("c_total", "C.", {{"x", "1"}});
  EXPECT_EQ(&a, &b);
}

TEST(MetricsRegistryTest, CallbacksAreReadAtScrapeTimeUntilTheRegistrationEnds) {
  MetricsRegistry registry;
  double size = 10;
  {
    MetricsRegistration registration =
        registry.AddGaugeCallback("dangbo_rocksdb_live_data_bytes", "Live data.",
                                  {{"db", "records"}}, [&size] { return size; });
    EXPECT_THAT(registry.Render(),
                HasSubstr("dangbo_rocksdb_live_data_bytes{db=\"records\"} 10\n"));
    size = 20;
    EXPECT_THAT(registry.Render(),
                HasSubstr("dangbo_rocksdb_live_data_bytes{db=\"records\"} 20\n"));
  }
  EXPECT_THAT(registry.Render(), Not(HasSubstr("dangbo_rocksdb_live_data_bytes")));
}

TEST(MetricsRegistryTest, MovedRegistrationKeepsTheCallbackRegistered) {
  MetricsRegistry registry;
  MetricsRegistration outer;
  {
    MetricsRegistration inner =
        registry.AddCounterCallback("reads_total", "Reads.", {}, [] { return 7.0; });
    outer = std::move(inner);
  }
  EXPECT_THAT(registry.Render(), HasSubstr("reads_total 7\n"));
  outer.Reset();
  EXPECT_EQ(registry.Render(), "");
}

TEST(MetricsRegistryTest, CollectorsAddWholeFamiliesAtScrapeTime) {
  MetricsRegistry registry;
  MetricsRegistration registration = registry.AddCollector([] {
    MetricFamily f{"dangbo_cf_bytes", "Per column family.", MetricType::kGauge, {}};
    f.samples.push_back({"", {{"cf", "members"}}, 100});
    f.samples.push_back({"", {{"cf", "changes"}}, 50});
    return std::vector<MetricFamily>{f};
  });
  std::vector<MetricFamily> families = registry.Collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].samples.size(), 2u);
  EXPECT_THAT(registry.Render(), HasSubstr("dangbo_cf_bytes{cf=\"changes\"} 50\n"));
}

TEST(MetricsRegistryDeathTest, InvalidNamesAndConflictingTypesAbortAtRegistration) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.AddCounter("bad-name", "x"), "invalid metric name");
  EXPECT_DEATH(registry.AddCounter("ok_total", "x", {{"le", "1"}}), "invalid label name");
  registry.AddCounter("twice", "x");
  EXPECT_DEATH(registry.AddGauge("twice", "x"), "another type");
}

}  // namespace
}  // namespace common
