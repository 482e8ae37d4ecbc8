// File: tests/integration/analytics_fake_records.h
//
// An in-process stand-in for records' change stream, for analytics' follower tests: a
// generated RecordsService::CallbackService serving a scripted change log on 127.0.0.1 —
// WatchChanges and WatchChangeBatches (batches of up to 3 events) (backlog, then a heartbeat
// with the head; live appends; OUT_OF_RANGE for a
// trimmed, ahead or foreign resume point), GetChangeLogState, and the List methods over the
// latest version of every resource. It can be stopped and restarted on the same port, and
// "restored" (new log id) to force a relist.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "grpcpp/server.h"

namespace analytics_testing {

namespace records = ::dangbo::records::v1;

class FakeRecords final : public records::RecordsService::CallbackService {
 public:
  FakeRecords();
  ~FakeRecords() override;

  // Serves on 127.0.0.1:`port` (0: a free port, remembered for restarts).
  void Start(int port = 0);
  void Stop();
  void Restart() { Start(port_); }
  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }

  // Appends a change event for the resource (whole resource after the change); returns its
  // sequence. A member is completed as records would send it (Member.statistics by records'
  // domain rules; see AsRecordsSendsIt).
  uint64_t Put(const records::Organization& organization);
  uint64_t Put(const records::Cell& cell);
  uint64_t Put(const records::Member& member);
  uint64_t Put(const records::InspectionPlan& plan);
  // Drops events up to `last_dropped` from the log (as retention trimming does).
  void Trim(uint64_t last_dropped);
  // A restore: a new log id (resume points no longer apply).
  void SetLogId(std::string log_id);
  uint64_t head() const;
  int list_calls() const;

  grpc::ServerWriteReactor<records::ChangeEvent>* WatchChanges(
      grpc::CallbackServerContext* ctx, const records::WatchChangesRequest* request) override;
  grpc::ServerWriteReactor<records::ChangeBatch>* WatchChangeBatches(
      grpc::CallbackServerContext* ctx, const records::WatchChangesRequest* request) override;
  grpc::ServerUnaryReactor* GetChangeLogState(
      grpc::CallbackServerContext* ctx, const records::GetChangeLogStateRequest* request,
      records::GetChangeLogStateResponse* response) override;
  grpc::ServerUnaryReactor* ListOrganizations(
      grpc::CallbackServerContext* ctx, const records::ListOrganizationsRequest* request,
      records::ListOrganizationsResponse* response) override;
  grpc::ServerUnaryReactor* ListCells(grpc::CallbackServerContext* ctx,
                                      const records::ListCellsRequest* request,
                                      records::ListCellsResponse* response) override;
  grpc::ServerUnaryReactor* ListMembers(grpc::CallbackServerContext* ctx,
                                        const records::ListMembersRequest* request,
                                        records::ListMembersResponse* response) override;
  grpc::ServerUnaryReactor* ListInspectionPlans(
      grpc::CallbackServerContext* ctx, const records::ListInspectionPlansRequest* request,
      records::ListInspectionPlansResponse* response) override;
  // Empty unless events put them (the follower lists them on a rebuild).
  grpc::ServerUnaryReactor* ListDuesRemittances(
      grpc::CallbackServerContext* ctx, const records::ListDuesRemittancesRequest* request,
      records::ListDuesRemittancesResponse* response) override;
  grpc::ServerUnaryReactor* ListMeetings(grpc::CallbackServerContext* ctx,
                                         const records::ListMeetingsRequest* request,
                                         records::ListMeetingsResponse* response) override;

  class Watch;
  template <typename Message>
  class WatchStream;

 private:
  uint64_t Append(records::ChangeEvent event);
  template <typename Message>
  grpc::ServerWriteReactor<Message>* OpenWatch(const records::WatchChangesRequest& request);

  mutable absl::Mutex log_mu_;
  std::map<uint64_t, records::ChangeEvent> log_ ABSL_GUARDED_BY(log_mu_);
  uint64_t head_ ABSL_GUARDED_BY(log_mu_) = 0;
  uint64_t first_retained_ ABSL_GUARDED_BY(log_mu_) = 1;
  std::string log_id_ ABSL_GUARDED_BY(log_mu_) = "log-1";
  std::map<std::string, records::ChangeEvent> latest_ ABSL_GUARDED_BY(log_mu_);
  int list_calls_ ABSL_GUARDED_BY(log_mu_) = 0;
  google::protobuf::Timestamp last_commit_time_ ABSL_GUARDED_BY(log_mu_);

  absl::Mutex watchers_mu_;
  std::set<Watch*> watchers_ ABSL_GUARDED_BY(watchers_mu_);

  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace analytics_testing
