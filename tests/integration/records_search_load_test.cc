// Hostile searches against a real records server holding many members: over-limit queries are
// refused naming the limit, they and the largest allowed ones cannot starve other callers,
// and a query whose caller gave up (deadline passed, call cancelled) stops working at once.
// Behaviour checks with wide margins, not benchmarks.
//
// One server and one dataset (bench_dataset's generator, one organization) for the suite.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/list_query.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/rpc_metrics.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/records/domain/validation.h"
#include "services/records/records_server.h"
#include "tests/bench/dataset/loader.h"
#include "tests/support/process.h"

namespace records::testing {
namespace {

namespace v1 = ::dangbo::records::v1;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr int64_t kMembers = 20000;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int64_t InFlight(absl::string_view method) {
  return common::RpcMetrics::Default()
      .ForMethod(absl::StrCat("/dangbo.records.v1.RecordsService/", method))
      ->InFlight();
}

// dangbo_calls_stopped_total{reason=...} (0 before the first stop).
double Stopped(const std::string& reason) {
  for (const common::MetricFamily& f : common::MetricsRegistry::Default().Collect()) {
    if (f.name != "dangbo_calls_stopped_total") continue;
    for (const common::MetricSample& s : f.samples) {
      if (s.labels.size() == 1 && s.labels[0].second == reason) return s.value;
    }
  }
  return 0;
}

// Words that prefix the commonest names, repeated until the text has at least `bytes` bytes,
// or `words` of them when words > 0: every candidate of the name index is held against every
// word.
std::string ManyWords(size_t bytes, int words = 0) {
  static const char* const kWords[] = {"n", "v", "t", "h", "m", "l", "a", "d"};
  std::string out;
  for (int i = 0; words > 0 ? i < words : out.size() < bytes; ++i) {
    if (!out.empty()) out.push_back(' ');
    out += kWords[i % 8];
  }
  return out;
}

std::string NameQuery(const std::string& text) {
  return absl::StrCat("name_query = \"", text, "\"");
}

// The longest name query allowed: kMaxNameQueryWords words, kMaxNameQueryLength characters.
std::string LargestAllowedNameQuery() {
  std::string text = ManyWords(0, domain::kMaxNameQueryWords);
  const size_t words_length = text.size();
  text.append(domain::kMaxNameQueryLength - words_length, 'n');  // lengthen the last word
  return text;
}

class SearchLoadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    common::SetLogLevel(common::LogLevel::kError);
    dir_ = new testing_support::TempDir();
    RecordsConfig config;
    config.server.service = "records";
    config.server.listen = "127.0.0.1";
    config.server.port = 0;
    config.server.data_dir = dir_->Sub("db");
    config.server.max_message_bytes = 16 << 20;
    config.server.shutdown_grace = absl::Seconds(5);
    config.server.keepalive_time = absl::Seconds(60);
    config.server.keepalive_timeout = absl::Seconds(20);
    config.server.block_cache_mb = 64;
    config.server.sync_writes = false;
    config.server.metrics_port = 0;
    config.change_log_retention = absl::Hours(24);
    config.retention_interval = absl::Hours(1);
    auto server = RecordsServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    shape_ = *bench::dataset::Resolve({kMembers, 8, 1, 11});
    bench::dataset::LoadOptions options;
    options.streams = 2;
    options.lifecycle = false;
    auto stub = NewStub();
    const auto start = Clock::now();
    absl::StatusOr<bench::dataset::LoadResult> loaded =
        bench::dataset::Load(shape_, options, stub.get(), nullptr);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_EQ(loaded->members_committed, kMembers);
    std::printf("loaded %lld members in %.1f s\n", static_cast<long long>(kMembers),
                Seconds(Clock::now() - start));
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->Shutdown().ok());
    }
    delete server_;
    server_ = nullptr;
    delete dir_;
  }

  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << "no server";
  }

  // Each client its own connection.
  static std::unique_ptr<v1::RecordsService::Stub> NewStub() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxSendMessageSize(32 << 20);
    return v1::RecordsService::NewStub(
        grpc::CreateCustomChannel(server_->address(), grpc::InsecureChannelCredentials(), args));
  }

  static std::unique_ptr<grpc::ClientContext> Context(milliseconds timeout,
                                                      const std::string& principal = "tester") {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + timeout);
    c->AddMetadata("x-dangbo-principal", principal);
    return c;
  }

  static v1::ListMembersRequest Search(const std::string& filter) {
    v1::ListMembersRequest req;
    req.set_parent(bench::dataset::OrganizationName(1));
    req.set_filter(filter);
    return req;
  }

  // Waits up to `timeout` for no ListMembers call to be in flight.
  static bool Quiet(milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    while (InFlight("ListMembers") != 0 || InFlight("ExportMembers") != 0) {
      if (Clock::now() > until) return false;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return true;
  }

  static testing_support::TempDir* dir_;
  static RecordsServer* server_;
  static bench::dataset::Shape shape_;
};

