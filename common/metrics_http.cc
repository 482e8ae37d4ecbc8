#include "common/metrics_http.h"

#include <atomic>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace common {

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& host, int port, MetricsRegistry* registry) {
  std::unique_ptr<MetricsHttpServer> http(new MetricsHttpServer());
  http->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *http->server_;
  // Scrapes are rare and small: two workers are plenty.
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.Get("/metrics", [registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("dangbo: Prometheus metrics at /metrics\n", "text/plain");
  });
  // IPv6 literals come bracketed from --listen ("[::]").
  std::string bind_host = host;
  if (bind_host.size() > 2 && bind_host.front() == '[' && bind_host.back() == ']') {
    bind_host = bind_host.substr(1, bind_host.size() - 2);
  }
  if (port == 0) {
    http->port_ = server.bind_to_any_port(bind_host);
  } else if (server.bind_to_port(bind_host, port)) {
    http->port_ = port;
  }
  if (http->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for metrics on ", host, ":", port,
                                               " (address in use or not local?)"));
  }
  auto ended = std::make_shared<std::atomic<bool>>(false);
  http->thread_ = std::thread([&server, ended] {
    server.listen_after_bind();
    ended->store(true);
  });
  // stop() is a no-op until the listen loop runs, so Stop() right after Start() would hang
  // in join(): return only once it runs.
  while (!server.is_running()) {
    if (ended->load()) {
      return absl::UnavailableError(
          absl::StrCat("the metrics listener on ", host, ":", http->port_, " stopped"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return http;
}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

void MetricsHttpServer::Stop() {
  if (server_ != nullptr) {
    server_->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace common
