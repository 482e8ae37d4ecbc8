#include "tests/bench/dataset/loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "grpcpp/client_context.h"

namespace bench::dataset {
namespace {

namespace av1 = ::dangbo::analytics::v1;

// Runs fn(1..n) on `threads` threads; stops handing out work after the first error.
absl::Status ParallelFor(int64_t n, int threads, const std::function<absl::Status(int64_t)>& fn) {
  std::atomic<int64_t> next{1};
  std::mutex mu;
  absl::Status first_error;
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < std::max(1, threads); ++t) {
    workers.emplace_back([&] {
      for (int64_t i = next++; i <= n && !failed.load(); i = next++) {
        absl::Status s = fn(i);
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = s;
          failed = true;
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  return first_error;
}

// RESOURCE_EXHAUSTED (the server's rate limit) and UNAVAILABLE are retried with backoff;
// every write carries a request_id, so a retry never writes twice.
bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::RESOURCE_EXHAUSTED || code == grpc::StatusCode::UNAVAILABLE;
}
constexpr int kAttempts = 20;
void Backoff(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1000, 5 << attempt)));
}

template <typename Call>
absl::Status Unary(const LoadOptions& options, absl::string_view what, const Call& call) {
  grpc::Status s;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(options.deadline_seconds));
    context.AddMetadata("x-dangbo-principal", "bench-dataset");
    s = call(&context);
    if (!Retryable(s.error_code())) break;
    Backoff(attempt);
  }
  if (s.ok()) return absl::OkStatus();
  absl::Status status = common::FromGrpcStatus(s);
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

// Imports the members of organization o on one stream.
absl::Status ImportOnce(const Shape& shape, const LoadOptions& options, int64_t o,
                        dangbo::records::v1::RecordsService::StubInterface* stub,
                        std::atomic<int64_t>* committed, std::atomic<int64_t>* already_committed) {
  const int64_t first = FirstOfPart(o, shape.members, shape.organizations);
  const int64_t end = FirstOfPart(o + 1, shape.members, shape.organizations);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(options.deadline_seconds));
  context.AddMetadata("x-dangbo-principal", "bench-dataset");
  v1::ImportMembersResponse response;
  auto writer = stub->ImportMembers(&context, &response);
  v1::ImportMembersRequest message;
  message.mutable_header()->set_parent(OrganizationName(o));
  message.mutable_header()->set_request_id(absl::StrCat("bench-import-", shape.seed, "-", o));
  bool open = writer->Write(message);
  for (int64_t k = first; k < end && open; ++k) {
    *message.mutable_row() = MemberRow(shape, k);
    open = writer->Write(message);
  }
  if (open) writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) {
    return absl::Status(
        common::FromGrpcStatus(s).code(),
        absl::StrCat("ImportMembers ", OrganizationName(o), ": ", s.error_message()));
  }
  if (response.errors_size() > 0) {
    const auto& e = response.errors(0);
    return absl::InternalError(absl::StrCat("ImportMembers ", OrganizationName(o), " row ", e.row(),
                                            " (", e.field(), "): ", e.message(), " [",
                                            response.errors_size(), " row errors]"));
  }
  *committed += response.committed();
  *already_committed += response.already_committed();
  return absl::OkStatus();
}

// ImportOnce, retried.
absl::Status ImportOrganization(const Shape& shape, const LoadOptions& options, int64_t o,
                                dangbo::records::v1::RecordsService::StubInterface* stub,
                                std::atomic<int64_t>* committed,
                                std::atomic<int64_t>* already_committed) {
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    status = ImportOnce(shape, options, o, stub, committed, already_committed);
    if (!Retryable(static_cast<grpc::StatusCode>(status.code()))) break;
    Backoff(attempt);  // the resent import skips the rows already committed
  }
  return status;
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

