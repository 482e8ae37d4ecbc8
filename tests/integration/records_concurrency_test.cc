// Concurrency and idempotency through the real server: concurrent updates with one etag (one
// wins), retried creates with one request_id (one write), and pages that stay consistent while
// inserts happen.
#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

class RecordsConcurrencyTest : public RecordsFixture {
 protected:
  uint64_t Head() {
    v1::GetChangeLogStateResponse state;
    EXPECT_TRUE(
        stub_->GetChangeLogState(Context().get(), v1::GetChangeLogStateRequest(), &state).ok());
    return state.last_sequence();
  }
};

TEST_F(RecordsConcurrencyTest, ConcurrentUpdatesWithTheSameEtagExactlyOneWins) {
  CreateOrganization();
  v1::GetOrganizationRequest get;
  get.set_name("organizations/hq");
  v1::Organization org;
  ASSERT_TRUE(stub_->GetOrganization(Context().get(), get, &org).ok());
  constexpr int kWriters = 8;
  std::atomic<int> ok{0}, aborted{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      v1::UpdateOrganizationRequest req;
      req.mutable_organization()->set_name("organizations/hq");
      req.mutable_organization()->set_etag(org.etag());
      req.mutable_organization()->set_display_name(absl::StrCat("Đảng bộ số ", i));
      req.mutable_update_mask()->add_paths("display_name");
      v1::Organization out;
      grpc::Status s = stub_->UpdateOrganization(Context().get(), req, &out);
      if (s.ok()) {
        ++ok;
      } else if (s.error_code() == grpc::StatusCode::ABORTED) {
        ++aborted;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), kWriters - 1);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(RecordsConcurrencyTest, ConcurrentUpdatesWithoutAnEtagAllApply) {
  CreateOrganization();
  const uint64_t before = Head();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      v1::UpdateOrganizationRequest req;
      req.mutable_organization()->set_name("organizations/hq");
      req.mutable_organization()->set_region(absl::StrCat("Vùng ", i));
      req.mutable_update_mask()->add_paths("region");
      v1::Organization out;
      if (stub_->UpdateOrganization(Context().get(), req, &out).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  // Each lost race means another writer committed, so 6 writers need at most 6 of the
  // server's 8 attempts.
  EXPECT_EQ(ok.load(), 6) << "without an etag, a lost race is retried by the server";
  EXPECT_EQ(Head(), before + 6);
}

TEST_F(RecordsConcurrencyTest, ARetriedCreateWithTheSameRequestIdWritesOnce) {
  CreateOrganization();
  v1::CreateCellRequest req;
  req.set_parent("organizations/hq");
  req.set_cell_id("van-phong");
  req.set_request_id("7f1c2e9a-3b4d-4e5f-8a6b-1c2d3e4f5a6b");
  req.mutable_cell()->set_display_name("Chi bộ Văn phòng");
  *req.mutable_cell()->mutable_established_date() = Day(2015, 3, 1);
  const uint64_t before = Head();
  std::vector<std::thread> threads;
  std::vector<v1::Cell> results(4);
  std::vector<grpc::Status> statuses(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back(
        [&, i] { statuses[i] = stub_->CreateCell(Context().get(), req, &results[i]); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(results[i].etag(), results[0].etag()) << "every retry returns the first response";
  }
  v1::Cell again;
  ASSERT_TRUE(stub_->CreateCell(Context().get(), req, &again).ok());
  EXPECT_EQ(again.etag(), results[0].etag());
  EXPECT_EQ(Head(), before + 1) << "written once";

  req.mutable_cell()->set_display_name("Chi bộ khác");
  grpc::Status s = stub_->CreateCell(Context().get(), req, &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(s), "REQUEST_ID_REUSED");
}

TEST_F(RecordsConcurrencyTest, AListPagedWhileInsertsHappenReturnsEveryPreExistingMemberOnce) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  const std::vector<std::string> given = {"An",  "Bình", "Cường", "Dũng", "Hà",  "Khoa",
                                          "Lan", "Minh", "Nam",   "Phúc", "Sơn", "Vy"};
  std::set<std::string> existing;
  for (int i = 0; i < 48; ++i) {
    existing.insert(Admit(i + 1, "a", absl::StrCat("Nguyễn Văn ", given[i % 12])).name());
  }
  std::map<std::string, int> seen;
  std::string token;
  int inserted = 0;
  do {
    v1::ListMembersRequest req;
    req.set_parent("organizations/hq");
    req.set_page_size(7);
    req.set_page_token(token);
    v1::ListMembersResponse resp;
    grpc::Status s = stub_->ListMembers(Context().get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const auto& m : resp.members()) ++seen[m.name()];
    token = resp.next_page_token();
    // Insert members that sort before, among and after the ones already listed.
    for (int k = 0; k < 3; ++k, ++inserted) {
      Admit(1000 + inserted, "a", absl::StrCat("Trần Thị ", given[(inserted * 5) % 12]));
    }
  } while (!token.empty());
  for (const std::string& name : existing) {
    EXPECT_EQ(seen[name], 1) << name << " must be listed exactly once";
  }
  for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name << " listed twice";
}

}  // namespace
}  // namespace records::testing