testing_support::TempDir* SearchLoadTest::dir_ = nullptr;
RecordsServer* SearchLoadTest::server_ = nullptr;
bench::dataset::Shape SearchLoadTest::shape_;

// Over a bound is INVALID_ARGUMENT naming the field and the limit, on every member search.
TEST_F(SearchLoadTest, OverLimitQueriesAreRefusedNamingTheLimit) {
  auto stub = NewStub();
  struct Case {
    std::string filter;
    std::string order_by;
    std::string expected;
  };
  const std::vector<Case> cases = {
      // A string over 64 KiB is refused by the request-wide text bound before the filter is
      // looked at (common/request_text.h); below it, by the filter's own bound.
      {NameQuery(ManyWords(10 << 20)), "", "filter: is 10485776 bytes long; at most 65536"},
      {NameQuery(ManyWords(10 << 10)), "", "filter: has 10256 bytes; at most 4096 are allowed"},
      {NameQuery(ManyWords(0, 40)), "", "name_query has 40 words; at most 10 are allowed"},
      {NameQuery(std::string(101, 'a')), "", "name_query has 101 characters; at most 100"},
      {NameQuery("Nguyễn Văn " + std::string(90, 'a')), "", "has 101 characters"},
      {"", std::string(300, ' ') + "admission_date", "order_by: has 314 bytes; at most 256"},
  };
  std::string many_terms;
  for (int i = 0; i <= common::kMaxFilterTerms; ++i) {
    absl::StrAppend(&many_terms, i == 0 ? "" : " AND ", "active = true");
  }
  for (const Case& c : cases) {
    v1::ListMembersRequest req = Search(c.filter);
    req.set_order_by(c.order_by);
    v1::ListMembersResponse resp;
    const auto start = Clock::now();
    grpc::Status s = stub->ListMembers(Context(milliseconds(10000)).get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.expected;
    EXPECT_THAT(s.error_message(), HasSubstr(c.expected));
    EXPECT_LT(Seconds(Clock::now() - start), 1.0) << c.expected;
    // ExportMembers takes the same query.
    v1::ExportMembersRequest export_req;
    export_req.set_parent(req.parent());
    export_req.set_filter(c.filter);
    export_req.set_order_by(c.order_by);
    export_req.set_purpose("kiểm tra");
    auto context = Context(milliseconds(10000));
    auto reader = stub->ExportMembers(context.get(), export_req);
    v1::Member m;
    EXPECT_FALSE(reader->Read(&m));
    grpc::Status es = reader->Finish();
    EXPECT_EQ(es.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.expected;
    EXPECT_THAT(es.error_message(), HasSubstr(c.expected));
  }
  v1::ListMembersResponse resp;
  grpc::Status s = stub->ListMembers(Context(milliseconds(10000)).get(), Search(many_terms), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("has more than 16 comparisons; at most 16"));

  // The largest allowed query is answered.
  const std::string largest = LargestAllowedNameQuery();
  ASSERT_EQ(largest.size(), static_cast<size_t>(domain::kMaxNameQueryLength));
  const auto start = Clock::now();
  s = stub->ListMembers(Context(milliseconds(10000)).get(), Search(NameQuery(largest)), &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  std::printf("the largest allowed name query took %.3f s (%d matches)\n",
              Seconds(Clock::now() - start), resp.total_size());
  // A real full name is found.
  const std::string name = bench::dataset::MemberRow(shape_, 7).member().full_name();
  s = stub->ListMembers(Context(milliseconds(10000)).get(), Search(NameQuery(name)), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_GE(resp.members_size(), 1) << name;
}

// Several clients send over-limit queries (a viewer's among them) and the largest allowed ones,
// concurrently; another client's GetMember keeps answering within a second.
TEST_F(SearchLoadTest, HostileSearchesDoNotStarveGetMember) {
  std::atomic<bool> stop{false};
  std::atomic<int> hostile_calls{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> hostile;
  struct Client {
    std::string query;
    std::string principal;
    bool allowed;
  };
  const std::vector<Client> clients = {
      {ManyWords(5 << 20), "ops-editor", false},
      {ManyWords(5 << 20), "ops-editor", false},
      {ManyWords(2 << 20), "ops-viewer", false},
      {ManyWords(0, 40), "ops-viewer", false},
      {LargestAllowedNameQuery(), "ops-viewer", true},
      // The costliest allowed: 10 one-letter words read every member with a word starting
      // with "n", about half the list.
      {ManyWords(0, domain::kMaxNameQueryWords), "ops-editor", true},
      {ManyWords(0, domain::kMaxNameQueryWords), "ops-editor", true},
      {ManyWords(0, domain::kMaxNameQueryWords), "ops-viewer", true},
      {ManyWords(0, domain::kMaxNameQueryWords), "ops-viewer", true},
  };
  for (const Client& client : clients) {
    hostile.emplace_back([&, client] {
      auto stub = NewStub();
      const v1::ListMembersRequest req = Search(NameQuery(client.query));
      while (!stop.load()) {
        v1::ListMembersResponse resp;
        grpc::Status s =
            stub->ListMembers(Context(milliseconds(3000), client.principal).get(), req, &resp);
        ++hostile_calls;
        const grpc::StatusCode want =
            client.allowed ? grpc::StatusCode::OK : grpc::StatusCode::INVALID_ARGUMENT;
        if (s.error_code() != want && s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
          ++unexpected;
        }
      }
    });
  }
  std::this_thread::sleep_for(milliseconds(300));  // let them start
  auto stub = NewStub();
  std::vector<double> latencies;
  const auto until = Clock::now() + std::chrono::seconds(6);
  for (int k = 1; Clock::now() < until; k += 97) {
    v1::GetMemberRequest get;
    get.set_name(bench::dataset::MemberName(shape_, 1 + k % kMembers));
    v1::Member m;
    const auto start = Clock::now();
    grpc::Status s = stub->GetMember(Context(milliseconds(20000)).get(), get, &m);
    latencies.push_back(Seconds(Clock::now() - start));
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::this_thread::sleep_for(milliseconds(50));
  }
  stop = true;
  for (auto& t : hostile) t.join();
  std::sort(latencies.begin(), latencies.end());
  std::printf("GetMember: %zu calls, median %.3f s, max %.3f s; %d hostile calls\n",
              latencies.size(), latencies[latencies.size() / 2], latencies.back(),
              hostile_calls.load());
  EXPECT_LT(latencies.back(), 1.0) << "GetMember waited behind hostile searches";
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_TRUE(Quiet(milliseconds(5000))) << "searches still running after their clients left";
}

// An expensive allowed search — a one-letter name query reads every member with a name word
// starting with it, about half the list — whose caller's deadline passes mid-scan stops: it
// is counted as stopped, the server's in-flight gauge drops to zero and the process stops
// spending CPU on it.
TEST_F(SearchLoadTest, ASearchPastItsDeadlineStops) {
  ASSERT_TRUE(Quiet(milliseconds(30000)));
  auto stub = NewStub();
  v1::ListMembersResponse resp;
  auto start = Clock::now();
  ASSERT_TRUE(
      stub->ListMembers(Context(milliseconds(30000)).get(), Search(NameQuery("n")), &resp).ok());
  const double full = Seconds(Clock::now() - start);
  std::printf("the whole search takes %.3f s (%d matches)\n", full, resp.total_size());

  // On a loaded machine a 20 ms deadline can pass before the call reaches the scan: then
  // there is nothing to stop and nothing is counted. Each attempt must end past its deadline
  // with nothing left running; at least one must have been stopped mid-scan and counted once.
  bool counted = false;
  for (int attempt = 1; attempt <= 5 && !counted; ++attempt) {
    const double stopped_before = Stopped("deadline_exceeded");
    start = Clock::now();
    grpc::Status s =
        stub->ListMembers(Context(milliseconds(20)).get(), Search(NameQuery("n")), &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_TRUE(Quiet(milliseconds(1000))) << "the search still runs after its caller gave up";
    std::printf("attempt %d: the search with a 20 ms deadline ended within %.3f s\n", attempt,
                Seconds(Clock::now() - start));
    const double stopped = Stopped("deadline_exceeded") - stopped_before;
    EXPECT_LE(stopped, 1) << "one call stopped more than once";
    counted = stopped == 1;
  }
  EXPECT_TRUE(counted) << "no search was counted as stopped by its deadline";
  const double cpu_before = ProcessCpuSeconds();
  std::this_thread::sleep_for(milliseconds(1000));
  const double cpu = ProcessCpuSeconds() - cpu_before;
  std::printf("process CPU in the second after: %.3f s\n", cpu);
  EXPECT_LT(cpu, 0.5) << "the server still spends CPU on a search its caller gave up";
}

// The same when the client cancels the call.
TEST_F(SearchLoadTest, ACancelledSearchStops) {
  ASSERT_TRUE(Quiet(milliseconds(30000)));
  auto stub = NewStub();
  v1::ExportMembersRequest req;
  req.set_parent(bench::dataset::OrganizationName(1));
  req.set_filter(NameQuery("n"));
  req.set_purpose("kiểm tra");
  const double stopped_before = Stopped("cancelled");
  auto context = Context(milliseconds(60000));
  auto reader = stub->ExportMembers(context.get(), req);
  v1::Member m;
  ASSERT_TRUE(reader->Read(&m));
  context->TryCancel();
  while (reader->Read(&m)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(Quiet(milliseconds(1000))) << "the export still runs after it was cancelled";
  const double cpu_before = ProcessCpuSeconds();
  std::this_thread::sleep_for(milliseconds(1000));
  const double cpu = ProcessCpuSeconds() - cpu_before;
  std::printf("process CPU in the second after: %.3f s\n", cpu);
  EXPECT_LT(cpu, 0.5) << "the server still spends CPU on an export that was cancelled";
  EXPECT_GE(Stopped("cancelled"), stopped_before + 1);
}

}  // namespace
}  // namespace records::testing
