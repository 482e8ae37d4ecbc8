// The /metrics HTTP server on its own (loopback, port 0): what it answers, and the bounds that
// keep idle, slow and oversized connections from holding it (common/metrics_http.h).
#include "common/metrics_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

// `receive_buffer` > 0: that SO_RCVBUF, set before connecting (a small TCP window).
int ConnectTo(int port, int receive_buffer = 0) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (receive_buffer > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

void Send(int fd, const std::string& text) {
  EXPECT_EQ(send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
}

// Everything the server sends until it closes the connection, or until `timeout` (then
// *closed is false).
std::string ReadUntilClosed(int fd, std::chrono::milliseconds timeout, bool* closed = nullptr) {
  std::string out;
  const auto until = Clock::now() + timeout;
  char buffer[4096];
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 1))) <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      if (closed != nullptr) *closed = true;
      return out;
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  if (closed != nullptr) *closed = false;
  return out;
}

class MetricsHttpTest : public ::testing::Test {
 protected:
  void Start(MetricsHttpLimits limits = MetricsHttpLimits()) {
    registry_.AddGauge("test_gauge", "A gauge for the test.", {}).Set(7);
    auto http = MetricsHttpServer::Start("127.0.0.1", 0, &registry_, limits);
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = std::move(*http);
  }
  // Sends `request` on a new connection; the whole answer.
  std::string Exchange(const std::string& request) {
    const int fd = ConnectTo(http_->port());
    Send(fd, request);
    bool closed = false;
    std::string answer = ReadUntilClosed(fd, std::chrono::seconds(5), &closed);
    EXPECT_TRUE(closed) << "one request per connection";
    close(fd);
    return answer;
  }
  void TearDown() override {
    for (int fd : open_) close(fd);
  }

  MetricsRegistry registry_;
  std::unique_ptr<MetricsHttpServer> http_;
  std::vector<int> open_;
};

TEST_F(MetricsHttpTest, ServesTheRegistryAndNothingElse) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string metrics = Exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(metrics, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(metrics, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  EXPECT_THAT(metrics, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(metrics, HasSubstr("\r\n\r\n# HELP test_gauge"));
  EXPECT_THAT(metrics, HasSubstr("\ntest_gauge 7\n"));
  EXPECT_THAT(Exchange("GET /metrics?x=1 HTTP/1.0\r\n\r\n"), StartsWith("HTTP/1.1 200 OK"));
  const std::string head = Exchange("HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(head, ::testing::EndsWith("\r\n\r\n")) << "no body";
  EXPECT_THAT(Exchange("GET / HTTP/1.1\r\n\r\n"), HasSubstr("/metrics"));
  EXPECT_THAT(Exchange("GET /other HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 404 "));
  EXPECT_THAT(Exchange("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
              StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(Exchange("garbage\r\n\r\n"), StartsWith("HTTP/1.1 400 "));
}

TEST_F(MetricsHttpTest, AnOversizedRequestHeadIsRefused) {
  MetricsHttpLimits limits;
  limits.max_request_head = 1024;
  ASSERT_NO_FATAL_FAILURE(Start(limits));
  EXPECT_THAT(Exchange("GET /metrics HTTP/1.1\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n"),
              StartsWith("HTTP/1.1 431 "));
}

TEST_F(MetricsHttpTest, IdleAndTricklingConnectionsAreClosedAtTheRequestTimeout) {
  MetricsHttpLimits limits;
  limits.request_timeout = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(Start(limits));
  const int idle = ConnectTo(http_->port());
  const int trickling = ConnectTo(http_->port());
  open_ = {idle, trickling};
  const auto start = Clock::now();
  for (char c : std::string("GET /")) {  // a byte every 40 ms: each arrives in time
    Send(trickling, std::string(1, c));
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
  bool closed = false;
  EXPECT_THAT(ReadUntilClosed(trickling, std::chrono::seconds(2), &closed),
              StartsWith("HTTP/1.1 408 "));
  EXPECT_TRUE(closed);
  EXPECT_EQ(ReadUntilClosed(idle, std::chrono::seconds(2), &closed), "");
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
}

TEST_F(MetricsHttpTest, AScrapeAnswersWhileManyConnectionsSendNothing) {
  ASSERT_NO_FATAL_FAILURE(Start());
  for (int i = 0; i < 100; ++i) open_.push_back(ConnectTo(http_->port()));
  const auto start = Clock::now();
  EXPECT_THAT(Exchange("GET /metrics HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 200 OK"));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
}

TEST_F(MetricsHttpTest, BeyondTheConnectionLimitTheOldestIsClosed) {
  MetricsHttpLimits limits;
  limits.max_connections = 4;
  ASSERT_NO_FATAL_FAILURE(Start(limits));
  for (int i = 0; i < 4; ++i) open_.push_back(ConnectTo(http_->port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // all four accepted
  EXPECT_THAT(Exchange("GET /metrics HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 200 OK"));
  bool closed = false;
  ReadUntilClosed(open_[0], std::chrono::milliseconds(500), &closed);
  EXPECT_TRUE(closed) << "the oldest connection made room";
  ReadUntilClosed(open_[3], std::chrono::milliseconds(200), &closed);
  EXPECT_FALSE(closed) << "the newest stay";
}

TEST_F(MetricsHttpTest, AClientThatDoesNotReadItsResponseIsClosedAtTheWriteTimeout) {
  MetricsHttpLimits limits;
  limits.write_timeout = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(Start(limits));
  // A response (about 8 MB) far larger than the socket buffers.
  const std::string padding(4000, 'p');
  for (int i = 0; i < 2000; ++i) {
    registry_.AddGauge("test_many", "Many series.", {{"i", std::to_string(i)}, {"p", padding}})
        .Set(i);
  }
  const int fd = ConnectTo(http_->port(), 4096);
  open_.push_back(fd);
  Send(fd, "GET /metrics HTTP/1.1\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // not reading
  // Reading from here on: the server has closed already, or (on a loaded machine, where
  // rendering 8 MB can outlast the sleep) closes once its timeout passes. A server without
  // one would send the whole response, which the size check catches.
  bool closed = false;
  const std::string got = ReadUntilClosed(fd, std::chrono::seconds(10), &closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(got.size(), registry_.Render().size()) << "the response was cut off";
  // The server still answers others.
  EXPECT_THAT(Exchange("GET / HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 200 OK"));
}

}  // namespace
}  // namespace common
