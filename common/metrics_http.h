// File: common/metrics_http.h
//
// The Prometheus scrape endpoint: GET /metrics on its own port serves a MetricsRegistry in
// the text exposition format (Content-Type text/plain; version=0.0.4). Built on cpp-httplib
// (Debian libcpp-httplib-dev), with a small thread pool so a slow scraper cannot take the
// gRPC server's threads. Anything but GET /metrics (and GET / for a pointer to it) is 404.
//
//   auto http = MetricsHttpServer::Start("0.0.0.0", 9091, &MetricsRegistry::Default());
//   if (!http.ok()) ...;            // UNAVAILABLE: the port is taken or the host is not local
//   (*http)->port();                // the bound port (port 0 picks a free one)
//   (*http)->Stop();                // also on destruction
//
// Thread-safety: Stop() may be called from any thread; the registry must outlive the server.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/metrics.h"

namespace httplib {
class Server;
}

namespace common {

class MetricsHttpServer {
 public:
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(const std::string& host, int port,
                                                                  MetricsRegistry* registry);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  int port() const { return port_; }
  // Stops listening and waits for requests in progress. Idempotent.
  void Stop();

 private:
  MetricsHttpServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace common
