// File: services/analytics/service/analytics_service.h
//
// The AnalyticsService handlers (gRPC callback API), split by resource as records' are:
// indicator_handlers.cc, observation_handlers.cc, performance_handlers.cc (yearly
// performance, year comparison, term summary, series, ranking, the yearly and term report),
// party_statistics_handlers.cc and replication_handlers.cc (follower status, the indicator
// stream, a replica's forwarded writes). Every unary handler has one shape (Serve,
// handler_util.h): authorize, validate the request (domain/validation.h), read or write the
// stores, apply the domain rules (domain/), reply. Errors are absl::Status values converted
// once, with common::ToGrpcStatus.
//
// Indicator replication (Replication below): a writer commits indicator writes, returns the
// indicator log's head in the trailing metadata "dangbo-indicator-sequence" and serves
// WatchIndicatorChanges; a read replica authorizes a write, forwards it to the writer with
// the caller's own authorization header and deadline, then waits (at most 5 s) until its
// follower has applied that sequence, so the caller reads its own write from this replica.
//
// Thread-safe; the stores, follower and authorizer must outlive the service.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/authorizer.h"
#include "common/cancellation.h"
#include "common/change_hub.h"
#include "common/work_pool.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "services/analytics/follower/indicator_follower.h"
#include "services/analytics/follower/records_follower.h"
#include "services/analytics/service/value_domain_report.h"
#include "services/analytics/store/indicator_store.h"
#include "services/analytics/store/read_model_store.h"

namespace analytics {

namespace v1 = ::dangbo::analytics::v1;

// The trailing metadata key carrying the writer's indicator log head after a write.
inline constexpr char kIndicatorSequenceKey[] = "dangbo-indicator-sequence";

// Which side of indicator replication this server is on. Writer: `hub` set. Replica:
// `writer` and `follower` set. Must outlive the service.
struct Replication {
  common::ChangeHub* hub = nullptr;
  v1::AnalyticsService::StubInterface* writer = nullptr;
  IndicatorFollower* follower = nullptr;
  bool replica() const { return writer != nullptr; }
};

class AnalyticsServiceImpl final : public v1::AnalyticsService::CallbackService {
 public:
  // `scan_pool` (not owned, may be null: inline) runs the queries whose cost grows with the
  // data (RankOrganizations and GenerateReport read every organization) off gRPC's callback
  // threads.
  AnalyticsServiceImpl(IndicatorStore* indicators, ReadModelStore* read_model,
                       RecordsFollower* follower, const common::Authorizer* authorizer,
                       Replication replication = {}, common::WorkPool* scan_pool = nullptr);

