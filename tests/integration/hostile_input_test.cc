// What a hostile or careless client sends, to every RPC of both services, found by walking
// their descriptors rather than listed by hand (a new RPC or field is covered the day it is
// added): for each string field, oversized text, invalid UTF-8, control and bidirectional
// formatting characters; for each repeated field, a very long list; for each List method,
// another method's page token and forged ones. Every answer must be a well-formed error — the
// right code, an ErrorInfo, a BadRequest naming the field, a bounded message and details —
// within a second, and nothing may be written (records' change-log head and the analytics
// writer's indicator-log head stay where they were). While hostile calls run, another
// client's GetMember keeps answering within a second.
//
// Both servers run in process on loopback with the seed loaded; the hostile client speaks raw
// bytes through a generic stub, as any client could.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/echo_bounds.h"
#include "common/errors.h"
#include "common/logging.h"
#include "common/request_text.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/admin_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/analytics/seed/seed_data.h"
#include "services/analytics/seed/seed_loader.h"
#include "services/records/records_server.h"
#include "services/records/seed/seed_loader.h"
#include "tests/integration/analytics_support.h"
#include "tests/support/process.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::Reflection;
using google::protobuf::ServiceDescriptor;

namespace rv1 = ::dangbo::records::v1;
namespace av1 = ::dangbo::analytics::v1;

constexpr auto kAnswerWithin = std::chrono::seconds(1);
constexpr char kMember[] = "organizations/hq-long-an/members/dv-001";

// ---- A raw client: bytes in, status and response count out --------------------------------

struct Answer {
  grpc::Status status;
  int responses = 0;
  std::chrono::milliseconds elapsed{0};
};

// One message, then half-close; reads until the call ends. Works for every method type.
class RawCall : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  RawCall(grpc::GenericStub* stub, const std::string& method, const std::string& bytes,
          std::chrono::seconds deadline) {
    context_.set_deadline(std::chrono::system_clock::now() + deadline);
    context_.AddMetadata("x-dangbo-principal", "hostile-client");
    grpc::Slice slice(bytes);
    request_ = grpc::ByteBuffer(&slice, 1);
    stub->PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(), this);
    StartWrite(&request_);
    StartRead(&response_);
    StartCall();
  }
  void OnWriteDone(bool ok) override {
    if (ok) StartWritesDone();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    ++responses_;
    // Enough to tell a stream that should not have opened; then stop it.
    if (responses_ > 3) context_.TryCancel();
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    done_ = true;
    cv_.notify_all();
  }
  Answer Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    return Answer{status_, responses_};
  }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::atomic<int> responses_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::Status status_;
};

Answer Call(grpc::GenericStub* stub, const MethodDescriptor& method, const std::string& bytes,
            std::chrono::seconds deadline = std::chrono::seconds(10)) {
  const auto start = std::chrono::steady_clock::now();
  auto* call = new RawCall(
      stub, absl::StrCat("/", method.service()->full_name(), "/", method.name()), bytes, deadline);
  Answer answer = call->Wait();
  delete call;
  answer.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return answer;
}

std::unique_ptr<Message> NewRequest(const MethodDescriptor& method) {
  return std::unique_ptr<Message>(google::protobuf::MessageFactory::generated_factory()
                                      ->GetPrototype(method.input_type())
                                      ->New());
}

// ---- Field paths found by walking a request type -------------------------------------------

using FieldPath = std::vector<const FieldDescriptor*>;

// Every string field and every repeated field reachable from `type` (no cycles, depth <= 5).
void Walk(const Descriptor* type, FieldPath* prefix, std::vector<const Descriptor*>* stack,
          std::vector<FieldPath>* strings, std::vector<FieldPath>* repeated) {
  if (stack->size() > 5) return;
  stack->push_back(type);
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    prefix->push_back(f);
    if (f->is_repeated() && !f->is_map()) repeated->push_back(*prefix);
    if (f->type() == FieldDescriptor::TYPE_STRING) strings->push_back(*prefix);
    if (f->message_type() != nullptr && !f->is_map() &&
        std::find(stack->begin(), stack->end(), f->message_type()) == stack->end()) {
      Walk(f->message_type(), prefix, stack, strings, repeated);
    }
    prefix->pop_back();
  }
  stack->pop_back();
}

// The message holding the last field of `path` (created on the way; a repeated message field
// gets one element).
Message* Holder(Message* root, const FieldPath& path) {
  Message* m = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const Reflection* r = m->GetReflection();
    m = path[i]->is_repeated() ? r->AddMessage(m, path[i]) : r->MutableMessage(m, path[i]);
  }
  return m;
}