const PhaseResult* LoadResult::phase(const std::string& name) const {
  for (const PhaseResult& p : phases) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

absl::StatusOr<LoadResult> Load(const Shape& s, const LoadOptions& options,
                                dangbo::records::v1::RecordsService::StubInterface* records,
                                av1::AnalyticsService::StubInterface* analytics) {
  LoadResult result;
  const int threads = options.streams;
  auto phase = [&](const std::string& name, int64_t n,
                   const std::function<absl::Status(int64_t)>& fn) -> absl::Status {
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = ParallelFor(n, threads, fn);
    result.phases.push_back({name, n, Since(start)});
    return status;
  };

  absl::Status status = phase("organizations", s.organizations, [&](int64_t o) {
    v1::Organization out;
    const v1::CreateOrganizationRequest req = OrganizationRequest(s, o);
    return Unary(options, absl::StrCat("CreateOrganization ", o),
                 [&](grpc::ClientContext* c) { return records->CreateOrganization(c, req, &out); });
  });
  if (!status.ok()) return status;
  status = phase("cells", s.cells, [&](int64_t c) {
    v1::Cell out;
    const v1::CreateCellRequest req = CellRequest(s, c);
    return Unary(options, absl::StrCat("CreateCell ", c),
                 [&](grpc::ClientContext* ctx) { return records->CreateCell(ctx, req, &out); });
  });
  if (!status.ok()) return status;

  std::atomic<int64_t> committed{0}, already{0};
  status = phase("import", s.organizations, [&](int64_t o) {
    return ImportOrganization(s, options, o, records, &committed, &already);
  });
  result.phases.back().items = committed.load();
  result.members_committed = committed.load();
  result.members_already_committed = already.load();
  if (!status.ok()) return status;

  if (options.lifecycle) {
    std::atomic<int64_t> rated{0}, transferred{0}, removed{0};
    status = phase("lifecycle", s.members, [&](int64_t k) -> absl::Status {
      v1::Member out;
      switch (FateOf(s, k)) {
        case Fate::kRated: {
          const v1::RateMemberRequest req = RatingRequest(s, k);
          ++rated;
          return Unary(options, absl::StrCat("RateMember ", req.name()),
                       [&](grpc::ClientContext* c) { return records->RateMember(c, req, &out); });
        }
        case Fate::kTransferred: {
          const std::optional<v1::TransferMemberRequest> req = TransferRequest(s, k);
          if (!req.has_value()) return absl::OkStatus();
          ++transferred;
          return Unary(
              options, absl::StrCat("TransferMember ", req->name()),
              [&](grpc::ClientContext* c) { return records->TransferMember(c, *req, &out); });
        }
        case Fate::kRemoved: {
          const v1::RemoveMemberRequest req = RemovalRequest(s, k);
          ++removed;
          return Unary(options, absl::StrCat("RemoveMember ", req.name()),
                       [&](grpc::ClientContext* c) { return records->RemoveMember(c, req, &out); });
        }
        case Fate::kNone:
          return absl::OkStatus();
      }
      return absl::OkStatus();
    });
    result.phases.back().items = rated + transferred + removed;
    result.rated = rated;
    result.transferred = transferred;
    result.removed = removed;
    if (!status.ok()) return status;
    std::atomic<int64_t> plans{0};
    status = phase("inspection_plans", s.organizations, [&](int64_t o) -> absl::Status {
      const std::optional<v1::CreateInspectionPlanRequest> req = InspectionPlanRequest(s, o);
      if (!req.has_value()) return absl::OkStatus();
      ++plans;
      v1::InspectionPlan out;
      return Unary(
          options, absl::StrCat("CreateInspectionPlan ", req->parent()),
          [&](grpc::ClientContext* c) { return records->CreateInspectionPlan(c, *req, &out); });
    });
    result.phases.back().items = plans;
    result.plans = plans;
    if (!status.ok()) return status;
  }

  if (analytics != nullptr) {
    std::atomic<int64_t> observations{0};
    status = phase("indicators", s.organizations, [&](int64_t o) -> absl::Status {
      av1::Indicator indicator;
      const av1::CreateIndicatorRequest create = IndicatorRequest(o);
      absl::Status created = Unary(options, absl::StrCat("CreateIndicator ", create.parent()),
                                   [&](grpc::ClientContext* c) {
                                     return analytics->CreateIndicator(c, create, &indicator);
                                   });
      if (!created.ok() && created.code() != absl::StatusCode::kAlreadyExists) return created;
      const av1::RecordObservationsRequest req = ObservationsRequest(s, o);
      av1::RecordObservationsResponse out;
      absl::Status recorded = Unary(
          options, absl::StrCat("RecordObservations ", req.parent()),
          [&](grpc::ClientContext* c) { return analytics->RecordObservations(c, req, &out); });
      if (!recorded.ok()) return recorded;
      if (out.errors_size() > 0) {
        return absl::InternalError(
            absl::StrCat("RecordObservations ", req.parent(), ": ", out.errors(0).message()));
      }
      observations += out.written() + out.unchanged();
      return absl::OkStatus();
    });
    result.phases.back().items = observations;
    result.observations = observations;
    if (!status.ok()) return status;
  }
  return result;
}

std::string ManifestJson(const Shape& s, const LoadOptions& options, const LoadResult& r,
                         const std::string& target) {
  std::vector<std::string> phases;
  for (const PhaseResult& p : r.phases) {
    phases.push_back(absl::StrCat("{\"name\": \"", p.name, "\", \"items\": ", p.items,
                                  ", \"seconds\": ", p.seconds,
                                  ", \"per_second\": ", static_cast<int64_t>(p.per_second()), "}"));
  }
  const PhaseResult* import = r.phase("import");
  return absl::StrCat(
      "{\n  \"target\": \"", target, "\",\n  \"seed\": ", s.seed, ",\n  \"members\": ", s.members,
      ",\n  \"cells\": ", s.cells, ",\n  \"organizations\": ", s.organizations,
      ",\n  \"streams\": ", options.streams,
      ",\n  \"naming\": {\"organization\": \"organizations/o-%05d\", \"cell\": "
      "\"organizations/o-%05d/cells/c-%06d\", \"member\": \"organizations/o-%05d/members/m-%07d\", "
      "\"org_of_member\": \"floor((k-1)*O/N)+1\", \"org_of_cell\": \"floor((c-1)*O/C)+1\", "
      "\"first_of_part\": \"ceil((p-1)*items/parts)+1\", \"cell_of_member\": "
      "\"first_cell(o) + (k - first_member(o)) mod cells(o)\"},\n  \"members_committed\": ",
      r.members_committed, ",\n  \"members_already_committed\": ", r.members_already_committed,
      ",\n  \"rated\": ", r.rated, ",\n  \"transferred\": ", r.transferred,
      ",\n  \"removed\": ", r.removed, ",\n  \"inspection_plans\": ", r.plans,
      ",\n  \"observations\": ", r.observations, ",\n  \"import_members_per_second\": ",
      import != nullptr ? static_cast<int64_t>(import->per_second()) : 0, ",\n  \"phases\": [",
      absl::StrJoin(phases, ", "), "]\n}\n");
}

}  // namespace bench::dataset
