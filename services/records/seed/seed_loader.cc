#include "services/records/seed/seed_loader.h"

#include <chrono>
#include <functional>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "grpcpp/client_context.h"
#include "services/records/seed/long_an_dataset.h"
#include "services/records/seed/long_an_dues.h"

namespace records::seed {
namespace {

using Stub = dangbo::records::v1::RecordsService::StubInterface;

absl::Status Call(absl::string_view what,
                  const std::function<grpc::Status(grpc::ClientContext*)>& rpc) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  context.AddMetadata("x-dangbo-principal", "seed-loader");
  grpc::Status status = rpc(&context);
  if (status.ok()) return absl::OkStatus();
  absl::Status s = common::FromGrpcStatus(status);
  return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
}

// Calls `rpc` for every request of `requests`, naming each failure by `what` and the request.
template <typename Req, typename Resp>
absl::Status CallEach(const std::vector<Req>& requests, absl::string_view what,
                      grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Req&, Resp*),
                      Stub* stub, int* writes) {
  for (const Req& req : requests) {
    Resp response;
    absl::Status s = Call(absl::StrCat(what, " ", req.request_id()),
                          [&](grpc::ClientContext* c) { return (stub->*rpc)(c, req, &response); });
    if (!s.ok()) return s;
    ++*writes;
  }
  return absl::OkStatus();
}

absl::Status LoadDuesAndMeetings(Stub* stub, LoadResult* result) {
  const DuesAndMeetings& d = LongAnDuesAndMeetings();
  {
    grpc::ClientContext context;
    context.AddMetadata("x-dangbo-principal", "seed-loader");
    v1::GetMeetingRequest get;
    const v1::CreateMeetingRequest& last = d.meetings.back();
    get.set_name(absl::StrCat(last.parent(), "/meetings/", last.meeting_id()));
    v1::Meeting meeting;
    grpc::Status s = stub->GetMeeting(&context, get, &meeting);
    if (s.ok()) {
      result->dues_already_present = true;
      return absl::OkStatus();
    }
    if (s.error_code() != grpc::StatusCode::NOT_FOUND) return common::FromGrpcStatus(s);
  }
  int* n = &result->dues_writes;
  absl::Status s =
      CallEach(d.rate_tables, "CreateDuesRateTable", &Stub::CreateDuesRateTable, stub, n);
  if (s.ok()) s = CallEach(d.bases, "CreateDuesBasis", &Stub::CreateDuesBasis, stub, n);
  if (s.ok()) s = CallEach(d.payments, "RecordDuesPayment", &Stub::RecordDuesPayment, stub, n);
  if (s.ok()) {
    s = CallEach(d.remittances, "RecordDuesRemittance", &Stub::RecordDuesRemittance, stub, n);
  }
  if (s.ok()) s = CallEach(d.meetings, "CreateMeeting", &Stub::CreateMeeting, stub, n);
  return s;
}

}  // namespace

