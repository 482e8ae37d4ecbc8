// File: common/metrics_http.h
//
// The Prometheus scrape endpoint: GET /metrics on its own port serves a MetricsRegistry in
// the text exposition format (Content-Type text/plain; version=0.0.4); GET / points at it.
// HEAD is answered like GET without the body; another path is 404, another method 405.
//
//   auto http = MetricsHttpServer::Start("0.0.0.0", 9091, &MetricsRegistry::Default());
//   if (!http.ok()) ...;            // UNAVAILABLE: the port is taken or the host is not local
//   (*http)->port();                // the bound port (port 0 picks a free one)
//   (*http)->Stop();                // also on destruction
//
// One thread serves every connection over non-blocking sockets, so connections that are idle,
// slow or hostile cannot take the thread a scrape needs (a thread-per-connection server can
// be starved by as many connections that send nothing, or a request a byte at a time), and
// none of the gRPC server's threads are involved. Every connection is bounded
// (MetricsHttpLimits, deploy/OPERATIONS.md "Metrics"):
//   - its request head (request line and headers) must arrive whole within
//     `request_timeout` of the connection being accepted, however it trickles in, and be at
//     most `max_request_head` bytes: else 408 / 431 and the connection is closed;
//   - the client must take the whole response within `write_timeout`;
//   - one request per connection: the response says "Connection: close" (no keep-alive);
//   - at most `max_connections` are open at once: a new one closes the oldest.
// A scrape (a request sent at once, a response of a few hundred KiB read at once) is
// unaffected; the registry is rendered on the serving thread, one scrape at a time.
//
// Thread-safety: Stop() may be called from any thread; the registry must outlive the server.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/metrics.h"

namespace common {

struct MetricsHttpLimits {
  absl::Duration request_timeout = absl::Seconds(2);
  absl::Duration write_timeout = absl::Seconds(5);
  size_t max_request_head = 8 * 1024;
  size_t max_connections = 128;
};

class MetricsHttpServer {
 public:
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& host, int port, MetricsRegistry* registry,
      MetricsHttpLimits limits = MetricsHttpLimits());
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  int port() const { return port_; }
  // Stops listening and closes every connection (a scrape being rendered finishes first).
  // Idempotent.
  void Stop();

 private:
  MetricsHttpServer() = default;
  void Serve();

  MetricsRegistry* registry_ = nullptr;
  MetricsHttpLimits limits_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd: Stop() wakes the serving thread
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace common