// The field's path as the server reports it: "member.aliases[0]", "items[0].note".
std::string PathName(const FieldPath& path, bool index_last) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (!out.empty()) out.push_back('.');
    out += path[i]->name();
    if (path[i]->is_repeated() && (i + 1 < path.size() || index_last)) out += "[0]";
  }
  return out;
}

std::string WithString(const MethodDescriptor& method, const FieldPath& path,
                       const std::string& value) {
  std::unique_ptr<Message> request = NewRequest(method);
  Message* holder = Holder(request.get(), path);
  const Reflection* r = holder->GetReflection();
  if (path.back()->is_repeated()) {
    r->AddString(holder, path.back(), value);
  } else {
    r->SetString(holder, path.back(), value);
  }
  // Serializing invalid UTF-8 logs a protobuf error and goes ahead, as a careless client's
  // library would.
  return request->SerializeAsString();
}

std::string WithLongList(const MethodDescriptor& method, const FieldPath& path, int elements) {
  std::unique_ptr<Message> request = NewRequest(method);
  Message* holder = Holder(request.get(), path);
  const Reflection* r = holder->GetReflection();
  const FieldDescriptor* f = path.back();
  for (int i = 0; i < elements; ++i) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        r->AddString(holder, f, "a");
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        r->AddMessage(holder, f);
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        r->AddEnumValue(holder, f, 1);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        r->AddInt32(holder, f, 1);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        r->AddInt64(holder, f, 1);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        r->AddUInt32(holder, f, 1);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        r->AddUInt64(holder, f, 1);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        r->AddBool(holder, f, true);
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        r->AddDouble(holder, f, 1);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        r->AddFloat(holder, f, 1);
        break;
    }
  }
  return request->SerializeAsString();
}

// ---- What every answer to a hostile request must be -----------------------------------------

struct Details {
  bool has_error_info = false;
  std::string domain;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> violations;
};

Details DetailsOf(const grpc::Status& status) {
  Details d;
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) return d;
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&info)) {
      d.has_error_info = true;
      d.domain = info.domain();
      d.reason = info.reason();
    } else if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) d.violations.emplace_back(v.field(), v.description());
    }
  }
  return d;
}

