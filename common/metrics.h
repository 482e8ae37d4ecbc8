// File: common/metrics.h
//
// Prometheus metrics: a registry of counters, gauges and histograms, rendered in the
// Prometheus text exposition format (version 0.0.4) by the /metrics endpoint
// (common/metrics_http.h). The gRPC request metrics (common/rpc_metrics.h) and the process
// metrics (common/process_metrics.h) are registered by ServerRunner; services add their own:
//
//   common::MetricsRegistry& metrics = common::MetricsRegistry::Default();
//   // A value updated by the service (lock-free):
//   common::Counter& applied = metrics.AddCounter(
//       "dangbo_follower_events_applied_total", "Change events applied to the read model.");
//   applied.Increment();
//   // A value read at scrape time (RocksDB properties, follower lag...):
//   common::MetricsRegistration size = metrics.AddGaugeCallback(
//       "dangbo_rocksdb_live_data_bytes", "Estimated live data in RocksDB.", {{"db", "records"}},
//       [store] { return store->LiveDataBytes(); });   // keep `size` alive while store lives
//   // Several series whose label values are only known at scrape time:
//   common::MetricsRegistration cfs = metrics.AddCollector([store] {
//     common::MetricFamily f{"dangbo_rocksdb_cf_size_bytes", "...", common::MetricType::kGauge};
//     for (...) f.samples.push_back({"", {{"cf", name}}, bytes});
//     return std::vector<common::MetricFamily>{f};
//   });
//
// Naming (Prometheus conventions): dangbo_<what>_<unit>, counters end in _total, units are
// base units (seconds, bytes). A name or label name that breaks the Prometheus grammar, or a
// name registered again with a different type or help, is a programming error: the process
// aborts with a message (crash fast; it happens at startup).
//
// Thread-safety: everything is thread-safe. Counter, Gauge and Histogram updates are lock-free
// atomics. Callbacks and collectors run on the scrape thread, concurrently with the service:
// they must be thread-safe, fast and must not call back into the registry. A callback or
// collector stays registered while its MetricsRegistration lives; destroy the registration
// before whatever the callback reads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace common {

// Label name/value pairs, in the order they are written.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { kCounter, kGauge, kHistogram };

// One line of the exposition: <family name><suffix>{labels} value. Histograms use the
// suffixes _bucket (with an "le" label), _sum and _count.
struct MetricSample {
  std::string suffix;
  MetricLabels labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<MetricSample> samples;
};

// Formats families in the text exposition format: families sorted by name, samples in the
// order given; HELP text escapes \ and newline, label values escape \, " and newline; values
// are written in their shortest round-trip form (+Inf, -Inf, NaN spelled as Prometheus does).
std::string FormatPrometheusText(std::vector<MetricFamily> families);

// A number as the exposition format writes it ("1", "0.25", "+Inf", "1e+21").
std::string FormatMetricValue(double value);

// True if `name` is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*); label names are the same
// without ':' and must not start with "__".
bool IsValidMetricName(absl::string_view name);
bool IsValidLabelName(absl::string_view name);

// A monotonically increasing count.
class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double value);
  void Add(double delta);
  double value() const;

 private:
  std::atomic<uint64_t> bits_{0};  // the double's bit pattern (0 is +0.0)
};

// Observations counted into fixed buckets (upper bounds, strictly increasing; +Inf implied).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // The exposition samples (_bucket cumulative with le, then _sum and _count), each with
  // `labels` first.
  std::vector<MetricSample> Samples(const MetricLabels& labels) const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf), not cumulative
  Gauge sum_;
};

// Latency buckets for RPCs, in seconds: 0.5 ms to 10 s.
const std::vector<double>& DefaultLatencyBuckets();

// Unregisters a callback or collector when destroyed. Movable; default-constructed is empty.
class MetricsRegistration {
 public:
  MetricsRegistration() = default;
  MetricsRegistration(MetricsRegistration&& other) noexcept;
  MetricsRegistration& operator=(MetricsRegistration&& other) noexcept;
  ~MetricsRegistration();
  void Reset();

 private:
  friend class MetricsRegistry;
  explicit MetricsRegistration(std::function<void()> unregister)
      : unregister_(std::move(unregister)) {}
  std::function<void()> unregister_;
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The process-wide registry that /metrics serves. Never destroyed.
  static MetricsRegistry& Default();

  // Owned metrics; the returned reference is valid as long as the registry. Adding the same
  // name and labels twice returns the same metric.
  Counter& AddCounter(absl::string_view name, absl::string_view help, MetricLabels labels = {});
  Gauge& AddGauge(absl::string_view name, absl::string_view help, MetricLabels labels = {});
  Histogram& AddHistogram(absl::string_view name, absl::string_view help,
                          std::vector<double> bounds, MetricLabels labels = {});

  // Values read at scrape time. `read` must be thread-safe.
  [[nodiscard]] MetricsRegistration AddGaugeCallback(absl::string_view name, absl::string_view help,
                                                     MetricLabels labels,
                                                     std::function<double()> read);
  [[nodiscard]] MetricsRegistration AddCounterCallback(absl::string_view name,
                                                       absl::string_view help, MetricLabels labels,
                                                       std::function<double()> read);

  // Whole families produced at scrape time (label values known only then). A collector's
  // family names must not be used by other registrations.
  [[nodiscard]] MetricsRegistration AddCollector(
      std::function<std::vector<MetricFamily>()> collect);

  // Every metric, in the text exposition format.
  std::string Render() const;
  // The same, as families (for tests and other formats).
  std::vector<MetricFamily> Collect() const;

 private:
  struct Series {
    std::string name;
    MetricLabels labels;
    MetricType type;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> read;  // callback series
  };
  struct FamilyInfo {
    std::string help;
    MetricType type;
  };
  // Checks the name, labels and the family's type/help; aborts on a mismatch.
  void CheckFamily(absl::string_view name, absl::string_view help, MetricType type,
                   const MetricLabels& labels) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Series* FindSeries(absl::string_view name, const MetricLabels& labels)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  MetricsRegistration AddCallback(absl::string_view name, absl::string_view help, MetricType type,
                                  MetricLabels labels, std::function<double()> read);

  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, FamilyInfo>> families_ ABSL_GUARDED_BY(mu_);
  std::list<Series> series_ ABSL_GUARDED_BY(mu_);  // stable addresses
  uint64_t next_collector_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::pair<uint64_t, std::function<std::vector<MetricFamily>()>>> collectors_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace common
