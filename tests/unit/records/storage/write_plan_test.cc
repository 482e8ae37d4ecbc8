// CommitPlans, the bulk path: several plans commit as one mutation with one change event and
// one audit entry each, in order, embedding the resource as stored; all or nothing when a
// guard fails or two plans write the same key.
#include "services/records/storage/write_plan.h"

#include <future>
#include <string>
#include <vector>

#include "dangbo/records/v1/member.pb.h"
#include "gtest/gtest.h"
#include "services/records/storage/logs.h"
#include "services/records/storage/resource_store.h"
#include "tests/support/process.h"

namespace records {
namespace {

namespace v1 = ::dangbo::records::v1;

class CommitPlansTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RecordsDbOptions options;
    options.store.path = dir_.Sub("db");
    options.store.sync_writes = false;
    options.store.block_cache_bytes = int64_t{8} << 20;
    auto db = RecordsDb::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  static WritePlan NewMember(const std::string& id, const std::string& national_id) {
    v1::Member m;
    m.set_name("organizations/hq/members/" + id);
    m.set_full_name("Nguyễn Văn " + id);
    m.set_national_id(national_id);
    WritePlan plan;
    plan.changes.push_back(MemberChange("hq", id, 0, nullptr, m));
    plan.summary = "create " + id;
    return plan;
  }

  absl::Status Commit(std::vector<WritePlan> plans) {
    std::promise<absl::Status> done;
    CommitPlans(db_.get(), {"ImportMembers", "user:test", ""}, std::move(plans),
                [&done](const absl::Status& status) { done.set_value(status); });
    return done.get_future().get();
  }

  testing_support::TempDir dir_;
  std::unique_ptr<RecordsDb> db_;
};

TEST_F(CommitPlansTest, EachPlanGetsItsChangeEventsAndAuditEntryInOrder) {
  std::vector<WritePlan> plans;
  plans.push_back(NewMember("a", "001000000001"));
  plans.push_back(NewMember("b", "001000000002"));
  plans.push_back(NewMember("c", "001000000003"));
  ASSERT_TRUE(Commit(std::move(plans)).ok());

  const std::vector<std::string> ids = {"a", "b", "c"};
  std::vector<v1::ChangeEvent> events;
  ASSERT_TRUE(ScanChangeLog(*db_, 1, [&events](uint64_t, absl::string_view bytes) {
                v1::ChangeEvent e;
                EXPECT_TRUE(e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
                events.push_back(e);
                return true;
              }).ok());
  ASSERT_EQ(events.size(), 3u);
  auto snapshot = TakeSnapshot(*db_);
  auto audit = AuditLogReader::Open(*db_, snapshot.get());
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->size(), 3);
  for (int i = 0; i < 3; ++i) {
    const uint64_t sequence = static_cast<uint64_t>(i + 1);
    auto stored = ReadMember(*db_, "hq", ids[i], snapshot.get());
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->revision, sequence);
    // The change event and the audit entry hold the member exactly as stored.
    EXPECT_EQ(events[i].sequence(), sequence);
    EXPECT_EQ(events[i].change_kind(), v1::ChangeEvent::CREATED);
    EXPECT_EQ(events[i].member().SerializeAsString(), stored->value.SerializeAsString());
    EXPECT_FALSE(stored->value.etag().empty());
    auto entry = audit->Read(sequence);
    ASSERT_TRUE(entry.ok()) << entry.status();
    EXPECT_EQ(entry->resource_name(), "organizations/hq/members/" + ids[i]);
    EXPECT_EQ(entry->summary(), "create " + ids[i]);
    EXPECT_EQ(entry->change_sequence(), sequence);
    EXPECT_EQ(entry->change_count(), 1);
    EXPECT_EQ(entry->after_etag(), stored->value.etag());
    EXPECT_EQ(entry->after().member().SerializeAsString(), stored->value.SerializeAsString());
  }
}

TEST_F(CommitPlansTest, TwoPlansClaimingOneValueCommitNothing) {
  std::vector<WritePlan> plans;
  plans.push_back(NewMember("a", "001000000001"));
  plans.push_back(NewMember("b", "001000000001"));  // the same national ID
  absl::Status status = Commit(std::move(plans));
  EXPECT_TRUE(absl::IsAborted(status)) << status;
  plans.clear();
  plans.push_back(NewMember("a", "001000000001"));
  plans.push_back(NewMember("a", "001000000002"));  // the same member
  status = Commit(std::move(plans));
  EXPECT_TRUE(absl::IsAborted(status)) << status;
  EXPECT_EQ(db_->commits()->last_sequence(), 0u);
  EXPECT_EQ(db_->commits()->last_audit_sequence(), 0u);
}

TEST_F(CommitPlansTest, AFailedPreconditionOfOnePlanCommitsNoneOfThem) {
  std::vector<WritePlan> plans;
  plans.push_back(NewMember("a", "001000000001"));
  ASSERT_TRUE(Commit(std::move(plans)).ok());

  plans.clear();
  plans.push_back(NewMember("b", "001000000002"));
  plans.push_back(NewMember("a", "001000000003"));  // exists already
  absl::Status status = Commit(std::move(plans));
  EXPECT_TRUE(absl::IsAborted(status)) << status;
  plans.clear();
  plans.push_back(NewMember("c", "001000000004"));
  plans.push_back(NewMember("d", "001000000005"));
  plans.back().preconditions.push_back(MemberGuard(*db_, "hq", "a", 7));  // a is at 1
  status = Commit(std::move(plans));
  EXPECT_TRUE(absl::IsAborted(status)) << status;

  EXPECT_EQ(db_->commits()->last_sequence(), 1u);
  EXPECT_EQ(db_->commits()->last_audit_sequence(), 1u);
  auto snapshot = TakeSnapshot(*db_);
  for (const char* id : {"b", "c", "d"}) {
    EXPECT_TRUE(absl::IsNotFound(ReadMember(*db_, "hq", id, snapshot.get()).status())) << id;
  }
}

}  // namespace
}  // namespace records
