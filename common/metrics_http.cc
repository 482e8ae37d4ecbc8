#include "common/metrics_http.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace common {
namespace {

using Clock = std::chrono::steady_clock;

// After the response, the connection is half-closed and what the client still sends is read
// and dropped for this long, so that closing does not reset the connection under a response
// the client has not read yet.
constexpr std::chrono::milliseconds kLinger(1000);

std::chrono::milliseconds Millis(absl::Duration d) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

struct Connection {
  enum class State { kReading, kWriting, kClosing };
  int fd = -1;
  State state = State::kReading;
  Clock::time_point deadline;
  std::string in;
  std::string out;
  size_t sent = 0;
};

std::string Response(absl::string_view status, absl::string_view content_type,
                     const std::string& body, bool with_body,
                     absl::string_view extra_headers = "") {
  return absl::StrCat("HTTP/1.1 ", status, "\r\nContent-Type: ", content_type,
                      "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n",
                      extra_headers, "\r\n", with_body ? body : std::string());
}

std::string TextResponse(absl::string_view status, const std::string& body, bool with_body = true,
                         absl::string_view extra_headers = "") {
  return Response(status, "text/plain; charset=utf-8", body, with_body, extra_headers);
}

// The answer to a complete request head (without its final empty line).
std::string Answer(absl::string_view head, MetricsRegistry* registry) {
  absl::string_view line = head.substr(0, head.find('\n'));
  if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
  std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/1.")) {
    return TextResponse("400 Bad Request", "expected an HTTP/1.x request line\n");
  }
  const absl::string_view method = parts[0];
  const absl::string_view path = parts[1].substr(0, parts[1].find('?'));
  if (path != "/metrics" && path != "/") {
    return TextResponse("404 Not Found", "not found; Prometheus metrics are at /metrics\n");
  }
  const bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) {
    return TextResponse("405 Method Not Allowed", "use GET\n", true, "Allow: GET, HEAD\r\n");
  }
  if (path == "/") {
    return TextResponse("200 OK", "dangbo: Prometheus metrics at /metrics\n", !head_only);
  }
  return Response("200 OK", "text/plain; version=0.0.4; charset=utf-8", registry->Render(),
                  !head_only);
}

// The offset just past the empty line that ends the request head, or npos.
size_t HeadEnd(const std::string& in) {
  const size_t crlf = in.find("\r\n\r\n");
  const size_t lf = in.find("\n\n");
  if (crlf == std::string::npos && lf == std::string::npos) return std::string::npos;
  if (lf == std::string::npos || (crlf != std::string::npos && crlf < lf)) return crlf + 4;
  return lf + 2;
}

void CloseConnection(Connection& c) {
  if (c.fd >= 0) close(c.fd);
  c.fd = -1;
}

void StartResponse(Connection& c, std::string response, const MetricsHttpLimits& limits,
                   Clock::time_point now) {
  c.in.clear();
  c.out = std::move(response);
  c.sent = 0;
  c.state = Connection::State::kWriting;
  c.deadline = now + Millis(limits.write_timeout);
}

// Sends what the socket takes; after the last byte, half-closes and lingers.
void Write(Connection& c, Clock::time_point now) {
  while (c.sent < c.out.size()) {
    const ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    CloseConnection(c);
    return;
  }
  std::string().swap(c.out);
  shutdown(c.fd, SHUT_WR);
  c.state = Connection::State::kClosing;
  c.deadline = std::min(c.deadline, now + kLinger);
}

