// analytics with bearer tokens (an in-process writer on loopback): WatchIndicatorChanges
// refuses a caller without a valid token, and an open stream follows the token file while it
// runs: when its token is removed, it ends with UNAUTHENTICATED within a couple of seconds,
// without waiting for a new call, while other principals' streams go on.
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/security.h"
#include "gtest/gtest.h"
#include "services/analytics/seed/seed_data.h"
#include "tests/integration/analytics_support.h"
#include "tests/support/process.h"

namespace analytics_testing {
namespace {

constexpr char kAdminToken[] = "admin-secret-token";
constexpr char kViewerToken[] = "viewer-secret-token";
constexpr char kServiceToken[] = "service-secret-token";

// How soon an open stream must notice a change of the token file: the file is looked at about
// once a second; a second more for a busy machine.
constexpr absl::Duration kRevocationBound = absl::Seconds(3);

using TokenLines = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<grpc::ClientContext> As(const std::string& token, absl::Duration deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

class AnalyticsAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    common::SetLogLevel(common::LogLevel::kWarning);
    WriteTokens({{kAdminToken, "ops-admin admin"},
                 {kViewerToken, "ops-viewer viewer"},
                 {kServiceToken, "analytics-replica service"}});
    analytics::AnalyticsConfig config = TestConfig(dir_.Sub("db"));
    config.security.token_file = dir_.Sub("tokens");
    absl::StatusOr<std::shared_ptr<common::TokenStore>> tokens =
        common::LoadTokens(config.security);
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    config.tokens = *tokens;
    auto server = analytics::AnalyticsServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = Connect(server_->port());
  }

  void TearDown() override {
    stub_.reset();
    if (server_ != nullptr) server_->Shutdown();
  }

  // Rewrites the token file atomically (write, then rename), as a Secret update does.
  void WriteTokens(const TokenLines& tokens) {
    const std::string tmp = dir_.Sub("tokens.tmp");
    {
      std::ofstream out(tmp);
      for (const auto& [token, principal_and_role] : tokens) {
        out << common::HashToken(token) << " " << principal_and_role << "\n";
      }
    }
    ASSERT_EQ(std::rename(tmp.c_str(), dir_.Sub("tokens").c_str()), 0);
  }

  struct Watch {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::IndicatorChange>> reader;
  };

  // A WatchIndicatorChanges call of `token` with a one-second heartbeat, read up to its first
  // heartbeat (the backlog is delivered).
  Watch OpenWatch(const std::string& token, absl::Duration deadline) {
    Watch watch;
    watch.context = As(token, deadline);
    v1::WatchIndicatorChangesRequest request;
    request.mutable_heartbeat_interval()->set_seconds(1);
    watch.reader = stub_->WatchIndicatorChanges(watch.context.get(), request);
    v1::IndicatorChange change;
    while (watch.reader->Read(&change) && !change.heartbeat()) {
    }
    EXPECT_TRUE(change.heartbeat()) << "the watch of " << token << " ended at once";
    return watch;
  }

  testing_support::TempDir dir_;
  std::unique_ptr<analytics::AnalyticsServer> server_;
  std::unique_ptr<v1::AnalyticsService::Stub> stub_;
};

TEST_F(AnalyticsAuthTest, WatchIndicatorChangesNeedsAValidToken) {
  v1::IndicatorChange change;
  grpc::Status missing, wrong;
  {
    auto context = As("", absl::Seconds(10));
    auto reader = stub_->WatchIndicatorChanges(context.get(), {});
    EXPECT_FALSE(reader->Read(&change));
    missing = reader->Finish();
  }
  {
    auto context = As("not-a-known-token", absl::Seconds(10));
    auto reader = stub_->WatchIndicatorChanges(context.get(), {});
    EXPECT_FALSE(reader->Read(&change));
    wrong = reader->Finish();
  }
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::UNAUTHENTICATED) << missing.error_message();
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED) << wrong.error_message();
  EXPECT_EQ(wrong.error_message(), missing.error_message()) << "never says which part was wrong";
}

TEST_F(AnalyticsAuthTest, ARemovedTokenEndsItsOpenWatchPromptlyWhileOtherWatchesGoOn) {
  Watch viewer = OpenWatch(kViewerToken, absl::Seconds(10));
  Watch service = OpenWatch(kServiceToken, absl::Seconds(30));
  // Changes keep being committed while the token is revoked.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int n = 1; !stop.load(); ++n) {
      v1::Indicator created;
      grpc::Status s = stub_->CreateIndicator(As(kAdminToken, absl::Seconds(10)).get(),
                                              NewIndicator(absl::StrCat("chi-tieu-", n)), &created);
      EXPECT_TRUE(s.ok()) << s.error_message();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  WriteTokens({{kAdminToken, "ops-admin admin"}, {kServiceToken, "analytics-replica service"}});
  const absl::Time revoked = absl::Now();
  v1::IndicatorChange change;
  int delivered_after = 0;
  while (viewer.reader->Read(&change)) ++delivered_after;
  const grpc::Status ended = viewer.reader->Finish();
  const absl::Duration took = absl::Now() - revoked;
  stop.store(true);
  writer.join();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << ended.error_message() << " (" << delivered_after << " messages after the revocation)";
  EXPECT_EQ(common::ErrorReason(common::FromGrpcStatus(ended)), "UNAUTHENTICATED");
  EXPECT_LT(took, kRevocationBound) << delivered_after << " messages after the revocation";

  // The service's watch goes on: it receives a change committed after the viewer's ended.
  v1::Indicator created;
  ASSERT_TRUE(stub_
                  ->CreateIndicator(As(kAdminToken, absl::Seconds(10)).get(),
                                    NewIndicator("sau-thu-hoi"), &created)
                  .ok());
  bool seen = false;
  while (!seen && service.reader->Read(&change)) {
    seen = change.has_indicator() && change.indicator().name() == created.name();
  }
  EXPECT_TRUE(seen) << "the watch of a principal still in the file ended: "
                    << service.reader->Finish().error_message();
  service.context->TryCancel();
  (void)service.reader->Finish();
}

}  // namespace
}  // namespace analytics_testing
