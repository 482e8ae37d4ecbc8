#include "tests/bench/harness/bench_targets.h"

#include <random>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(int64_t, bench_members, 0,
          "The dataset's members (bench_dataset --members): \"~random\" names draw from them.");
ABSL_FLAG(int64_t, bench_cells, 0, "The dataset's cells; 0: proportional, as bench_dataset.");
ABSL_FLAG(int64_t, bench_organizations, 0,
          "The dataset's organizations; 0: proportional, as bench_dataset.");

namespace bench {
namespace {

namespace rv1 = ::dangbo::records::v1;
namespace av1 = ::dangbo::analytics::v1;
namespace gx = ::grpc::experimental;

constexpr char kGetMember[] = "/dangbo.records.v1.RecordsService/GetMember";
constexpr char kListMembers[] = "/dangbo.records.v1.RecordsService/ListMembers";
constexpr char kGetYearlyPerformance[] =
    "/dangbo.analytics.v1.AnalyticsService/GetYearlyPerformance";

// One per call of a method it takes; the method decides the request's type.
template <typename Request>
class RandomTargetInterceptor : public gx::Interceptor {
 public:
  explicit RandomTargetInterceptor(const RandomTargets* targets) : targets_(targets) {}

  void Intercept(gx::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(gx::InterceptionHookPoints::POST_RECV_MESSAGE)) {
      // Null when the request did not parse (common/request_decode.h answers it).
      if (void* message = methods->GetRecvMessage()) {
        targets_->Rewrite(static_cast<Request*>(message));
      }
    }
    methods->Proceed();
  }

 private:
  const RandomTargets* targets_;
};

class RandomTargetFactory : public gx::ServerInterceptorFactoryInterface {
 public:
  explicit RandomTargetFactory(const dataset::Shape& shape) : targets_(shape) {}

  gx::Interceptor* CreateServerInterceptor(gx::ServerRpcInfo* info) override {
    const absl::string_view method = info->method();
    if (method == kGetMember) return new RandomTargetInterceptor<rv1::GetMemberRequest>(&targets_);
    if (method == kListMembers) {
      return new RandomTargetInterceptor<rv1::ListMembersRequest>(&targets_);
    }
    if (method == kGetYearlyPerformance) {
      return new RandomTargetInterceptor<av1::GetYearlyPerformanceRequest>(&targets_);
    }
    return nullptr;
  }

 private:
  const RandomTargets targets_;
};

}  // namespace

int64_t RandomTargets::Draw(int64_t n) const {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_int_distribution<int64_t>(1, n)(rng);
}

bool RandomTargets::Rewrite(rv1::GetMemberRequest* request) const {
  if (request->name() != kRandomMember) return false;
  request->set_name(dataset::MemberName(shape_, Draw(shape_.members)));
  return true;
}

bool RandomTargets::Rewrite(rv1::ListMembersRequest* request) const {
  if (request->parent() != kRandomOrganization) return false;
  const int64_t cell = Draw(shape_.cells);
  request->set_parent(dataset::OrganizationName(dataset::OrgOfCell(shape_, cell)));
  request->set_filter(absl::StrCat("cell = \"", dataset::CellName(shape_, cell), "\""));
  return true;
}

bool RandomTargets::Rewrite(av1::GetYearlyPerformanceRequest* request) const {
  if (request->organization() != kRandomOrganization) return false;
  request->set_organization(dataset::OrganizationName(Draw(shape_.organizations)));
  return true;
}

std::unique_ptr<gx::ServerInterceptorFactoryInterface> NewRandomTargetInterceptor(
    const dataset::Shape& shape) {
  return std::make_unique<RandomTargetFactory>(shape);
}

absl::StatusOr<dataset::Shape> ShapeFromFlags() {
  dataset::Shape shape;
  shape.members = absl::GetFlag(FLAGS_bench_members);
  shape.cells = absl::GetFlag(FLAGS_bench_cells);
  shape.organizations = absl::GetFlag(FLAGS_bench_organizations);
  std::optional<dataset::Shape> resolved = dataset::Resolve(shape);
  if (!resolved.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--bench_members (", shape.members, "), --bench_cells (", shape.cells,
        ") and --bench_organizations (", shape.organizations,
        ") do not describe a dataset: at least one member, and 1 <= organizations <= cells"));
  }
  return *resolved;
}

}  // namespace bench
