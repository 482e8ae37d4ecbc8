#include "services/records/storage/commit_queue.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/logging.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/revision.h"

namespace records {
namespace {

using OverlayKey = std::pair<uint32_t, std::string>;

// One write of a group, kept until the group is complete.
struct GroupEntry {
  enum class Kind { kPut, kDelete, kDeleteRange };
  // Range deletes order the entries around them: entries are sorted within a segment only.
  int segment = 0;
  uint32_t cf = 0;
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // kPut: the value; kDeleteRange: the end key
};

// What the earlier mutations of a group wrote: the index of the last entry of each key (a
// put, or a delete).
using Overlay = std::map<OverlayKey, size_t>;

// Collects a mutation's batch into the group's entries and records what it wrote.
class Replay : public rocksdb::WriteBatch::Handler {
 public:
  Replay(std::vector<GroupEntry>* entries, Overlay* overlay, int* segment)
      : entries_(entries), overlay_(overlay), segment_(segment) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    Add(cf, GroupEntry::Kind::kPut, key, value);
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    Add(cf, GroupEntry::Kind::kDelete, key, rocksdb::Slice());
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice& begin,
                                const rocksdb::Slice& end) override {
    // Range deletes are for log trimming, which no precondition names.
    ++*segment_;
    entries_->push_back(
        {*segment_, cf, GroupEntry::Kind::kDeleteRange, begin.ToString(), end.ToString()});
    ++*segment_;
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::NotSupported("records writes no merge operands");
  }

 private:
  void Add(uint32_t cf, GroupEntry::Kind kind, const rocksdb::Slice& key,
           const rocksdb::Slice& value) {
    entries_->push_back({*segment_, cf, kind, key.ToString(), value.ToString()});
    (*overlay_)[{cf, entries_->back().key}] = entries_->size() - 1;
  }

  std::vector<GroupEntry>* entries_;
  Overlay* overlay_;
  int* segment_;
};

// Writes the group's entries into `batch` sorted by column family and key (keeping the
// order of writes to the same key, and never moving an entry across a range delete): the
// memtable's skip list inserts keys that arrive in order far faster than scattered ones.
void WriteSorted(std::vector<GroupEntry>* entries,
                 const std::map<uint32_t, rocksdb::ColumnFamilyHandle*>& handles,
                 rocksdb::WriteBatch* batch) {
  std::vector<size_t> order(entries->size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [entries](size_t a, size_t b) {
    const GroupEntry& x = (*entries)[a];
    const GroupEntry& y = (*entries)[b];
    if (x.segment != y.segment) return x.segment < y.segment;
    if (x.cf != y.cf) return x.cf < y.cf;
    return x.key < y.key;
  });
  for (size_t i : order) {
    const GroupEntry& e = (*entries)[i];
    rocksdb::ColumnFamilyHandle* cf = handles.at(e.cf);
    switch (e.kind) {
      case GroupEntry::Kind::kPut:
        batch->Put(cf, e.key, e.value);
        break;
      case GroupEntry::Kind::kDelete:
        batch->Delete(cf, e.key);
        break;
      case GroupEntry::Kind::kDeleteRange:
        batch->DeleteRange(cf, e.key, e.value);
        break;
    }
  }
}

absl::Status Aborted(const Precondition& p) {
  return common::WithReason(
      absl::AbortedError("the resource changed concurrently; read it again and retry"),
      "CONCURRENT_MODIFICATION");
}

}  // namespace

CommitQueue::CommitQueue(Options options)
    : options_(options),
      last_sequence_(options.last_sequence),
      last_audit_sequence_(options.last_audit_sequence),
      last_commit_micros_(options.last_commit_time == absl::InfinitePast()
                              ? 0
                              : absl::ToUnixMicros(options.last_commit_time)) {
  for (const std::string& name : options_.store->ColumnFamilyNames()) {
    rocksdb::ColumnFamilyHandle* h = options_.store->cf(name);
    handles_by_id_[h->GetID()] = h;
  }
  writer_ = std::thread([this] { Run(); });
}

CommitQueue::~CommitQueue() { Stop(); }

void CommitQueue::SetCommitListener(std::function<void(uint64_t)> listener) {
  listener_ = std::move(listener);
}

absl::Time CommitQueue::last_commit_time() const {
  const int64_t micros = last_commit_micros_.load();
  return micros == 0 ? absl::InfinitePast() : absl::FromUnixMicros(micros);
}

void CommitQueue::Submit(Mutation mutation) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(mutation));
      cv_.notify_one();
      return;
    }
  }
  if (mutation.done) {
    mutation.done(absl::UnavailableError("the server is shutting down"), CommitStamp{});
  }
}

void CommitQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
    cv_.notify_one();
  }
  if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) {
    writer_.join();
  }
}

void CommitQueue::Run() {
  std::vector<Mutation> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && group.size() < options_.max_group) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup(&group);
    group.clear();
  }
}

void CommitQueue::CommitGroup(std::vector<Mutation>* group) {
  common::Store* store = options_.store;
  std::vector<GroupEntry> entries;
  Overlay overlay;
  int segment = 0;
  std::vector<absl::Status> results(group->size());
  std::vector<CommitStamp> stamps(group->size());
  uint64_t next_sequence = last_sequence_.load() + 1;
  uint64_t next_audit = last_audit_sequence_.load() + 1;
  const absl::Time now = absl::Now();
  // Commit times never go backwards, even if the wall clock does.
  const int64_t last_micros = last_commit_micros_.load();
  const absl::Time commit_time =
      absl::ToUnixMicros(now) <= last_micros ? absl::FromUnixMicros(last_micros + 1) : now;
  int committed = 0;

  for (size_t i = 0; i < group->size(); ++i) {
    Mutation& m = (*group)[i];
    absl::Status status;
    for (const Precondition& p : m.preconditions) {
      std::optional<std::string> current;
      auto it = overlay.find({p.cf->GetID(), p.key});
      if (it != overlay.end()) {
        const GroupEntry& e = entries[it->second];
        if (e.kind == GroupEntry::Kind::kPut) current = e.value;
      } else {
        absl::StatusOr<std::string> value = store->Get(p.cf, p.key);
        if (value.ok()) {
          current = *std::move(value);
        } else if (!absl::IsNotFound(value.status())) {
          status = value.status();
          break;
        }
      }
      bool holds = false;
      if (p.kind == Precondition::Kind::kAbsent) {
        holds = !current.has_value();
      } else if (current.has_value()) {
        uint64_t revision = 0;
        absl::string_view payload;
        holds = DecodeVersioned(*current, &revision, &payload) && revision == p.revision;
      }
      if (!holds) {
        status = Aborted(p);
        break;
      }
    }
    if (!status.ok()) {
      results[i] = status;
      continue;
    }
    CommitStamp& stamp = stamps[i];
    stamp.commit_time = commit_time;
    stamp.change_count = m.change_count;
    if (m.change_count > 0) {
      stamp.first_sequence = next_sequence;
      next_sequence += static_cast<uint64_t>(m.change_count);
    }
    stamp.audit_count = m.audited ? m.audit_count : 0;
    if (stamp.audit_count > 0) {
      stamp.audit_sequence = next_audit;
      next_audit += static_cast<uint64_t>(stamp.audit_count);
    }
    rocksdb::WriteBatch own;
    if (m.build) m.build(stamp, &own);
    Replay replay(&entries, &overlay, &segment);
    rocksdb::Status replayed = own.Iterate(&replay);
    if (!replayed.ok()) {
      // A programming error in a build function; fail the whole group to keep the
      // sequences gapless.
      results[i] = common::FromRocksDb(replayed, "build a mutation");
      for (size_t j = 0; j < group->size(); ++j) {
        if (results[j].ok()) results[j] = results[i];
      }
      committed = 0;
      break;
    }
    ++committed;
  }

  if (committed > 0) {
    rocksdb::WriteBatch batch;
    WriteSorted(&entries, handles_by_id_, &batch);
    std::string value;
    keys::AppendUint64(&value, next_sequence - 1);
    batch.Put(options_.meta, keys::kMetaLastSequence, value);
    value.clear();
    keys::AppendUint64(&value, next_audit - 1);
    batch.Put(options_.meta, keys::kMetaLastAuditSequence, value);
    value.clear();
    keys::AppendUint64(&value, static_cast<uint64_t>(absl::ToUnixMicros(commit_time)));
    batch.Put(options_.meta, keys::kMetaLastCommitTime, value);
    absl::Status written = options_.write ? options_.write(&batch) : store->Write(&batch);
    if (written.ok()) {
      last_sequence_.store(next_sequence - 1);
      last_audit_sequence_.store(next_audit - 1);
      last_commit_micros_.store(absl::ToUnixMicros(commit_time));
      groups_written_.fetch_add(1);
    } else {
      common::LogError("commit failed", {{"error", written.ToString()},
                                         {"mutations", static_cast<int64_t>(committed)}});
      for (absl::Status& r : results) {
        if (r.ok()) r = written;
      }
    }
  }

  for (size_t i = 0; i < group->size(); ++i) {
    Mutation& m = (*group)[i];
    if (m.done) m.done(results[i], results[i].ok() ? stamps[i] : CommitStamp{});
  }
  if (committed > 0 && listener_) listener_(last_sequence_.load());
}

}  // namespace records
