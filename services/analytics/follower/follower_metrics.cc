#include "services/analytics/follower/follower_metrics.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Freshness;
using ::google::protobuf::util::TimeUtil;

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}

common::MetricFamily Gauge(const char* name, const char* help, double value) {
  return {name, help, common::MetricType::kGauge, {{"", {}, value}}};
}

common::MetricFamily Counter(const char* name, const char* help, double value) {
  return {name, help, common::MetricType::kCounter, {{"", {}, value}}};
}

}  // namespace

common::MetricsRegistration RegisterFollowerMetrics(const RecordsFollower* follower,
                                                    absl::Time started,
                                                    common::MetricsRegistry* registry) {
  return registry->AddCollector([follower, started] {
    const dangbo::analytics::v1::GetFollowerStatusResponse status = follower->Status();
    const Freshness& f = status.freshness();
    const uint64_t lag_events = f.source_head_sequence() > f.last_applied_sequence()
                                    ? f.source_head_sequence() - f.last_applied_sequence()
                                    : 0;
    double lag_seconds = 0;
    if (!f.following() || lag_events > 0) {
      absl::Time since = started;
      if (f.has_caught_up_time()) {
        since = FromProto(f.caught_up_time());
      } else if (f.has_last_applied_commit_time()) {
        since = FromProto(f.last_applied_commit_time());
      }
      lag_seconds = std::max(0.0, absl::ToDoubleSeconds(absl::Now() - since));
    }

    std::vector<common::MetricFamily> families;
    families.push_back(Gauge("dangbo_follower_lag_events",
                             "Change events records has committed that the read model lacks.",
                             static_cast<double>(lag_events)));
    families.push_back(Gauge("dangbo_follower_lag_seconds",
                             "How far the read model may be behind records, in seconds (0 while "
                             "following with no known backlog).",
                             lag_seconds));
    families.push_back(Gauge("dangbo_follower_following",
                             "1 while the change stream to records is open.",
                             f.following() ? 1 : 0));
    common::MetricFamily state{"dangbo_follower_state",
                               "1 for the follower's current state, 0 for the others.",
                               common::MetricType::kGauge,
                               {}};
    for (Freshness::State s : {Freshness::CURRENT, Freshness::CATCHING_UP, Freshness::DISCONNECTED,
                               Freshness::REBUILDING}) {
      state.samples.push_back(
          {"", {{"state", Freshness::State_Name(s)}}, f.state() == s ? 1.0 : 0.0});
    }
    families.push_back(std::move(state));
    families.push_back(Gauge("dangbo_follower_last_applied_sequence",
                             "The last records change-log sequence applied to the read model.",
                             static_cast<double>(f.last_applied_sequence())));
    families.push_back(Gauge("dangbo_follower_source_head_sequence",
                             "Records' change-log head as last reported to the follower.",
                             static_cast<double>(f.source_head_sequence())));
    families.push_back(Counter("dangbo_follower_events_applied_total",
                               "Change events applied to the read model since the process started.",
                               static_cast<double>(follower->events_applied())));
    families.push_back(Counter("dangbo_follower_reconnects_total",
                               "Times the follower reconnected to records.",
                               static_cast<double>(status.reconnects())));
    families.push_back(Counter("dangbo_follower_rebuilds_total",
                               "Times the read model was rebuilt from a full listing of records.",
                               static_cast<double>(status.rebuilds())));
    return families;
  });
}

}  // namespace analytics