// A well-formed error within a second: a code, a bounded message, bounded details with an
// ErrorInfo. Returns its details for further checks.
Details ExpectWellFormedError(const Answer& answer, const std::string& what) {
  EXPECT_FALSE(answer.status.ok()) << what << ": accepted";
  EXPECT_NE(answer.status.error_code(), grpc::StatusCode::UNIMPLEMENTED)
      << what << ": " << answer.status.error_message();
  EXPECT_NE(answer.status.error_code(), grpc::StatusCode::INTERNAL)
      << what << ": " << answer.status.error_message();
  EXPECT_NE(answer.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << what;
  EXPECT_LT(answer.elapsed, kAnswerWithin) << what;
  EXPECT_EQ(answer.responses, 0) << what << ": a stream opened";
  EXPECT_FALSE(answer.status.error_message().empty()) << what;
  EXPECT_LE(answer.status.error_message().size(), common::kMaxErrorMessageBytes) << what;
  EXPECT_LE(answer.status.error_details().size(), common::kMaxErrorDetailsBytes) << what;
  Details d = DetailsOf(answer.status);
  EXPECT_TRUE(d.has_error_info) << what;
  EXPECT_TRUE(absl::EndsWith(d.domain, ".dangbo.gov.vn")) << what << ": " << d.domain;
  return d;
}

// ---- The servers ----------------------------------------------------------------------------

struct Service {
  std::string name;  // "records", "analytics"
  const ServiceDescriptor* descriptor;
  grpc::GenericStub* stub;
};

class HostileInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    common::SetLogLevel(common::LogLevel::kError);
    dir_ = new testing_support::TempDir();
    records::RecordsConfig config;
    config.server.service = "records";
    config.server.listen = "127.0.0.1";
    config.server.port = 0;
    config.server.data_dir = dir_->Sub("records");
    config.server.max_message_bytes = 16 << 20;
    config.server.shutdown_grace = absl::Seconds(5);
    config.server.keepalive_time = absl::Seconds(60);
    config.server.keepalive_timeout = absl::Seconds(20);
    config.server.block_cache_mb = 8;
    config.server.sync_writes = false;
    config.backup_dir = dir_->Sub("backups");
    auto records = records::RecordsServer::Start(config);
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = records->release();
    records_channel_ = new std::shared_ptr<grpc::Channel>(
        grpc::CreateChannel(records_->address(), grpc::InsecureChannelCredentials()));
    auto records_stub = rv1::RecordsService::NewStub(*records_channel_);
    auto loaded = records::seed::LoadLongAnSeed(records_stub.get());
    ASSERT_TRUE(loaded.ok()) << loaded.status();

    analytics_ = analytics_testing::StartAnalytics(dir_->Sub("analytics"), records_->address())
                     .release();
    ASSERT_NE(analytics_, nullptr);
    analytics_channel_ = new std::shared_ptr<grpc::Channel>(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", analytics_->port()), grpc::InsecureChannelCredentials()));
    auto analytics_stub = av1::AnalyticsService::NewStub(*analytics_channel_);
    analytics::seed::SeedReport report;
    ASSERT_TRUE(analytics::seed::LoadSeed(*analytics_stub, &report).ok());
    // The read model has the seed's organizations (RankOrganizations needs them).
    ASSERT_TRUE(analytics_testing::WaitFor([&] {
      grpc::ClientContext context;
      av1::GetPartyStatisticsRequest request;
      request.set_organization(analytics::seed::kSeedOrganization);
      request.set_year(2024);
      av1::PartyStatistics stats;
      return analytics_stub->GetPartyStatistics(&context, request, &stats).ok();
    }));

    records_generic_ = new grpc::GenericStub(*records_channel_);
    analytics_generic_ = new grpc::GenericStub(*analytics_channel_);
  }

  static void TearDownTestSuite() {
    delete records_generic_;
    delete analytics_generic_;
    delete analytics_channel_;
    delete records_channel_;
    delete analytics_;
    delete records_;
    delete dir_;
  }

  static std::vector<Service> Services() {
    const auto* pool = google::protobuf::DescriptorPool::generated_pool();
    return {
        {"records", pool->FindServiceByName(rv1::RecordsService::service_full_name()),
         records_generic_},
        {"records", pool->FindServiceByName(rv1::RecordsAdminService::service_full_name()),
         records_generic_},
        {"analytics", pool->FindServiceByName(av1::AnalyticsService::service_full_name()),
         analytics_generic_},
    };
  }

  // The heads of both logs: what a write would move.
  static std::pair<uint64_t, uint64_t> Heads() {
    auto records_stub = rv1::RecordsService::NewStub(*records_channel_);
    grpc::ClientContext c1;
    rv1::GetChangeLogStateResponse state;
    EXPECT_TRUE(
        records_stub->GetChangeLogState(&c1, rv1::GetChangeLogStateRequest(), &state).ok());

    auto analytics_stub = av1::AnalyticsService::NewStub(*analytics_channel_);
    grpc::ClientContext c2;
    c2.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    av1::WatchIndicatorChangesRequest watch;
    auto reader = analytics_stub->WatchIndicatorChanges(&c2, watch);
    av1::IndicatorChange change;
    uint64_t indicator_head = 0;
    while (reader->Read(&change)) {
      if (change.heartbeat()) {
        indicator_head = change.sequence();
        break;
      }
    }
    c2.TryCancel();
    reader->Finish();
    return {state.last_sequence(), indicator_head};
  }

  void SetUp() override { heads_before_ = Heads(); }
  void TearDown() override {
    EXPECT_EQ(Heads(), heads_before_) << "a hostile request wrote something";
  }

  std::pair<uint64_t, uint64_t> heads_before_;

  static testing_support::TempDir* dir_;
  static records::RecordsServer* records_;
  static analytics::AnalyticsServer* analytics_;
  static std::shared_ptr<grpc::Channel>* records_channel_;
  static std::shared_ptr<grpc::Channel>* analytics_channel_;
  static grpc::GenericStub* records_generic_;
  static grpc::GenericStub* analytics_generic_;
};

testing_support::TempDir* HostileInputTest::dir_ = nullptr;
records::RecordsServer* HostileInputTest::records_ = nullptr;
analytics::AnalyticsServer* HostileInputTest::analytics_ = nullptr;
std::shared_ptr<grpc::Channel>* HostileInputTest::records_channel_ = nullptr;
std::shared_ptr<grpc::Channel>* HostileInputTest::analytics_channel_ = nullptr;
grpc::GenericStub* HostileInputTest::records_generic_ = nullptr;
grpc::GenericStub* HostileInputTest::analytics_generic_ = nullptr;

