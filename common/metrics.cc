#include "common/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace common {
namespace {

uint64_t ToBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

double FromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "metrics registration error: %s\n", message.c_str());
  std::abort();
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendEscaped(std::string* out, absl::string_view text, bool quote) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '"':
        out->append(quote ? "\\\"" : "\"");
        break;
      default:
        out->push_back(c);
    }
  }
}

void AppendLabels(std::string* out, const MetricLabels& labels) {
  if (labels.empty()) {
    return;
  }
  out->push_back('{');
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) {
      out->push_back(',');
    }
    absl::StrAppend(out, labels[i].first, "=\"");
    AppendEscaped(out, labels[i].second, /*quote=*/true);
    out->push_back('"');
  }
  out->push_back('}');
}

}  // namespace

bool IsValidMetricName(absl::string_view name) {
  if (name.empty() || absl::ascii_isdigit(name[0])) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_' || c == ':'; });
}

bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || absl::ascii_isdigit(name[0]) || absl::StartsWith(name, "__")) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, ec == std::errc() ? end : buffer);
}

std::string FormatPrometheusText(std::vector<MetricFamily> families) {
  std::stable_sort(families.begin(), families.end(),
                   [](const MetricFamily& a, const MetricFamily& b) { return a.name < b.name; });
  // Families of the same name (e.g. from two collectors) are written once.
  std::vector<MetricFamily> merged;
  for (MetricFamily& family : families) {
    if (!merged.empty() && merged.back().name == family.name) {
      for (MetricSample& sample : family.samples) {
        merged.back().samples.push_back(std::move(sample));
      }
    } else {
      merged.push_back(std::move(family));
    }
  }
  std::string out;
  for (const MetricFamily& family : merged) {
    absl::StrAppend(&out, "# HELP ", family.name, " ");
    AppendEscaped(&out, family.help, /*quote=*/false);
    absl::StrAppend(&out, "\n# TYPE ", family.name, " ", TypeName(family.type), "\n");
    for (const MetricSample& sample : family.samples) {
      absl::StrAppend(&out, family.name, sample.suffix);
      AppendLabels(&out, sample.labels);
      absl::StrAppend(&out, " ", FormatMetricValue(sample.value), "\n");
    }
  }
  return out;
}

void Gauge::Set(double value) { bits_.store(ToBits(value), std::memory_order_relaxed); }

void Gauge::Add(double delta) {
  uint64_t old_bits = bits_.load(std::memory_order_relaxed);
  while (!bits_.compare_exchange_weak(old_bits, ToBits(FromBits(old_bits) + delta),
                                      std::memory_order_relaxed)) {
  }
}

double Gauge::value() const { return FromBits(bits_.load(std::memory_order_relaxed)); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (std::isnan(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
      Die("histogram bounds must be strictly increasing numbers");
    }
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    buckets_[i].store(0, std::memory_order_relaxed);
  }
}

void Histogram::Observe(double value) {
  // Bucket i counts values in (bounds[i-1], bounds[i]]: "le" is inclusive.
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.Add(value);
}

std::vector<MetricSample> Histogram::Samples(const MetricLabels& labels) const {
  std::vector<MetricSample> samples;
  samples.reserve(bounds_.size() + 3);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    MetricLabels with_le = labels;
    with_le.emplace_back("le",
                         i < bounds_.size() ? FormatMetricValue(bounds_[i]) : std::string("+Inf"));
    samples.push_back({"_bucket", std::move(with_le), static_cast<double>(cumulative)});
  }
  // _count is the +Inf bucket, so a scrape never shows count != the last bucket.
  samples.push_back({"_sum", labels, sum_.value()});
  samples.push_back({"_count", labels, static_cast<double>(cumulative)});
  return samples;
}

