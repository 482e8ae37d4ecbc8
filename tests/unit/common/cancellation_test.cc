// Long work stops when its call has ended: cancelled, or past its deadline.
#include "common/cancellation.h"

#include <atomic>

#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

using ::testing::HasSubstr;

double Stopped(const std::string& reason) {
  for (const MetricFamily& f : MetricsRegistry::Default().Collect()) {
    if (f.name != "dangbo_calls_stopped_total") continue;
    for (const MetricSample& s : f.samples) {
      if (s.labels.size() == 1 && s.labels[0].second == reason) return s.value;
    }
  }
  return -1;
}

TEST(CancellationTest, WithoutACallItNeverStops) {
  Cancellation none;
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(none.Tick().ok());
  EXPECT_TRUE(none.Check().ok());
  EXPECT_EQ(none.total_ticks(), 100000);
}

TEST(CancellationTest, ACancelledCallStopsAtTheNextLookAndStaysStopped) {
  std::atomic<bool> cancelled{false};
  std::atomic<int> looks{0};
  Cancellation stop(
      [&] {
        ++looks;
        return cancelled.load();
      },
      absl::InfiniteFuture(), /*check_every=*/8);
  const double before = Stopped("cancelled");
  for (int i = 0; i < 80; ++i) ASSERT_TRUE(stop.Tick().ok());
  EXPECT_EQ(looks.load(), 10) << "one look every 8 ticks";
  cancelled = true;
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(stop.Tick().ok()) << "between looks";
  const absl::Status status = stop.Tick();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(ErrorReason(status), "CALL_CANCELLED");
  EXPECT_THAT(status.message(), HasSubstr("stopped after 88 steps"));
  EXPECT_EQ(Stopped("cancelled"), before + 1);
  cancelled = false;
  EXPECT_EQ(stop.Check().code(), absl::StatusCode::kCancelled) << "a stop is final";
  EXPECT_EQ(Stopped("cancelled"), before + 1) << "and counted once";
}

TEST(CancellationTest, ACallPastItsDeadlineStopsAndSaysSo) {
  // Expired calls are cancelled too; the deadline is the reason given.
  Cancellation stop([] { return true; }, absl::Now() - absl::Milliseconds(1), 4);
  const double before = Stopped("deadline_exceeded");  // the series exists from here on
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(stop.Tick().ok());
  const absl::Status status = stop.Tick();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ErrorReason(status), "DEADLINE_EXCEEDED");
  EXPECT_EQ(Stopped("deadline_exceeded"), before + 1);

  Cancellation later([] { return false; }, absl::Now() + absl::Hours(1), 1);
  EXPECT_TRUE(later.Tick().ok());
}

TEST(CancellationTest, AServerContextWithoutADeadlineOrCancelRunsOn) {
  grpc::ServerContext context;  // not attached to a call: never cancelled, no deadline
  Cancellation stop(&context, 1);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(stop.Tick().ok());
  EXPECT_GE(Stopped("cancelled"), 0) << "the series exist from the first Cancellation";
  EXPECT_GE(Stopped("deadline_exceeded"), 0);
}

}  // namespace
}  // namespace common