bool IsDocument(const FieldPath& path) { return path.back()->name() == "csv"; }

TEST_F(HostileInputTest, EveryStringFieldOfEveryMethod) {
  struct Poison {
    const char* name;
    std::string value;
  };
  const std::vector<Poison> poisons = {
      {"oversized text", std::string(common::kMaxTextBytes + 4096, 'a')},
      {"ESC", "Nguyễn\x1b[2J"},
      {"NUL", std::string("Nguy\0n", 6)},
      {"bidi override", "Nguyễn \xE2\x80\xAE" "nhA"},
      {"C1 control", "Nguy\xC2\x9B" "n"},
  };
  int calls = 0;
  for (const Service& service : Services()) {
    for (int m = 0; m < service.descriptor->method_count(); ++m) {
      const MethodDescriptor& method = *service.descriptor->method(m);
      std::vector<FieldPath> strings, repeated;
      FieldPath prefix;
      std::vector<const Descriptor*> stack;
      Walk(method.input_type(), &prefix, &stack, &strings, &repeated);
      for (const FieldPath& path : strings) {
        const std::string where = absl::StrCat(method.full_name(), " ", PathName(path, true));
        for (const Poison& poison : poisons) {
          const std::string what = absl::StrCat(where, " with ", poison.name);
          Answer answer = Call(service.stub, method, WithString(method, path, poison.value));
          ++calls;
          Details d = ExpectWellFormedError(answer, what);
          if (IsDocument(path) && absl::StrContains(poison.name, "oversized")) continue;
          EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << what;
          ASSERT_FALSE(d.violations.empty()) << what << ": " << answer.status.error_message();
          EXPECT_EQ(d.violations[0].first, PathName(path, true)) << what;
        }
        // Invalid UTF-8 does not parse at all: gRPC alone used to answer UNIMPLEMENTED, "".
        const std::string what = absl::StrCat(where, " with invalid UTF-8");
        Answer answer = Call(service.stub, method, WithString(method, path, "Nguy\xff\xfe"));
        ++calls;
        Details d = ExpectWellFormedError(answer, what);
        EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << what;
        EXPECT_EQ(d.reason, "REQUEST_NOT_PARSED") << what;
        ASSERT_FALSE(d.violations.empty()) << what;
        EXPECT_TRUE(absl::EndsWith(d.violations[0].first, path.back()->name()))
            << what << ": " << d.violations[0].first;
        EXPECT_TRUE(absl::StrContains(d.violations[0].second, "UTF-8")) << what;
      }
    }
  }
  EXPECT_GT(calls, 1000) << "the walk found the services' fields";
}

TEST_F(HostileInputTest, EveryRepeatedFieldOfEveryMethod) {
  const int elements = static_cast<int>(common::kMaxRepeatedElements) * 2;
  int calls = 0;
  for (const Service& service : Services()) {
    for (int m = 0; m < service.descriptor->method_count(); ++m) {
      const MethodDescriptor& method = *service.descriptor->method(m);
      std::vector<FieldPath> strings, repeated;
      FieldPath prefix;
      std::vector<const Descriptor*> stack;
      Walk(method.input_type(), &prefix, &stack, &strings, &repeated);
      for (const FieldPath& path : repeated) {
        const std::string what =
            absl::StrCat(method.full_name(), " ", PathName(path, false), " x ", elements);
        Answer answer = Call(service.stub, method, WithLongList(method, path, elements));
        ++calls;
        Details d = ExpectWellFormedError(answer, what);
        EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << what;
        ASSERT_FALSE(d.violations.empty()) << what << ": " << answer.status.error_message();
        EXPECT_EQ(d.violations[0].first, PathName(path, false)) << what;
      }
    }
  }
  EXPECT_GT(calls, 20);
}

// A valid request of each List method (one page of one item), for the page-token cases.
struct ListCase {
  const char* method;  // full name
  const char* json;
};