  grpc::ServerUnaryReactor* CreateIndicator(grpc::CallbackServerContext* ctx,
                                            const v1::CreateIndicatorRequest* request,
                                            v1::Indicator* response) override;
  grpc::ServerUnaryReactor* GetIndicator(grpc::CallbackServerContext* ctx,
                                         const v1::GetIndicatorRequest* request,
                                         v1::Indicator* response) override;
  grpc::ServerUnaryReactor* ListIndicators(grpc::CallbackServerContext* ctx,
                                           const v1::ListIndicatorsRequest* request,
                                           v1::ListIndicatorsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateIndicator(grpc::CallbackServerContext* ctx,
                                            const v1::UpdateIndicatorRequest* request,
                                            v1::Indicator* response) override;
  grpc::ServerUnaryReactor* DeleteIndicator(grpc::CallbackServerContext* ctx,
                                            const v1::DeleteIndicatorRequest* request,
                                            google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* RecordObservations(grpc::CallbackServerContext* ctx,
                                               const v1::RecordObservationsRequest* request,
                                               v1::RecordObservationsResponse* response) override;
  grpc::ServerUnaryReactor* ListObservations(grpc::CallbackServerContext* ctx,
                                             const v1::ListObservationsRequest* request,
                                             v1::ListObservationsResponse* response) override;
  grpc::ServerUnaryReactor* GetYearlyPerformance(
      grpc::CallbackServerContext* ctx, const v1::GetYearlyPerformanceRequest* request,
      v1::GetYearlyPerformanceResponse* response) override;
  grpc::ServerUnaryReactor* CompareYears(grpc::CallbackServerContext* ctx,
                                         const v1::CompareYearsRequest* request,
                                         v1::CompareYearsResponse* response) override;
  grpc::ServerUnaryReactor* GetTermSummary(grpc::CallbackServerContext* ctx,
                                           const v1::GetTermSummaryRequest* request,
                                           v1::GetTermSummaryResponse* response) override;
  grpc::ServerUnaryReactor* RankOrganizations(grpc::CallbackServerContext* ctx,
                                              const v1::RankOrganizationsRequest* request,
                                              v1::RankOrganizationsResponse* response) override;
  grpc::ServerUnaryReactor* GetIndicatorSeries(grpc::CallbackServerContext* ctx,
                                               const v1::GetIndicatorSeriesRequest* request,
                                               v1::GetIndicatorSeriesResponse* response) override;
  grpc::ServerUnaryReactor* GenerateReport(grpc::CallbackServerContext* ctx,
                                           const v1::GenerateReportRequest* request,
                                           v1::GenerateReportResponse* response) override;
  grpc::ServerUnaryReactor* GetPartyStatistics(grpc::CallbackServerContext* ctx,
                                               const v1::GetPartyStatisticsRequest* request,
                                               v1::PartyStatistics* response) override;
  grpc::ServerUnaryReactor* ListPartyStatistics(grpc::CallbackServerContext* ctx,
                                                const v1::ListPartyStatisticsRequest* request,
                                                v1::ListPartyStatisticsResponse* response) override;
  grpc::ServerUnaryReactor* GetFollowerStatus(grpc::CallbackServerContext* ctx,
                                              const v1::GetFollowerStatusRequest* request,
                                              v1::GetFollowerStatusResponse* response) override;
  grpc::ServerWriteReactor<v1::IndicatorChange>* WatchIndicatorChanges(
      grpc::CallbackServerContext* ctx, const v1::WatchIndicatorChangesRequest* request) override;

  // Writers, before serving: reports stored observations outside their indicator's value
  // domain (value_domain_report.h).
  absl::Status CheckValueDomains() { return value_domains_.CheckAll(); }
  const ValueDomainReport& value_domains() const { return value_domains_; }

 private:
  // How a unary call runs once authorized (Serve): on gRPC's callback thread, or on
  // scan_pool_ for the queries whose cost grows with the data. A write names its method of
  // the writer's stub instead (handler_util.h).
  enum class Mode { kNow, kOnPool };

  // What a handler is given: the authorized caller, and the Cancellation its long loops tick
  // (common/cancellation.h; never null).
  struct Call {
    const common::Principal& principal;
    common::Cancellation* stop;
  };

  // The one shape of every unary handler (defined in handler_util.h): authorize `method`,
  // then run `handler(const Call&)` as `how` says, and finish the call with its status.
  template <typename Request, typename Response, typename How, typename Handler>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  const Request* request, Response* response, How how,
                                  Handler handler);
  // A replica's write: sent to the writer on a child of the call (ClientContext::
  // FromCallbackServerContext: its deadline and cancellation) with the caller's authorization
  // header and the call's request id and trace (common/correlation.h); the writer's answer,
  // once this replica applied it (at most kReadYourWriteWait).
  void PrepareForward(const grpc::CallbackServerContext& ctx, grpc::ClientContext* client) const;
  grpc::Status ForwardedStatus(absl::string_view method, const grpc::ClientContext& client,
                               grpc::Status status) const;

  IndicatorStore* indicators_;
  ReadModelStore* read_model_;
  RecordsFollower* follower_;
  const common::Authorizer* authorizer_;
  Replication replication_;
  common::WorkPool* scan_pool_;
  ValueDomainReport value_domains_;
};

}  // namespace analytics
