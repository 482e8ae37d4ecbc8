// records' bench-only random targets (services/records/service/bench_targets.h): with
// --bench_random_targets, "~random" names reach random existing members and cells; without
// it they are invalid names like any other.
#include <set>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "services/records/service/bench_targets.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

class BenchTargetsTest : public RecordsFixture {
 protected:
  void SetUp() override {}  // each test starts its server, with or without the option

  void Start(bool bench_random_targets) {
    common::SetLogLevel(common::LogLevel::kError);  // the option logs a loud warning
    RecordsConfig config;
    config.server.service = "records";
    config.server.listen = "127.0.0.1";
    config.server.data_dir = dir_.Sub("db");
    config.server.max_message_bytes = 16 << 20;
    config.server.shutdown_grace = absl::Seconds(5);
    config.server.keepalive_time = absl::Seconds(60);
    config.server.keepalive_timeout = absl::Seconds(20);
    config.server.block_cache_mb = 8;
    config.server.sync_writes = false;
    config.retention_interval = absl::Hours(1);
    config.bench_random_targets = bench_random_targets;
    auto server = RecordsServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::RecordsService::NewStub(channel_);
  }

  void LoadTwoCells() {
    CreateOrganization();
    CreateCell("c1", "Chi bộ 1");
    CreateCell("c2", "Chi bộ 2");
    Admit(1, "c1", "Nguyễn Văn An");
    Admit(2, "c1", "Trần Thị Bình");
    Admit(3, "c2", "Lê Văn Cường");
  }

  grpc::Status GetRandom(v1::Member* out) {
    v1::GetMemberRequest req;
    req.set_name(kRandomMemberName);
    return stub_->GetMember(Context().get(), req, out);
  }

  // The first OK answer within 20 s (the sample is built in the background).
  v1::Member WaitRandomMember() {
    v1::Member m;
    for (int i = 0; i < 400; ++i) {
      if (GetRandom(&m).ok()) return m;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "GetMember(~random) never succeeded";
    return m;
  }
};

TEST_F(BenchTargetsTest, RandomNamesReachEveryExistingMemberAndCell) {
  Start(true);
  LoadTwoCells();
  WaitRandomMember();
  std::set<std::string> members;
  for (int i = 0; i < 200 && members.size() < 3; ++i) {
    v1::Member m;
    ASSERT_TRUE(GetRandom(&m).ok());
    members.insert(m.name());
  }
  EXPECT_EQ(members, (std::set<std::string>{"organizations/hq/members/m-0001",
                                            "organizations/hq/members/m-0002",
                                            "organizations/hq/members/m-0003"}));

  std::set<std::string> cells;
  for (int i = 0; i < 200 && cells.size() < 2; ++i) {
    v1::ListMembersRequest req;
    req.set_parent(kRandomParent);
    req.set_page_size(50);
    v1::ListMembersResponse page;
    grpc::Status s = stub_->ListMembers(Context().get(), req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_FALSE(page.members().empty());
    const std::string cell = page.members(0).cell();
    for (const v1::Member& m : page.members()) EXPECT_EQ(m.cell(), cell) << "one cell a page";
    EXPECT_EQ(page.members_size(), cell == "organizations/hq/cells/c1" ? 2 : 1);
    cells.insert(cell);
  }
  EXPECT_EQ(cells,
            (std::set<std::string>{"organizations/hq/cells/c1", "organizations/hq/cells/c2"}));
}

TEST_F(BenchTargetsTest, AnEmptyDatabaseIsSampledAgainOnTheNextRequest) {
  Start(true);
  v1::Member m;
  EXPECT_EQ(GetRandom(&m).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the empty sample is done
  LoadTwoCells();
  EXPECT_EQ(WaitRandomMember().name().rfind("organizations/hq/members/m-000", 0), 0u);
}

TEST_F(BenchTargetsTest, WithoutTheOptionRandomNamesAreInvalid) {
  Start(false);
  LoadTwoCells();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  v1::Member m;
  EXPECT_EQ(GetRandom(&m).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListMembersRequest req;
  req.set_parent(kRandomParent);
  v1::ListMembersResponse page;
  EXPECT_FALSE(stub_->ListMembers(Context().get(), req, &page).ok());
}

}  // namespace
}  // namespace records::testing