const std::vector<ListCase>& ListCases() {
  static const auto* cases = new std::vector<ListCase>{
      {"dangbo.records.v1.RecordsService.ListOrganizations", R"({"pageSize": 1})"},
      {"dangbo.records.v1.RecordsService.ListCells",
       R"({"parent": "organizations/hq-long-an", "pageSize": 1})"},
      {"dangbo.records.v1.RecordsService.ListMembers",
       R"({"parent": "organizations/hq-long-an", "pageSize": 1})"},
      {"dangbo.records.v1.RecordsService.ListInspectionPlans",
       R"({"parent": "organizations/hq-long-an", "pageSize": 1})"},
      {"dangbo.records.v1.RecordsService.ListAuditEvents", R"({"pageSize": 1})"},
      {"dangbo.records.v1.RecordsService.ListDuesRateTables",
       R"({"parent": "organizations/hq-long-an", "pageSize": 1})"},
      {"dangbo.records.v1.RecordsService.ListDuesBases",
       R"({"parent": "organizations/hq-long-an/members/dv-001", "pageSize": 1})"},
      {"dangbo.records.v1.RecordsService.ListDuesPayments",
       R"({"parent": "organizations/hq-long-an/cells/van-phong", "pageSize": 1})"},
      {"dangbo.records.v1.RecordsService.ListDuesRemittances",
       R"({"parent": "organizations/hq-long-an/cells/van-phong", "pageSize": 1})"},
      {"dangbo.records.v1.RecordsService.ListMeetings",
       R"({"parent": "organizations/hq-long-an/cells/van-phong", "pageSize": 1})"},
      {"dangbo.records.v1.RecordsAdminService.ListBackups", R"({"pageSize": 1})"},
      {"dangbo.analytics.v1.AnalyticsService.ListIndicators",
       R"({"parent": "organizations/hq-long-an", "pageSize": 1})"},
      {"dangbo.analytics.v1.AnalyticsService.ListObservations",
       R"({"indicator": "organizations/hq-long-an/indicators/state-budget-revenue",
           "pageSize": 1})"},
      {"dangbo.analytics.v1.AnalyticsService.RankOrganizations",
       R"({"region": "Đồng bằng sông Cửu Long", "indicatorId": "state-budget-revenue",
           "year": 2019, "by": "VALUE", "pageSize": 1})"},
      {"dangbo.analytics.v1.AnalyticsService.ListPartyStatistics",
       R"({"organization": "organizations/hq-long-an", "fromYear": 2020, "toYear": 2024,
           "pageSize": 1})"},
  };
  return *cases;
}

TEST_F(HostileInputTest, EveryListMethodRefusesForeignAndForgedPageTokens) {
  // Every method with a page_token has a case here: a new List method fails until it has.
  std::vector<const MethodDescriptor*> lists;
  for (const Service& service : Services()) {
    for (int m = 0; m < service.descriptor->method_count(); ++m) {
      const MethodDescriptor* method = service.descriptor->method(m);
      if (method->input_type()->FindFieldByName("page_token") == nullptr) continue;
      lists.push_back(method);
      EXPECT_TRUE(std::any_of(ListCases().begin(), ListCases().end(),
                              [&](const ListCase& c) { return method->full_name() == c.method; }))
          << method->full_name() << " has no ListCase";
    }
  }
  auto stub_for = [](const MethodDescriptor& m) {
    return absl::StartsWith(m.full_name(), "dangbo.records") ? records_generic_
                                                             : analytics_generic_;
  };
  // First pages, and the tokens they give.
  std::map<std::string, std::string> tokens;  // method -> its next_page_token
  std::map<std::string, std::unique_ptr<Message>> requests;
  for (const ListCase& c : ListCases()) {
    const MethodDescriptor* method =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(c.method);
    ASSERT_NE(method, nullptr) << c.method;
    std::unique_ptr<Message> request = NewRequest(*method);
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(c.json, request.get()).ok()) << c.json;
    const std::string bytes = request->SerializeAsString();
    // The case is a valid request: answered.
    Answer answer = Call(stub_for(*method), *method, bytes);
    ASSERT_TRUE(answer.status.ok()) << c.method << ": " << answer.status.error_message();
    requests[c.method] = std::move(request);
  }
  // ListMembers' token (records) and ListIndicators' (analytics), made by asking for them.
  for (const char* source : {"dangbo.records.v1.RecordsService.ListMembers",
                             "dangbo.records.v1.RecordsService.ListCells",
                             "dangbo.analytics.v1.AnalyticsService.ListIndicators"}) {
    auto channel = absl::StartsWith(source, "dangbo.records") ? *records_channel_
                                                              : *analytics_channel_;
    grpc::GenericStub stub(channel);
    const MethodDescriptor* method =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(source);
    grpc::ClientContext context;
    context.AddMetadata("x-dangbo-principal", "hostile-client");
    std::string bytes = requests[source]->SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, absl::StrCat("/", method->service()->full_name(), "/", method->name()),
                   grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok()) << source;
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string raw;
    for (const auto& s : slices) raw.append(reinterpret_cast<const char*>(s.begin()), s.size());
    std::unique_ptr<Message> reply(google::protobuf::MessageFactory::generated_factory()
                                       ->GetPrototype(method->output_type())
                                       ->New());
    ASSERT_TRUE(reply->ParseFromString(raw));
    const FieldDescriptor* next = reply->GetDescriptor()->FindFieldByName("next_page_token");
    tokens[source] = reply->GetReflection()->GetString(*reply, next);
    ASSERT_FALSE(tokens[source].empty()) << source << " gave no next_page_token at page size 1";
  }

  std::string forged_raw(48, '\0');
  for (size_t i = 0; i < forged_raw.size(); ++i) forged_raw[i] = static_cast<char>(i * 37 + 2);
  forged_raw[0] = 2;  // the current token version, so only the signature is wrong
  const std::vector<std::pair<std::string, std::string>> bad_tokens = {
      {"forged", absl::WebSafeBase64Escape(forged_raw)},
      {"not base64", "not a token!"},
      {"huge", std::string(common::kMaxTextBytes - 1, 'A')},
      {"truncated", tokens["dangbo.records.v1.RecordsService.ListMembers"].substr(0, 20)},
  };
  for (const ListCase& c : ListCases()) {
    const MethodDescriptor* method =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(c.method);
    std::vector<std::pair<std::string, std::string>> cases = bad_tokens;
    for (const auto& [source, token] : tokens) {
      if (source != c.method) cases.emplace_back(absl::StrCat("from ", source), token);
    }
    for (const auto& [kind, token] : cases) {
      std::unique_ptr<Message> request(requests[c.method]->New());
      request->CopyFrom(*requests[c.method]);
      request->GetReflection()->SetString(
          request.get(), request->GetDescriptor()->FindFieldByName("page_token"), token);
      const std::string what = absl::StrCat(c.method, " with a page token ", kind);
      Answer answer = Call(stub_for(*method), *method, request->SerializeAsString());
      Details d = ExpectWellFormedError(answer, what);
      EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << what;
      ASSERT_FALSE(d.violations.empty()) << what << ": " << answer.status.error_message();
      EXPECT_EQ(d.violations[0].first, "page_token") << what;
    }
  }
}

