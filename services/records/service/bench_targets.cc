#include "services/records/service/bench_targets.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "services/records/domain/names.h"
#include "services/records/storage/keys.h"

namespace records {
namespace {

struct Sample {
  std::vector<std::string> members;  // resource names
  std::vector<std::string> cells;    // resource names
};

// A bounded uniform sample of the (organization, id) keys of one column family.
std::vector<std::string> SampleKeys(const RecordsDb& db, const char* cf, bool members,
                                    const std::atomic<bool>& stop, std::mt19937_64* rng) {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(cf));
  uint64_t seen = 0;
  for (it->SeekToFirst(); it->Valid() && !stop.load(std::memory_order_relaxed); it->Next()) {
    absl::string_view key(it->key().data(), it->key().size());
    std::string org, id;
    if (!keys::ConsumeString(&key, &org) || !keys::ConsumeString(&key, &id) || !key.empty()) {
      continue;
    }
    ++seen;
    size_t slot = out.size();
    if (out.size() >= kSampleSize) {
      slot = static_cast<size_t>((*rng)() % seen);
      if (slot >= kSampleSize) continue;
    } else {
      out.emplace_back();
    }
    out[slot] = members ? domain::MemberNameOf(org, id) : domain::CellNameOf(org, id);
  }
  return out;
}

// Samples once, in its own thread, from the first Trigger() on (after the dataset is loaded:
// the load itself is not slowed down by scans).
class Sampler {
 public:
  explicit Sampler(RecordsDb* db) : db_(db) {}
  ~Sampler() {
    stop_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) thread_.join();
  }
  void Trigger() {
    if (started_.exchange(true)) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) thread_.join();  // an earlier attempt (empty database) has ended
    thread_ = std::thread([this] { Run(); });
  }
  const Sample* sample() const { return ready_.load(std::memory_order_acquire); }

 private:
  void Run() {
    std::mt19937_64 rng(20260701);
    auto s = std::make_unique<Sample>();
    s->members = SampleKeys(*db_, keys::kMembers, true, stop_, &rng);
    s->cells = SampleKeys(*db_, keys::kCells, false, stop_, &rng);
    if (stop_) return;
    common::LogWarning("bench targets ready", {{"members_sampled", s->members.size()},
                                               {"cells_sampled", s->cells.size()}});
    if (s->members.empty() || s->cells.empty()) {
      started_ = false;  // nothing to sample yet: the next "~random" request tries again
      return;
    }
    owned_ = std::move(s);
    ready_.store(owned_.get(), std::memory_order_release);
  }

  RecordsDb* db_;
  std::mutex mu_;  // guards thread_
  std::atomic<bool> started_{false};
  std::atomic<bool> stop_{false};
  std::atomic<const Sample*> ready_{nullptr};
  std::unique_ptr<Sample> owned_;
  std::thread thread_;
};

std::atomic<Sampler*> active{nullptr};

const std::string& Pick(const std::vector<std::string>& from) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return from[rng() % from.size()];
}

// The sample, or nullptr (then sampling starts, when it has not).
const Sample* ReadySample() {
  Sampler* s = active.load(std::memory_order_acquire);
  if (s == nullptr) return nullptr;
  const Sample* sample = s->sample();
  if (sample == nullptr) s->Trigger();
  return sample;
}

}  // namespace

void StartBenchTargets(RecordsDb* db) {
  common::LogWarning(
      "BENCHMARK ONLY: --bench_random_targets is on; GetMember/ListMembers answer random "
      "records for \"~random\" names. Never enable this in production.",
      {});
  delete active.exchange(new Sampler(db));
}

void StopBenchTargets() { delete active.exchange(nullptr); }

const v1::GetMemberRequest* ResolveBenchTarget(const v1::GetMemberRequest* request,
                                               v1::GetMemberRequest* storage) {
  if (request->name() != kRandomMemberName) return request;
  const Sample* s = ReadySample();
  if (s == nullptr) return request;
  *storage = *request;
  storage->set_name(Pick(s->members));
  return storage;
}

const v1::ListMembersRequest* ResolveBenchTarget(const v1::ListMembersRequest* request,
                                                 v1::ListMembersRequest* storage) {
  if (request->parent() != kRandomParent) return request;
  const Sample* s = ReadySample();
  if (s == nullptr) return request;
  const std::string& cell = Pick(s->cells);
  *storage = *request;
  storage->set_parent(cell.substr(0, cell.find("/cells/")));
  storage->set_filter(absl::StrCat("cell = \"", cell, "\""));
  return storage;
}

}  // namespace records
