// The benchmark's random targets (tests/bench/harness/bench_targets.h): on a records server
// with the interceptor, "~random" names reach every member and cell of the dataset, and the
// request's other fields are kept; the services without it refuse such names like any other
// invalid name.
#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "tests/bench/dataset/loader.h"
#include "tests/bench/harness/bench_targets.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

namespace ds = ::bench::dataset;
namespace av1 = ::dangbo::analytics::v1;

// 30 members round-robin over 5 cells of 2 organizations.
ds::Shape SmallShape() { return *ds::Resolve({30, 5, 2, 1}); }

class BenchTargetsTest : public RecordsFixture {
 protected:
  void SetUp() override {}  // each test starts its server, with or without the interceptor

  void Start(bool with_random_targets) {
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
    common::InterceptorFactories interceptors;
    if (with_random_targets) interceptors.push_back(bench::NewRandomTargetInterceptor(shape_));
    common::SetLogLevel(common::LogLevel::kWarning);
    auto server = RecordsServer::Start(config, std::move(interceptors));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::RecordsService::NewStub(channel_);
    ds::LoadOptions options;
    options.streams = 2;
    options.lifecycle = false;  // every member stays in the cell the shape gives it
    absl::StatusOr<ds::LoadResult> loaded = ds::Load(shape_, options, stub_.get(), nullptr);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_EQ(loaded->members_committed, shape_.members);
  }

  const ds::Shape shape_ = SmallShape();
};

TEST_F(BenchTargetsTest, RandomMemberNamesReachEveryMemberOfTheDataset) {
  Start(true);
  std::set<std::string> all;
  for (int64_t k = 1; k <= shape_.members; ++k) all.insert(ds::MemberName(shape_, k));
  std::set<std::string> reached;
  for (int i = 0; i < 2000 && reached.size() < all.size(); ++i) {
    v1::GetMemberRequest req;
    req.set_name(bench::kRandomMember);
    v1::Member m;
    grpc::Status s = stub_->GetMember(Context().get(), req, &m);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(all.count(m.name()), 1u) << m.name();
    reached.insert(m.name());
  }
  EXPECT_EQ(reached, all);
}

TEST_F(BenchTargetsTest, RandomParentsReachEveryCellAWholePageOfItsMembers) {
  Start(true);
  std::map<std::string, int> members_of;
  for (int64_t k = 1; k <= shape_.members; ++k) {
    ++members_of[ds::CellName(shape_, ds::CellOfMember(shape_, k))];
  }
  ASSERT_EQ(members_of.size(), 5u);
  std::set<std::string> reached;
  for (int i = 0; i < 500 && reached.size() < members_of.size(); ++i) {
    v1::ListMembersRequest req;
    req.set_parent(bench::kRandomOrganization);
    req.set_page_size(50);
    v1::ListMembersResponse page;
    grpc::Status s = stub_->ListMembers(Context().get(), req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_FALSE(page.members().empty());
    const std::string cell = page.members(0).cell();
    for (const v1::Member& m : page.members()) EXPECT_EQ(m.cell(), cell) << "one cell a page";
    EXPECT_EQ(page.members_size(), members_of[cell]) << cell;
    reached.insert(cell);
  }
  EXPECT_EQ(reached.size(), members_of.size());

  // The request's other fields are kept: a page of one, with a token for the next.
  v1::ListMembersRequest req;
  req.set_parent(bench::kRandomOrganization);
  req.set_page_size(1);
  v1::ListMembersResponse page;
  ASSERT_TRUE(stub_->ListMembers(Context().get(), req, &page).ok());
  EXPECT_EQ(page.members_size(), 1);
  EXPECT_FALSE(page.next_page_token().empty());
}

TEST_F(BenchTargetsTest, WithoutTheInterceptorRandomNamesAreInvalid) {
  Start(false);
  v1::GetMemberRequest get;
  get.set_name(bench::kRandomMember);
  v1::Member m;
  EXPECT_EQ(stub_->GetMember(Context().get(), get, &m).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListMembersRequest list;
  list.set_parent(bench::kRandomOrganization);
  v1::ListMembersResponse page;
  EXPECT_FALSE(stub_->ListMembers(Context().get(), list, &page).ok());
}

TEST(RandomTargets, YearlyPerformanceReachesEveryOrganizationAndKeepsTheYear) {
  const ds::Shape shape = *ds::Resolve({1000, 0, 0, 1});
  ASSERT_EQ(shape.organizations, 10);
  const bench::RandomTargets targets(shape);
  std::set<std::string> reached;
  for (int i = 0; i < 1000 && reached.size() < 10; ++i) {
    av1::GetYearlyPerformanceRequest req;
    req.set_organization(bench::kRandomOrganization);
    req.set_year(2024);
    ASSERT_TRUE(targets.Rewrite(&req));
    EXPECT_EQ(req.year(), 2024);
    reached.insert(req.organization());
  }
  std::set<std::string> all;
  for (int64_t o = 1; o <= 10; ++o) all.insert(ds::OrganizationName(o));
  EXPECT_EQ(reached, all);
}

TEST(RandomTargets, NamedTargetsAreLeftAlone) {
  const bench::RandomTargets targets(*ds::Resolve({1000, 0, 0, 1}));
  v1::GetMemberRequest get;
  get.set_name("organizations/o-00001/members/m-0000001");
  EXPECT_FALSE(targets.Rewrite(&get));
  EXPECT_EQ(get.name(), "organizations/o-00001/members/m-0000001");
  v1::ListMembersRequest list;
  list.set_parent("organizations/o-00001");
  list.set_filter("state = ACTIVE");
  EXPECT_FALSE(targets.Rewrite(&list));
  EXPECT_EQ(list.filter(), "state = ACTIVE");
  av1::GetYearlyPerformanceRequest yearly;
  yearly.set_organization("organizations/o-00002");
  EXPECT_FALSE(targets.Rewrite(&yearly));
  EXPECT_EQ(yearly.organization(), "organizations/o-00002");
}

}  // namespace
}  // namespace records::testing