// While hostile callers send the largest requests they may, another client's GetMember is
// still answered within a second each time.
TEST_F(HostileInputTest, AnotherClientIsServedMeanwhile) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const MethodDescriptor* list = pool->FindMethodByName(
      "dangbo.records.v1.RecordsService.ListMembers");
  const MethodDescriptor* admit = pool->FindMethodByName(
      "dangbo.records.v1.RecordsService.AdmitMember");
  std::atomic<bool> stop{false};
  std::vector<std::thread> hostile;
  for (int t = 0; t < 4; ++t) {
    hostile.emplace_back([&, t] {
      grpc::GenericStub stub(*records_channel_);
      rv1::ListMembersRequest query;
      query.set_parent("organizations/hq-long-an");
      // A name query of many words, as long as a field may be.
      std::string words;
      while (words.size() + 8 < common::kMaxTextBytes - 32) words += "nguyen ";
      query.set_filter(absl::StrCat("name_query = \"", words, "\""));
      rv1::AdmitMemberRequest oversized;
      oversized.set_parent("organizations/hq-long-an");
      oversized.mutable_member()->set_full_name(std::string(1 << 20, 'x'));
      while (!stop.load()) {
        Call(&stub, *list, query.SerializeAsString(), std::chrono::seconds(30));
        if (t % 2 == 1) Call(&stub, *admit, oversized.SerializeAsString(), std::chrono::seconds(30));
      }
    });
  }
  auto stub = rv1::RecordsService::NewStub(*records_channel_);
  std::chrono::milliseconds slowest{0};
  int answered = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (std::chrono::steady_clock::now() < end) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("x-dangbo-principal", "patient-client");
    rv1::GetMemberRequest request;
    request.set_name(kMember);
    rv1::Member member;
    const auto start = std::chrono::steady_clock::now();
    grpc::Status status = stub->GetMember(&context, request, &member);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    EXPECT_TRUE(status.ok()) << status.error_message();
    slowest = std::max(slowest, took);
    ++answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& t : hostile) t.join();
  std::cout << "GetMember: " << answered << " calls, slowest " << slowest.count() << " ms\n";
  EXPECT_GT(answered, 10);
  EXPECT_LT(slowest, kAnswerWithin) << "GetMember waited behind hostile calls";
}

}  // namespace
