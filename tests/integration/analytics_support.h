// File: tests/integration/analytics_support.h
//
// Helpers for analytics' integration tests: an in-process AnalyticsServer on 127.0.0.1 port
// 0 over a temporary data directory, its generated stub, and builders of records resources
// for the fake records change stream.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "grpcpp/client_context.h"
#include "services/analytics/analytics_server.h"

namespace analytics_testing {

namespace v1 = ::dangbo::analytics::v1;

// The configuration StartAnalytics uses: 127.0.0.1 port 0, short backoffs, no sync.
analytics::AnalyticsConfig TestConfig(const std::string& data_dir,
                                      const std::string& records_target = "");

// Starts analytics on `data_dir`, following `records_target` when non-empty.
std::unique_ptr<analytics::AnalyticsServer> StartAnalytics(const std::string& data_dir,
                                                           const std::string& records_target = "");

// Starts a read replica of the writer at `writer_target` ("127.0.0.1:PORT").
std::unique_ptr<analytics::AnalyticsServer> StartReplica(const std::string& data_dir,
                                                         const std::string& writer_target,
                                                         const std::string& records_target = "");

std::unique_ptr<v1::AnalyticsService::Stub> Connect(int port);

// A client context with a 10 s deadline.
std::unique_ptr<grpc::ClientContext> Context();

// Polls `condition` every 20 ms until true or `timeout`.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(15));

dangbo::records::v1::Organization Organization(const std::string& id, const std::string& display,
                                               const std::string& region,
                                               const std::string& parent = "");

// A CreateIndicatorRequest for indicator `id` of the seed organization, shaped like its first
// seed indicator.
v1::CreateIndicatorRequest NewIndicator(const std::string& id);

}  // namespace analytics_testing
