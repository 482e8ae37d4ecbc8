// The commit queue: preconditions (also against earlier mutations of the same group),
// gapless sequences, one write per group, and a failed write failing the whole group
// without consuming sequences.
#include "services/records/storage/commit_queue.h"

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/records_db.h"
#include "services/records/storage/revision.h"
#include "tests/support/process.h"

namespace records {
namespace {

struct Outcome {
  absl::Status status;
  CommitStamp stamp;
};

class CommitQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RecordsDbOptions options;
    options.store.path = dir_.Sub("db");
    options.store.block_cache_bytes = 8 << 20;
    auto db = RecordsDb::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  // A mutation that writes `value` at `key` of "members" with the new revision, plus one
  // change-log entry.
  Mutation Put(std::string key, std::vector<Precondition> pre, std::promise<Outcome>* out,
               int changes = 1) {
    Mutation m;
    m.preconditions = std::move(pre);
    m.change_count = changes;
    rocksdb::ColumnFamilyHandle* members = db_->cf(keys::kMembers);
    rocksdb::ColumnFamilyHandle* log = db_->cf(keys::kChanges);
    m.build = [members, log, key, changes](const CommitStamp& s, rocksdb::WriteBatch* b) {
      b->Put(members, key, EncodeVersioned(s.sequence(changes - 1), "v"));
      for (int i = 0; i < changes; ++i) b->Put(log, keys::SequenceKey(s.sequence(i)), "e");
    };
    m.done = [out](const absl::Status& s, const CommitStamp& stamp) { out->set_value({s, stamp}); };
    return m;
  }

  Precondition Absent(const std::string& key) {
    return Precondition::Absent(db_->cf(keys::kMembers), key);
  }
  Precondition At(const std::string& key, uint64_t revision) {
    return Precondition::AtRevision(db_->cf(keys::kMembers), key, revision);
  }

  Outcome Commit(Mutation m, std::promise<Outcome>* p) {
    auto f = p->get_future();
    db_->commits()->Submit(std::move(m));
    return f.get();
  }

