// The pool that runs list scans and searches off gRPC's callback threads: it runs what it is
// given, refuses work beyond its queue, and runs what is queued before it stops.
#include "common/work_pool.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

using ::testing::HasSubstr;

WorkPool::Options Small(int threads, int max_queued) {
  WorkPool::Options options;
  options.name = "test-pool";
  options.threads = threads;
  options.max_queued = max_queued;
  return options;
}

TEST(WorkPoolTest, RunsWorkOnItsThreads) {
  WorkPool pool(Small(2, 16));
  std::atomic<int> ran{0};
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> elsewhere{true};
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.Submit([&] {
      if (std::this_thread::get_id() == caller) elsewhere = false;
      ++ran;
    }));
  }
  pool.Stop();
  EXPECT_EQ(ran.load(), 10);
  EXPECT_TRUE(elsewhere.load());
}

TEST(WorkPoolTest, RefusesWorkBeyondItsQueueAndSaysWhy) {
  WorkPool pool(Small(1, 2));
  absl::Notification started, release;
  ASSERT_TRUE(pool.Submit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the one thread is busy
  EXPECT_TRUE(pool.Submit([] {}));
  EXPECT_TRUE(pool.Submit([] {}));
  EXPECT_FALSE(pool.Submit([] {})) << "two are waiting already";
  release.Notify();
  pool.Stop();
  EXPECT_FALSE(pool.Submit([] {})) << "stopped";

  const absl::Status busy = WorkPoolFullError("ListMembers");
  EXPECT_EQ(busy.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(busy), "SERVER_BUSY");
  EXPECT_THAT(busy.message(), HasSubstr("retry ListMembers with backoff"));
}

TEST(WorkPoolTest, StopRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  {
    WorkPool pool(Small(1, 100));
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(pool.Submit([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ++ran;
      }));
    }
  }  // the destructor stops
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace common