absl::StatusOr<LoadResult> LoadLongAnSeed(Stub* stub) {
  const Dataset& d = LongAnDataset();
  LoadResult result;
  {
    grpc::ClientContext context;
    v1::GetOrganizationRequest get;
    get.set_name(kOrganizationName);
    v1::Organization org;
    grpc::Status s = stub->GetOrganization(&context, get, &org);
    if (s.ok()) {
      result.already_present = true;
      absl::Status dues = LoadDuesAndMeetings(stub, &result);
      if (!dues.ok()) return dues;
      return result;
    }
    if (s.error_code() != grpc::StatusCode::NOT_FOUND) return common::FromGrpcStatus(s);
  }
  v1::Organization org;
  absl::Status s = Call("CreateOrganization", [&](grpc::ClientContext* c) {
    return stub->CreateOrganization(c, d.organization, &org);
  });
  if (!s.ok()) return s;
  ++result.writes;
  for (const auto& req : d.peers) {
    v1::Organization peer;
    s = Call(absl::StrCat("CreateOrganization ", req.organization_id()),
             [&](grpc::ClientContext* c) { return stub->CreateOrganization(c, req, &peer); });
    if (!s.ok()) return s;
    ++result.writes;
  }
  for (const auto& req : d.cells) {
    v1::Cell cell;
    s = Call(absl::StrCat("CreateCell ", req.cell_id()),
             [&](grpc::ClientContext* c) { return stub->CreateCell(c, req, &cell); });
    if (!s.ok()) return s;
    ++result.writes;
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("x-dangbo-principal", "seed-loader");
    v1::ImportMembersResponse response;
    std::unique_ptr<grpc::ClientWriterInterface<v1::ImportMembersRequest>> writer =
        stub->ImportMembers(&context, &response);
    v1::ImportMembersRequest message;
    *message.mutable_header() = d.import_header;
    bool ok = writer->Write(message);
    for (const auto& row : d.members) {
      if (!ok) break;
      *message.mutable_row() = row;
      ok = writer->Write(message);
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (!status.ok()) return common::FromGrpcStatus(status);
    if (response.errors_size() > 0) {
      return absl::InternalError(absl::StrCat("ImportMembers rejected row ",
                                              response.errors(0).row(), ": ",
                                              response.errors(0).message()));
    }
    result.members = response.committed();
    ++result.writes;
  }
  for (const auto& req : d.committees) {
    v1::Cell cell;
    s = Call(absl::StrCat("SetCellCommittee ", req.name()),
             [&](grpc::ClientContext* c) { return stub->SetCellCommittee(c, req, &cell); });
    if (!s.ok()) return s;
    ++result.writes;
  }
  for (const auto& req : d.cell_ratings) {
    v1::Cell cell;
    s = Call(absl::StrCat("RateCell ", req.name()),
             [&](grpc::ClientContext* c) { return stub->RateCell(c, req, &cell); });
    if (!s.ok()) return s;
    ++result.writes;
  }
  for (const auto& req : d.member_ratings) {
    v1::Member member;
    s = Call(absl::StrCat("RateMember ", req.name()),
             [&](grpc::ClientContext* c) { return stub->RateMember(c, req, &member); });
    if (!s.ok()) return s;
    ++result.writes;
  }
  for (const auto& req : d.inspection_plans) {
    v1::InspectionPlan plan;
    s = Call(absl::StrCat("CreateInspectionPlan ", req.inspection_plan_id()),
             [&](grpc::ClientContext* c) { return stub->CreateInspectionPlan(c, req, &plan); });
    if (!s.ok()) return s;
    ++result.writes;
  }
  v1::InspectionPlan plan;
  for (const auto& req : d.notifications) {
    s = Call(absl::StrCat("NotifyInspectionItem ", req.name(), " ", req.item_id()),
             [&](grpc::ClientContext* c) { return stub->NotifyInspectionItem(c, req, &plan); });
    if (!s.ok()) return s;
  }
  for (const auto& req : d.starts) {
    s = Call(absl::StrCat("StartInspectionItem ", req.name(), " ", req.item_id()),
             [&](grpc::ClientContext* c) { return stub->StartInspectionItem(c, req, &plan); });
    if (!s.ok()) return s;
  }
  for (const auto& req : d.conclusions) {
    s = Call(absl::StrCat("ConcludeInspectionItem ", req.name(), " ", req.item_id()),
             [&](grpc::ClientContext* c) { return stub->ConcludeInspectionItem(c, req, &plan); });
    if (!s.ok()) return s;
  }
  for (const auto& req : d.closings) {
    s = Call(absl::StrCat("CloseInspectionItem ", req.name(), " ", req.item_id()),
             [&](grpc::ClientContext* c) { return stub->CloseInspectionItem(c, req, &plan); });
    if (!s.ok()) return s;
  }
  result.writes += static_cast<int>(d.notifications.size() + d.starts.size() +
                                    d.conclusions.size() + d.closings.size());
  s = LoadDuesAndMeetings(stub, &result);
  if (!s.ok()) return s;
  return result;
}

}  // namespace records::seed
