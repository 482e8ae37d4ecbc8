#include "common/work_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace common {

WorkPool::WorkPool(Options options)
    : options_(std::move(options)),
      queued_(MetricsRegistry::Default().AddGauge(
          "dangbo_work_pool_queued",
          "Requests waiting for a thread of the pool that runs list scans and searches.",
          {{"pool", options_.name}})),
      rejected_(MetricsRegistry::Default().AddCounter(
          "dangbo_work_pool_rejected_total",
          "Requests refused with RESOURCE_EXHAUSTED because the pool's queue was full.",
          {{"pool", options_.name}})) {
  const int threads = std::max(1, options_.threads);
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, i] { Run(i); });
}

WorkPool::~WorkPool() { Stop(); }

int WorkPool::DefaultThreads() {
  return std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
}

bool WorkPool::Submit(std::function<void()> work) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_ && queue_.size() < static_cast<size_t>(std::max(0, options_.max_queued))) {
      queue_.push_back(std::move(work));
      queued_.Set(static_cast<double>(queue_.size()));
      return true;
    }
  }
  rejected_.Increment();
  return false;
}

void WorkPool::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

bool WorkPool::ReadyToRun() const { return stopping_ || !queue_.empty(); }

void WorkPool::Run(int index) {
  // Linux: the name shows in top -H and profiles; the nice value is per thread.
  const std::string name = absl::StrCat(options_.name, "-", index).substr(0, 15);
  pthread_setname_np(pthread_self(), name.c_str());
  if (options_.nice != 0) {
    const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
    errno = 0;
    const int current = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
    if (errno == 0) setpriority(PRIO_PROCESS, static_cast<id_t>(tid), current + options_.nice);
  }
  while (true) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WorkPool::ReadyToRun));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      work = std::move(queue_.front());
      queue_.pop_front();
      queued_.Set(static_cast<double>(queue_.size()));
    }
    work();
  }
}

absl::Status WorkPoolFullError(absl::string_view method) {
  return WithReason(
      absl::ResourceExhaustedError(absl::StrCat(
          "too many list and search requests are waiting; retry ", method, " with backoff")),
      "SERVER_BUSY", {{"method", std::string(method)}});
}

}  // namespace common
