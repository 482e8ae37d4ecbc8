#include "services/analytics/service/bench_targets.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/logging.h"

namespace analytics {
namespace {

namespace av1 = ::dangbo::analytics::v1;

class Sampler {
 public:
  explicit Sampler(const ReadModelStore* read_model) : read_model_(read_model) {}
  ~Sampler() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    std::lock_guard<std::mutex> lock(thread_mu_);
    if (thread_.joinable()) thread_.join();
  }
  // Starts sampling (once), from the first "~random" request on.
  void Trigger() {
    if (started_.exchange(true)) return;
    std::lock_guard<std::mutex> lock(thread_mu_);
    thread_ = std::thread([this] { Run(read_model_); });
  }
  const std::vector<std::string>* sample() const { return ready_.load(std::memory_order_acquire); }

 private:
  // Waits `d`; false when stopping.
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stop_; });
  }

  void Run(const ReadModelStore* read_model) {
    size_t last = 0;
    while (Sleep(std::chrono::seconds(1))) {
      absl::StatusOr<std::vector<dangbo::records::v1::Organization>> listed =
          read_model->ListOrganizations();
      if (!listed.ok()) continue;  // sampled again a second later
      std::vector<dangbo::records::v1::Organization> orgs = *std::move(listed);
      if (orgs.empty() || orgs.size() != last) {  // still catching up
        last = orgs.size();
        continue;
      }
      std::mt19937_64 rng(20260701);
      std::shuffle(orgs.begin(), orgs.end(), rng);
      if (orgs.size() > kSampleSize) orgs.resize(kSampleSize);
      auto names = std::make_unique<std::vector<std::string>>();
      for (const auto& o : orgs) names->push_back(o.name());
      common::LogWarning("bench targets ready", {{"organizations_sampled", names->size()}});
      owned_ = std::move(names);
      ready_.store(owned_.get(), std::memory_order_release);
      return;
    }
  }

  const ReadModelStore* read_model_;
  std::mutex thread_mu_;  // guards thread_
  std::atomic<bool> started_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<const std::vector<std::string>*> ready_{nullptr};
  std::unique_ptr<std::vector<std::string>> owned_;
  std::thread thread_;
};

std::atomic<Sampler*> active{nullptr};

}  // namespace

void StartBenchTargets(const ReadModelStore* read_model) {
  common::LogWarning(
      "BENCHMARK ONLY: --bench_random_targets is on; GetYearlyPerformance answers a random "
      "organization for \"organizations/~random\". Never enable this in production.",
      {});
  delete active.exchange(new Sampler(read_model));
}

void StopBenchTargets() { delete active.exchange(nullptr); }

const av1::GetYearlyPerformanceRequest* ResolveBenchTarget(
    const av1::GetYearlyPerformanceRequest* request, av1::GetYearlyPerformanceRequest* storage) {
  Sampler* s = active.load(std::memory_order_acquire);
  if (s == nullptr || request->organization() != kRandomOrganization) return request;
  const std::vector<std::string>* names = s->sample();
  if (names == nullptr) {
    s->Trigger();
    return request;
  }
  thread_local std::mt19937_64 rng(std::random_device{}());
  *storage = *request;
  storage->set_organization((*names)[rng() % names->size()]);
  return storage;
}

}  // namespace analytics