// Reads what has arrived; answers once the request head is complete (or too long).
void Read(Connection& c, MetricsRegistry* registry, const MetricsHttpLimits& limits,
          Clock::time_point now) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = recv(c.fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {  // the client went away (or half-closed before a whole request)
      CloseConnection(c);
      return;
    }
    if (c.state == Connection::State::kClosing) continue;  // after the response: dropped
    c.in.append(buffer, static_cast<size_t>(n));
    const size_t end = HeadEnd(c.in);
    if (end != std::string::npos && end <= limits.max_request_head) {
      StartResponse(c, Answer(absl::string_view(c.in).substr(0, end), registry), limits, now);
      Write(c, now);
      return;
    }
    if (c.in.size() > limits.max_request_head) {
      StartResponse(c,
                    TextResponse("431 Request Header Fields Too Large",
                                 absl::StrCat("the request head exceeds ", limits.max_request_head,
                                              " bytes\n")),
                    limits, now);
      Write(c, now);
      return;
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& host, int port, MetricsRegistry* registry, MetricsHttpLimits limits) {
  std::unique_ptr<MetricsHttpServer> http(new MetricsHttpServer());
  http->registry_ = registry;
  http->limits_ = limits;
  auto unavailable = [&] {
    return absl::UnavailableError(absl::StrCat("cannot listen for metrics on ", host, ":", port,
                                               " (address in use or not local?)"));
  };
  // IPv6 literals come bracketed from --listen ("[::]").
  std::string bind_host = host;
  if (bind_host.size() > 2 && bind_host.front() == '[' && bind_host.back() == ']') {
    bind_host = bind_host.substr(1, bind_host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  if (getaddrinfo(bind_host.empty() ? nullptr : bind_host.c_str(), std::to_string(port).c_str(),
                  &hints, &addresses) != 0) {
    return unavailable();
  }
  for (addrinfo* a = addresses; a != nullptr && http->listen_fd_ < 0; a = a->ai_next) {
    const int fd =
        socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) {
      http->listen_fd_ = fd;
    } else {
      close(fd);
    }
  }
  freeaddrinfo(addresses);
  if (http->listen_fd_ < 0) return unavailable();
  sockaddr_storage bound{};
  socklen_t bound_size = sizeof(bound);
  if (getsockname(http->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_size) != 0) {
    return unavailable();
  }
  http->port_ =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  http->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (http->wake_fd_ < 0) {
    return absl::InternalError("cannot create the metrics server's eventfd");
  }
  // Connections wait in the listen backlog until the thread runs: Start returns serving.
  MetricsHttpServer* server = http.get();
  http->thread_ = std::thread([server] { server->Serve(); });
  return http;
}

MetricsHttpServer::~MetricsHttpServer() {
  Stop();
  if (listen_fd_ >= 0) close(listen_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

void MetricsHttpServer::Stop() {
  stopping_.store(true);
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
  if (thread_.joinable()) thread_.join();
}

void MetricsHttpServer::Serve() {
  std::vector<Connection> connections;  // in the order accepted: the oldest first
  std::vector<pollfd> polled;
  while (!stopping_.load()) {
    Clock::time_point now = Clock::now();
    polled.clear();
    polled.push_back({wake_fd_, POLLIN, 0});
    polled.push_back({listen_fd_, POLLIN, 0});
    int timeout_ms = -1;
    for (const Connection& c : connections) {
      polled.push_back(
          {c.fd, static_cast<int16_t>(c.state == Connection::State::kWriting ? POLLOUT : POLLIN),
           0});
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(
          std::max(c.deadline - now, Clock::duration(0)));
      timeout_ms = timeout_ms < 0 ? static_cast<int>(left.count())
                                  : std::min(timeout_ms, static_cast<int>(left.count()));
    }
    if (poll(polled.data(), polled.size(), timeout_ms) < 0 && errno != EINTR) break;
    if (stopping_.load()) break;
    now = Clock::now();

    for (size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      const int16_t events = polled[i + 2].revents;
      if (events != 0) {
        if (c.state == Connection::State::kWriting) {
          if (events & (POLLERR | POLLHUP)) {
            CloseConnection(c);
          } else {
            Write(c, now);
          }
        } else {
          Read(c, registry_, limits_, now);
        }
      }
      if (c.fd >= 0 && now >= c.deadline) {
        if (c.state == Connection::State::kReading && !c.in.empty()) {
          const std::string timeout =
              TextResponse("408 Request Timeout", "the request did not arrive in time\n");
          (void)send(c.fd, timeout.data(), timeout.size(), MSG_NOSIGNAL);
        }
        CloseConnection(c);
      }
    }
    connections.erase(std::remove_if(connections.begin(), connections.end(),
                                     [](const Connection& c) { return c.fd < 0; }),
                      connections.end());

    if (polled[1].revents & POLLIN) {
      for (;;) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          if (errno == EMFILE || errno == ENFILE) {
            if (!connections.empty()) {  // out of descriptors: the oldest connection makes room
              CloseConnection(connections.front());
              connections.erase(connections.begin());
              continue;
            }
            // None of ours to close: wait a little rather than spin on the ready listener.
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
          break;  // EAGAIN: accepted everything waiting
        }
        if (connections.size() >= limits_.max_connections) {
          CloseConnection(connections.front());
          connections.erase(connections.begin());
        }
        Connection c;
        c.fd = fd;
        c.deadline = now + Millis(limits_.request_timeout);
        connections.push_back(std::move(c));
      }
    }
  }
  for (Connection& c : connections) CloseConnection(c);
}

}  // namespace common
