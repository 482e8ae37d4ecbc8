// File: services/analytics/service/analytics_service.h
//
// The AnalyticsService handlers (gRPC callback API). Each handler is thin: authorize,
// validate the request, read or write the stores, apply the domain rules (domain/), reply.
// Errors are absl::Status values converted once, with common::ToGrpcStatus.
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
  // data (RankOrganizations reads every organization) off gRPC's callback threads.
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

  // The handlers without gRPC (the callback methods above call these).
  absl::Status DoCreateIndicator(const std::string& principal,
                                 const v1::CreateIndicatorRequest& request,
                                 v1::Indicator* response);
  absl::Status DoGetIndicator(const v1::GetIndicatorRequest& request, v1::Indicator* response);
  absl::Status DoListIndicators(const v1::ListIndicatorsRequest& request,
                                v1::ListIndicatorsResponse* response);
  absl::Status DoUpdateIndicator(const v1::UpdateIndicatorRequest& request,
                                 v1::Indicator* response);
  absl::Status DoDeleteIndicator(const v1::DeleteIndicatorRequest& request);
  // `stop` (not null): the long loops of these handlers end with CANCELLED or
  // DEADLINE_EXCEEDED once the call has ended (common/cancellation.h).
  absl::Status DoRecordObservations(const std::string& principal,
                                    const v1::RecordObservationsRequest& request,
                                    v1::RecordObservationsResponse* response,
                                    common::Cancellation* stop);
  absl::Status DoListObservations(const v1::ListObservationsRequest& request,
                                  v1::ListObservationsResponse* response,
                                  common::Cancellation* stop);
  absl::Status DoGetYearlyPerformance(const v1::GetYearlyPerformanceRequest& request,
                                      v1::GetYearlyPerformanceResponse* response);
  absl::Status DoCompareYears(const v1::CompareYearsRequest& request,
                              v1::CompareYearsResponse* response);
  absl::Status DoGetTermSummary(const v1::GetTermSummaryRequest& request,
                                v1::GetTermSummaryResponse* response);
  absl::Status DoRankOrganizations(const v1::RankOrganizationsRequest& request,
                                   v1::RankOrganizationsResponse* response,
                                   common::Cancellation* stop);
  absl::Status DoGetIndicatorSeries(const v1::GetIndicatorSeriesRequest& request,
                                    v1::GetIndicatorSeriesResponse* response,
                                    common::Cancellation* stop);
  absl::Status DoGetPartyStatistics(const v1::GetPartyStatisticsRequest& request,
                                    v1::PartyStatistics* response);
  absl::Status DoListPartyStatistics(const v1::ListPartyStatisticsRequest& request,
                                     v1::ListPartyStatisticsResponse* response,
                                     common::Cancellation* stop);

 private:
  template <typename Fn>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  const google::protobuf::Message& request, Fn fn);
  // Authorizes here, then runs `fn(common::Cancellation*)` on scan_pool_ (inline when null);
  // `fn` runs after the handler returned and must own what it captures.
  template <typename Fn>
  grpc::ServerUnaryReactor* ServeFromPool(grpc::CallbackServerContext* ctx,
                                          absl::string_view method,
                                          const google::protobuf::Message& request, Fn fn);
  // A write: done here on a writer, forwarded with `forward` on a replica.
  template <typename Request, typename Response, typename Fn>
  grpc::ServerUnaryReactor* ServeWrite(grpc::CallbackServerContext* ctx, absl::string_view method,
                                       const Request& request, Response* response,
                                       grpc::Status (v1::AnalyticsService::StubInterface::*forward)(
                                           grpc::ClientContext*, const Request&, Response*),
                                       Fn fn);

  IndicatorStore* indicators_;
  ReadModelStore* read_model_;
  RecordsFollower* follower_;
  const common::Authorizer* authorizer_;
  Replication replication_;
  common::WorkPool* scan_pool_;
  ValueDomainReport value_domains_;
};

}  // namespace analytics