  testing_support::TempDir dir_;
  std::unique_ptr<RecordsDb> db_;
};

TEST_F(CommitQueueTest, SequencesStartAtOneAndAreGapless) {
  std::vector<uint64_t> firsts;
  for (int changes : {1, 3, 1}) {
    std::promise<Outcome> p;
    Outcome o = Commit(
        Put("k" + std::to_string(changes) + std::to_string(firsts.size()), {}, &p, changes), &p);
    ASSERT_TRUE(o.status.ok()) << o.status;
    firsts.push_back(o.stamp.first_sequence);
  }
  EXPECT_EQ(firsts, (std::vector<uint64_t>{1, 2, 5}));
  EXPECT_EQ(db_->commits()->last_sequence(), 5u);
  EXPECT_EQ(db_->commits()->last_audit_sequence(), 3u);
}

TEST_F(CommitQueueTest, AbsentPreconditionRefusesAnExistingKey) {
  std::promise<Outcome> a, b;
  ASSERT_TRUE(Commit(Put("x", {Absent("x")}, &a), &a).status.ok());
  Outcome second = Commit(Put("x", {Absent("x")}, &b), &b);
  EXPECT_EQ(second.status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(db_->commits()->last_sequence(), 1u) << "a failed mutation consumes no sequence";
}

TEST_F(CommitQueueTest, RevisionPreconditionIsCompareAndSet) {
  std::promise<Outcome> a, b, c;
  Outcome created = Commit(Put("x", {Absent("x")}, &a), &a);
  ASSERT_TRUE(created.status.ok());
  const uint64_t rev = created.stamp.first_sequence;
  EXPECT_TRUE(Commit(Put("x", {At("x", rev)}, &b), &b).status.ok());
  EXPECT_EQ(Commit(Put("x", {At("x", rev)}, &c), &c).status.code(), absl::StatusCode::kAborted)
      << "the revision moved on";
}

TEST_F(CommitQueueTest, PreconditionsSeeEarlierMutationsOfTheSameGroup) {
  // Hold the writer inside the first group's callback (its group written and counted) so the
  // next two queue up together.
  absl::Notification entered, release;
  std::promise<Outcome> first, a, b;
  Mutation blocker = Put("blocker", {}, &first);
  auto done = blocker.done;
  blocker.done = [&entered, &release, done](const absl::Status& s, const CommitStamp& st) {
    entered.Notify();
    release.WaitForNotification();
    done(s, st);
  };
  auto first_f = first.get_future();
  db_->commits()->Submit(std::move(blocker));
  entered.WaitForNotification();
  auto fa = a.get_future();
  auto fb = b.get_future();
  db_->commits()->Submit(Put("same", {Absent("same")}, &a));
  db_->commits()->Submit(Put("same", {Absent("same")}, &b));
  const uint64_t groups_before = db_->commits()->groups_written();
  release.Notify();
  ASSERT_TRUE(first_f.get().status.ok());
  Outcome oa = fa.get(), ob = fb.get();
  EXPECT_TRUE(oa.status.ok()) << oa.status;
  EXPECT_EQ(ob.status.code(), absl::StatusCode::kAborted) << "the first in the group won";
  EXPECT_EQ(db_->commits()->groups_written(), groups_before + 1) << "one write for both";
  EXPECT_EQ(oa.stamp.first_sequence, 2u);
}

TEST_F(CommitQueueTest, ManyConcurrentSubmittersShareWrites) {
  constexpr int kCount = 200;
  std::vector<std::promise<Outcome>> promises(kCount);
  std::vector<std::future<Outcome>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  for (int i = 0; i < kCount; ++i) {
    db_->commits()->Submit(Put("m" + std::to_string(i), {}, &promises[i]));
  }
  std::vector<bool> seen(kCount + 1, false);
  for (auto& f : futures) {
    Outcome o = f.get();
    ASSERT_TRUE(o.status.ok());
    ASSERT_LE(o.stamp.first_sequence, static_cast<uint64_t>(kCount));
    EXPECT_FALSE(seen[o.stamp.first_sequence]) << "sequence handed out twice";
    seen[o.stamp.first_sequence] = true;
  }
  EXPECT_EQ(db_->commits()->last_sequence(), static_cast<uint64_t>(kCount));
  EXPECT_LT(db_->commits()->groups_written(), static_cast<uint64_t>(kCount));
}

TEST_F(CommitQueueTest, CountersSurviveReopen) {
  std::promise<Outcome> a;
  ASSERT_TRUE(Commit(Put("x", {}, &a, 2), &a).status.ok());
  const std::string log_id = db_->log_id();
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  RecordsDbOptions options;
  options.store.path = dir_.Sub("db");
  auto db = RecordsDb::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = std::move(*db);
  EXPECT_EQ(db_->commits()->last_sequence(), 2u);
  EXPECT_EQ(db_->log_id(), log_id);
  std::promise<Outcome> b;
  EXPECT_EQ(Commit(Put("y", {}, &b), &b).stamp.first_sequence, 3u);
}

TEST(CommitQueueFailureTest, AFailedWriteFailsTheGroupAndConsumesNoSequence) {
  testing_support::TempDir dir;
  common::StoreOptions options;
  options.path = dir.Sub("db");
  options.column_families = {keys::kMembers, keys::kMeta};
  auto store = common::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  CommitQueue::Options q;
  q.store = store->get();
  q.meta = (*store)->cf(keys::kMeta);
  q.last_sequence = 9;
  q.write = [](rocksdb::WriteBatch*) { return absl::UnavailableError("disk on fire"); };
  CommitQueue queue(q);
  std::promise<absl::Status> a, b;
  auto fa = a.get_future(), fb = b.get_future();
  for (auto* p : {&a, &b}) {
    Mutation m;
    m.build = [](const CommitStamp& s, rocksdb::WriteBatch* batch) {
      batch->Put(keys::SequenceKey(s.first_sequence), "x");
    };
    m.done = [p](const absl::Status& s, const CommitStamp&) { p->set_value(s); };
    queue.Submit(std::move(m));
  }
  EXPECT_EQ(fa.get().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(fb.get().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(queue.last_sequence(), 9u);
  queue.Stop();
  std::promise<absl::Status> late;
  Mutation m;
  m.done = [&late](const absl::Status& s, const CommitStamp&) { late.set_value(s); };
  queue.Submit(std::move(m));
  EXPECT_EQ(late.get_future().get().code(), absl::StatusCode::kUnavailable);
}

TEST(RecordsDbIdentityTest, RefusesAnotherServicesDirectory) {
  testing_support::TempDir dir;
  {
    common::StoreOptions options;
    options.path = dir.Sub("db");
    options.column_families = {keys::kMeta};
    auto store = common::Store::Open(options);
    ASSERT_TRUE(store.ok());
    rocksdb::WriteBatch batch;
    batch.Put((*store)->cf(keys::kMeta), keys::kMetaIdentity, "analytics");
    ASSERT_TRUE((*store)->Write(&batch).ok());
  }
  RecordsDbOptions options;
  options.store.path = dir.Sub("db");
  auto db = RecordsDb::Open(options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(db.status().message().find("analytics"), absl::string_view::npos);
}

TEST(RecordsDbIdentityTest, RefusesANewerSchema) {
  testing_support::TempDir dir;
  {
    RecordsDbOptions options;
    options.store.path = dir.Sub("db");
    auto db = RecordsDb::Open(options);
    ASSERT_TRUE(db.ok());
    rocksdb::WriteBatch batch;
    batch.Put((*db)->cf(keys::kMeta), keys::kMetaSchema, std::to_string(kSchemaVersion + 1));
    ASSERT_TRUE((*db)->store()->Write(&batch).ok());
  }
  RecordsDbOptions options;
  options.store.path = dir.Sub("db");
  auto db = RecordsDb::Open(options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(db.status().message().find(absl::StrCat("schema ", kSchemaVersion + 1)),
            absl::string_view::npos)
      << db.status().message();
}

}  // namespace
}  // namespace records