const std::vector<double>& DefaultLatencyBuckets() {
  static const auto* buckets = new std::vector<double>{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

MetricsRegistration::MetricsRegistration(MetricsRegistration&& other) noexcept
    : unregister_(std::exchange(other.unregister_, nullptr)) {}

MetricsRegistration& MetricsRegistration::operator=(MetricsRegistration&& other) noexcept {
  if (this != &other) {
    Reset();
    unregister_ = std::exchange(other.unregister_, nullptr);
  }
  return *this;
}

MetricsRegistration::~MetricsRegistration() { Reset(); }

void MetricsRegistration::Reset() {
  if (unregister_) {
    std::exchange(unregister_, nullptr)();
  }
}

MetricsRegistry& MetricsRegistry::Default() {
  static auto* registry = new MetricsRegistry();
  return *registry;
}

void MetricsRegistry::CheckFamily(absl::string_view name, absl::string_view help, MetricType type,
                                  const MetricLabels& labels) {
  if (!IsValidMetricName(name)) {
    Die(absl::StrCat("invalid metric name \"", name, "\""));
  }
  for (const auto& [label, value] : labels) {
    if (!IsValidLabelName(label) || label == "le") {
      Die(absl::StrCat("metric ", name, ": invalid label name \"", label, "\""));
    }
  }
  for (const auto& [existing, info] : families_) {
    if (existing == name) {
      if (info.type != type || info.help != help) {
        Die(absl::StrCat("metric ", name, " registered again with another type or help"));
      }
      return;
    }
  }
  families_.push_back({std::string(name), FamilyInfo{std::string(help), type}});
}

MetricsRegistry::Series* MetricsRegistry::FindSeries(absl::string_view name,
                                                     const MetricLabels& labels) {
  for (Series& s : series_) {
    if (s.name == name && s.labels == labels) {
      return &s;
    }
  }
  return nullptr;
}

Counter& MetricsRegistry::AddCounter(absl::string_view name, absl::string_view help,
                                     MetricLabels labels) {
  absl::MutexLock lock(&mu_);
  CheckFamily(name, help, MetricType::kCounter, labels);
  if (Series* s = FindSeries(name, labels); s != nullptr && s->counter) {
    return *s->counter;
  }
  Series& s = series_.emplace_back();
  s.name = std::string(name);
  s.labels = std::move(labels);
  s.type = MetricType::kCounter;
  s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& MetricsRegistry::AddGauge(absl::string_view name, absl::string_view help,
                                 MetricLabels labels) {
  absl::MutexLock lock(&mu_);
  CheckFamily(name, help, MetricType::kGauge, labels);
  if (Series* s = FindSeries(name, labels); s != nullptr && s->gauge) {
    return *s->gauge;
  }
  Series& s = series_.emplace_back();
  s.name = std::string(name);
  s.labels = std::move(labels);
  s.type = MetricType::kGauge;
  s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& MetricsRegistry::AddHistogram(absl::string_view name, absl::string_view help,
                                         std::vector<double> bounds, MetricLabels labels) {
  absl::MutexLock lock(&mu_);
  CheckFamily(name, help, MetricType::kHistogram, labels);
  if (Series* s = FindSeries(name, labels); s != nullptr && s->histogram) {
    return *s->histogram;
  }
  Series& s = series_.emplace_back();
  s.name = std::string(name);
  s.labels = std::move(labels);
  s.type = MetricType::kHistogram;
  s.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s.histogram;
}

MetricsRegistration MetricsRegistry::AddCallback(absl::string_view name, absl::string_view help,
                                                 MetricType type, MetricLabels labels,
                                                 std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  CheckFamily(name, help, type, labels);
  if (FindSeries(name, labels) != nullptr) {
    Die(absl::StrCat("metric ", name, " already has a series with these labels"));
  }
  Series& s = series_.emplace_back();
  s.name = std::string(name);
  s.labels = std::move(labels);
  s.type = type;
  s.read = std::move(read);
  Series* added = &s;
  return MetricsRegistration([this, added] {
    absl::MutexLock lock(&mu_);
    series_.remove_if([added](const Series& s) { return &s == added; });
  });
}

MetricsRegistration MetricsRegistry::AddGaugeCallback(absl::string_view name,
                                                      absl::string_view help, MetricLabels labels,
                                                      std::function<double()> read) {
  return AddCallback(name, help, MetricType::kGauge, std::move(labels), std::move(read));
}

MetricsRegistration MetricsRegistry::AddCounterCallback(absl::string_view name,
                                                        absl::string_view help, MetricLabels labels,
                                                        std::function<double()> read) {
  return AddCallback(name, help, MetricType::kCounter, std::move(labels), std::move(read));
}

MetricsRegistration MetricsRegistry::AddCollector(
    std::function<std::vector<MetricFamily>()> collect) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_collector_id_++;
  collectors_.emplace_back(id, std::move(collect));
  return MetricsRegistration([this, id] {
    absl::MutexLock lock(&mu_);
    collectors_.erase(std::remove_if(collectors_.begin(), collectors_.end(),
                                     [id](const auto& c) { return c.first == id; }),
                      collectors_.end());
  });
}

std::vector<MetricFamily> MetricsRegistry::Collect() const {
  // Held while callbacks run, so a callback never runs after its registration is destroyed.
  absl::MutexLock lock(&mu_);
  std::map<std::string, size_t> index;
  std::vector<MetricFamily> families;
  for (const auto& [name, info] : families_) {
    index[name] = families.size();
    families.push_back({name, info.help, info.type, {}});
  }
  for (const Series& s : series_) {
    MetricFamily& family = families[index.at(s.name)];
    if (s.counter) {
      family.samples.push_back({"", s.labels, static_cast<double>(s.counter->value())});
    } else if (s.gauge) {
      family.samples.push_back({"", s.labels, s.gauge->value()});
    } else if (s.histogram) {
      for (MetricSample& sample : s.histogram->Samples(s.labels)) {
        family.samples.push_back(std::move(sample));
      }
    } else if (s.read) {
      family.samples.push_back({"", s.labels, s.read()});
    }
  }
  // A family whose callbacks are all gone is not shown.
  families.erase(std::remove_if(families.begin(), families.end(),
                                [](const MetricFamily& f) { return f.samples.empty(); }),
                 families.end());
  for (const auto& [id, collect] : collectors_) {
    for (MetricFamily& family : collect()) {
      families.push_back(std::move(family));
    }
  }
  return families;
}

std::string MetricsRegistry::Render() const { return FormatPrometheusText(Collect()); }

}  // namespace common
