// Idempotency records: a retry finds the first response; a different request under the same
// request_id is INVALID_ARGUMENT (REQUEST_ID_REUSED); records expire after the window.
#include "services/records/storage/request_records.h"

#include <future>

#include "common/errors.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "gtest/gtest.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/retention.h"
#include "tests/support/process.h"

namespace records {
namespace {

using dangbo::records::v1::CreateOrganizationRequest;

class RequestRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RecordsDbOptions options;
    options.store.path = dir_.Sub("db");
    auto db = RecordsDb::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  void Store(const std::string& id, const RequestRecord& record) {
    std::promise<absl::Status> done;
    Mutation m;
    m.change_count = 0;
    m.audited = false;
    RecordsDb* db = db_.get();
    m.build = [db, id, record](const CommitStamp&, rocksdb::WriteBatch* b) {
      PutRequestRecord(b, *db, id, record);
    };
    m.done = [&done](const absl::Status& s, const CommitStamp&) { done.set_value(s); };
    auto f = done.get_future();
    db_->commits()->Submit(std::move(m));
    ASSERT_TRUE(f.get().ok());
  }

  testing_support::TempDir dir_;
  std::unique_ptr<RecordsDb> db_;
};

TEST_F(RequestRecordsTest, EncodingRoundTrips) {
  RequestRecord r{"CreateCell", "abc", std::string("resp\0onse", 9), absl::FromUnixSeconds(5)};
  RequestRecord back;
  ASSERT_TRUE(DecodeRequestRecord(EncodeRequestRecord(r), &back));
  EXPECT_EQ(back.method, r.method);
  EXPECT_EQ(back.request_hash, r.request_hash);
  EXPECT_EQ(back.response, r.response);
  EXPECT_EQ(back.time, r.time);
}

TEST_F(RequestRecordsTest, HashIsStableAndDistinguishesRequests) {
  CreateOrganizationRequest a;
  a.set_organization_id("hq");
  a.set_request_id("r1");
  CreateOrganizationRequest b = a;
  EXPECT_EQ(RequestHash(a), RequestHash(b));
  b.mutable_organization()->set_code("X");
  EXPECT_NE(RequestHash(a), RequestHash(b));
}

TEST_F(RequestRecordsTest, RetryReturnsTheStoredResponseAndReuseIsRejected) {
  CreateOrganizationRequest request;
  request.set_organization_id("hq");
  const std::string hash = RequestHash(request);
  auto none = CheckRequestId(*db_, "r1", "CreateOrganization", hash);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  Store("r1", {"CreateOrganization", hash, "first-response", absl::Now()});

  auto again = CheckRequestId(*db_, "r1", "CreateOrganization", hash);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ(**again, "first-response");

  request.set_organization_id("other");
  auto reused = CheckRequestId(*db_, "r1", "CreateOrganization", RequestHash(request));
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(common::ErrorReason(reused.status()), "REQUEST_ID_REUSED");
  auto other_method = CheckRequestId(*db_, "r1", "CreateCell", hash);
  EXPECT_EQ(other_method.status().code(), absl::StatusCode::kInvalidArgument);
  auto no_id = CheckRequestId(*db_, "", "CreateOrganization", hash);
  ASSERT_TRUE(no_id.ok());
  EXPECT_FALSE(no_id->has_value());
}

TEST_F(RequestRecordsTest, RecordsExpireAfterTheRetentionWindow) {
  const absl::Time now = absl::Now();
  Store("old", {"M", "h", "x", now - absl::Hours(25)});
  Store("new", {"M", "h", "y", now - absl::Hours(1)});
  RetentionOptions options;
  options.interval = absl::Hours(1);
  Trimmer trimmer(db_.get(), options);
  ASSERT_TRUE(trimmer.TrimNow(now).ok());
  auto old_record = FindRequestRecord(*db_, "old");
  ASSERT_TRUE(old_record.ok());
  EXPECT_FALSE(old_record->has_value());
  auto new_record = FindRequestRecord(*db_, "new");
  ASSERT_TRUE(new_record.ok());
  EXPECT_TRUE(new_record->has_value());
}

}  // namespace
}  // namespace records
