#include "services/records/storage/retention.h"

#include <future>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "dangbo/records/v1/change.pb.h"
#include "services/records/storage/keys.h"

namespace records {

Trimmer::Trimmer(RecordsDb* db, RetentionOptions options) : db_(db), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

Trimmer::~Trimmer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

void Trimmer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.interval));
    if (stopping_) break;
    lock.unlock();
    if (absl::Status s = TrimNow(absl::Now()); !s.ok()) {
      common::LogWarning("trimming failed", {{"error", s.ToString()}});
    }
    lock.lock();
  }
}

absl::StatusOr<uint64_t> Trimmer::FirstToKeep(absl::Time now) const {
  const uint64_t first = db_->first_retained_sequence();
  const uint64_t head = db_->commits()->last_sequence();
  uint64_t keep = first;
  if (options_.change_log_max_events > 0 &&
      head > static_cast<uint64_t>(options_.change_log_max_events)) {
    keep = std::max(keep, head - static_cast<uint64_t>(options_.change_log_max_events) + 1);
  }
  const absl::Time cutoff = now - options_.change_log_retention;
  std::unique_ptr<rocksdb::Iterator> it = db_->store()->NewIterator(db_->cf(keys::kChanges));
  for (it->Seek(keys::SequenceKey(keep)); it->Valid(); it->Next()) {
    dangbo::records::v1::ChangeEvent event;
    uint64_t sequence = 0;
    if (!keys::ParseSequenceKey(absl::string_view(it->key().data(), it->key().size()), &sequence) ||
        !event.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a change-log entry is corrupt");
    }
    const absl::Time commit = absl::FromUnixSeconds(event.commit_time().seconds()) +
                              absl::Nanoseconds(event.commit_time().nanos());
    if (commit >= cutoff) break;
    keep = sequence + 1;
  }
  if (!it->status().ok()) return common::FromRocksDb(it->status(), "scan the change log");
  return keep;
}

absl::Status Trimmer::TrimNow(absl::Time now) {
  ASSIGN_OR_RETURN(const uint64_t keep, FirstToKeep(now));
  const uint64_t first = db_->first_retained_sequence();
  // Expired request_id records.
  std::vector<std::string> expired;
  {
    const int64_t cutoff = absl::ToUnixMicros(now - options_.request_id_retention);
    std::unique_ptr<rocksdb::Iterator> it = db_->store()->NewIterator(db_->cf(keys::kRequests));
    for (it->Seek(keys::RequestTimePrefix()); it->Valid() && expired.size() < 10000; it->Next()) {
      int64_t micros = 0;
      std::string id;
      if (!keys::ParseRequestTimeKey(absl::string_view(it->key().data(), it->key().size()), &micros,
                                     &id) ||
          micros >= cutoff) {
        break;
      }
      expired.push_back(it->key().ToString());
      expired.push_back(keys::RequestKey(id));
    }
    RETURN_IF_ERROR(common::FromRocksDb(it->status(), "scan remembered requests"));
  }
  if (keep <= first && expired.empty()) return absl::OkStatus();

  std::promise<absl::Status> committed;
  Mutation m;
  m.change_count = 0;
  m.audited = false;
  RecordsDb* db = db_;
  m.build = [db, keep, first, expired](const CommitStamp&, rocksdb::WriteBatch* batch) {
    if (keep > first) {
      batch->DeleteRange(db->cf(keys::kChanges), keys::SequenceKey(first), keys::SequenceKey(keep));
      std::string value;
      keys::AppendUint64(&value, keep);
      batch->Put(db->cf(keys::kMeta), keys::kMetaFirstRetained, value);
    }
    for (const std::string& key : expired) batch->Delete(db->cf(keys::kRequests), key);
  };
  m.done = [&committed](const absl::Status& s, const CommitStamp&) { committed.set_value(s); };
  std::future<absl::Status> result = committed.get_future();
  db_->commits()->Submit(std::move(m));
  RETURN_IF_ERROR(result.get());
  if (keep > first) {
    common::LogInfo("change log trimmed", {{"first_retained_sequence", keep}});
  }
  return absl::OkStatus();
}

}  // namespace records
