#include "common/auth.h"

#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/authorizer.h"
#include "common/call_grant.h"
#include "common/errors.h"
#include "common/permissions.h"
#include "common/rate_limiter.h"
#include "common/security.h"
#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/records/v1/admin_service.pb.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace common {
namespace {

using testing_support::TempDir;

void WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << text;
  ASSERT_EQ(rename(tmp.c_str(), path.c_str()), 0);  // atomic, as Secret updates are
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("tokens");
    WriteFile(path_, "# dev tokens\n" + HashToken("admin-secret") + "  ops-alice  admin\n" +
                         HashToken("viewer-secret") + "\tbob viewer   # read-only\n" +
                         HashToken("svc-secret") + " analytics service,viewer\n");
  }
  TempDir dir_;
  std::string path_;
};

TEST_F(AuthTest, HashIsSha256Hex) {
  EXPECT_EQ(HashToken("test"),
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

TEST_F(AuthTest, KnownTokensMapToPrincipalsAndRoles) {
  auto store = TokenStore::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->size(), 3u);
  auto alice = (*store)->Authenticate("Bearer admin-secret");
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ((*alice)->name, "ops-alice");
  EXPECT_TRUE((*alice)->Has(kPiiRead));
  EXPECT_TRUE((*alice)->Has(kAuditRead));
  auto bob = (*store)->Authenticate("Bearer viewer-secret");
  ASSERT_TRUE(bob.ok());
  EXPECT_TRUE((*bob)->Has(kRecordsRead));
  EXPECT_FALSE((*bob)->Has(kRecordsWrite));
  EXPECT_FALSE((*bob)->Has(kPiiRead));
  auto svc = (*store)->Authenticate("Bearer svc-secret");
  ASSERT_TRUE(svc.ok());
  EXPECT_TRUE((*svc)->Has(kRecordsWatch));
  EXPECT_FALSE((*svc)->Has(kPiiRead));
}

// Every call of a token shares its principal: nothing is copied per call.
TEST_F(AuthTest, CallsOfOneTokenShareOnePrincipal) {
  auto store = TokenStore::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto first = (*store)->Authenticate("Bearer admin-secret");
  auto second = (*store)->Authenticate("Bearer admin-secret");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
}

TEST_F(AuthTest, EveryFailureIsTheSameUnauthenticated) {
  auto store = TokenStore::Open(path_);
  ASSERT_TRUE(store.ok());
  for (const char* header : {"", "Bearer ", "Bearer wrong", "Basic admin-secret", "admin-secret",
                             "Bearer admin-secret "}) {
    auto p = (*store)->Authenticate(header);
    ASSERT_FALSE(p.ok()) << header;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(p.status().message(), "missing or invalid credentials");
  }
}

TEST_F(AuthTest, ATokenRemovedFromTheFileStopsWorkingWithoutRestart) {
  auto store = TokenStore::Open(path_);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Authenticate("Bearer viewer-secret").ok());
  WriteFile(path_, HashToken("admin-secret") + " ops-alice admin\n");
  (*store)->ReloadIfChanged();
  EXPECT_EQ((*store)->Authenticate("Bearer viewer-secret").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE((*store)->Authenticate("Bearer admin-secret").ok());
}

TEST_F(AuthTest, AMalformedReloadKeepsThePreviousTokens) {
  auto store = TokenStore::Open(path_);
  ASSERT_TRUE(store.ok());
  WriteFile(path_, "this is not a token line\n");
  (*store)->ReloadIfChanged();
  EXPECT_TRUE((*store)->Authenticate("Bearer viewer-secret").ok());
}

TEST_F(AuthTest, MalformedFilesAreRejectedNamingTheLine) {
  WriteFile(path_, "\n" + HashToken("x") + " someone superuser\n");
  auto store = TokenStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("line 2"), absl::string_view::npos);
  EXPECT_NE(store.status().message().find("superuser"), absl::string_view::npos);
  WriteFile(path_, "sha256:abc someone admin\n");
  EXPECT_FALSE(TokenStore::Open(path_).ok());
  EXPECT_FALSE(TokenStore::Open(dir_.Sub("missing")).ok());
}

TEST_F(AuthTest, AuthorizerChecksThePermissionOfTheMethod) {
  std::shared_ptr<TokenStore> store = std::move(*TokenStore::Open(path_));
  Authorizer records("dangbo.records.v1.RecordsService", store);
  EXPECT_TRUE(records.AuthorizeHeader("Bearer viewer-secret", "", "GetMember").ok());
  auto denied = records.AuthorizeHeader("Bearer viewer-secret", "", "AdmitMember");
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("records.write"), absl::string_view::npos);
  EXPECT_EQ(records.AuthorizeHeader("Bearer viewer-secret", "", "ListAuditEvents").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(records.AuthorizeHeader("Bearer admin-secret", "", "ListAuditEvents").ok());
  EXPECT_EQ(records.AuthorizeHeader("", "", "GetMember").status().code(),
            absl::StatusCode::kUnauthenticated);
  // A method missing from the table is refused, not open.
  EXPECT_EQ(records.AuthorizeHeader("Bearer admin-secret", "", "NoSuchMethod").status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(AuthTest, WithoutTokensEveryCallerIsAnonymousWithEveryPermission) {
  Authorizer open("dangbo.records.v1.RecordsService", nullptr);
  auto p = open.AuthorizeHeader("", "", "AdmitMember");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->name, "anonymous");
  EXPECT_EQ((*open.AuthorizeHeader("", "tester", "GetMember"))->name, "tester");
}

TEST_F(AuthTest, TheGenerationCountsReloadsThatReplacedTheTokens) {
  auto store = TokenStore::Open(path_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->generation(), 0u);
  (*store)->ReloadIfChanged();  // unchanged
  EXPECT_EQ((*store)->generation(), 0u);
  WriteFile(path_, "this is not a token line\n");
  (*store)->ReloadIfChanged();  // kept the previous tokens
  EXPECT_EQ((*store)->generation(), 0u);
  WriteFile(path_, HashToken("admin-secret") + " ops-alice admin\n");
  (*store)->ReloadIfChanged();
  EXPECT_EQ((*store)->generation(), 1u);
}

TEST_F(AuthTest, ReloadIfStaleLooksAtTheFileAtMostOnceASecond) {
  auto store = TokenStore::Open(path_);
  ASSERT_TRUE(store.ok());
  WriteFile(path_, HashToken("admin-secret") + " ops-alice admin\n");
  (*store)->ReloadIfStale();  // the file was read by Open just now
  EXPECT_TRUE((*store)->Authenticate("Bearer viewer-secret").ok());
  usleep(1100 * 1000);
  (*store)->ReloadIfStale();
  EXPECT_EQ((*store)->generation(), 1u);
  EXPECT_FALSE((*store)->Authenticate("Bearer viewer-secret").ok());
}

class CallGrantTest : public AuthTest {
 protected:
  void SetUp() override {
    AuthTest::SetUp();
    WriteFile(path_, Tokens("editor"));
    tokens_ = std::move(*TokenStore::Open(path_));
  }
  // The token file with bob holding `role`, and alice an admin.
  static std::string Tokens(const std::string& role) {
    return HashToken("admin-secret") + " ops-alice admin\n" + HashToken("bob-secret") + " bob " +
           role + "\n";
  }
  CallGrant Grant(const Authorizer& authorizer, const std::string& method) {
    absl::StatusOr<std::shared_ptr<const Principal>> caller =
        authorizer.AuthorizeHeader("Bearer bob-secret", "", method);
    EXPECT_TRUE(caller.ok()) << caller.status();
    return CallGrant(&authorizer, "Bearer bob-secret", "", method, *caller);
  }
  // Writes the file and makes the store read it now.
  void Change(const std::string& text) {
    WriteFile(path_, text);
    tokens_->ReloadIfChanged();
  }
  std::shared_ptr<TokenStore> tokens_;
};

TEST_F(CallGrantTest, HoldsWhileTheTokensDoNotTakeThePermissionAway) {
  Authorizer records("dangbo.records.v1.RecordsService", tokens_);
  CallGrant grant = Grant(records, "ImportMembers");
  EXPECT_TRUE(grant.Check().ok());
  Change(Tokens("editor,viewer"));  // reloaded, still allowed
  EXPECT_TRUE(grant.Check().ok());
  EXPECT_TRUE(grant.Check().ok());
  EXPECT_EQ(grant.principal().roles.size(), 2u);
}

TEST_F(CallGrantTest, ARemovedTokenIsUnauthenticatedAndStaysSo) {
  Authorizer records("dangbo.records.v1.RecordsService", tokens_);
  CallGrant grant = Grant(records, "WatchChanges");
  ASSERT_TRUE(grant.Check().ok());
  Change(HashToken("admin-secret") + " ops-alice admin\n");
  absl::Status revoked = grant.Check();
  EXPECT_EQ(revoked.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(revoked.message(), "missing or invalid credentials");
  EXPECT_EQ(ErrorReason(revoked), "UNAUTHENTICATED");
  Change(Tokens("editor"));  // given back: the call stays ended
  EXPECT_EQ(grant.Check().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(CallGrantTest, ALostPermissionIsPermissionDeniedAndOtherPermissionsFollow) {
  Authorizer records("dangbo.records.v1.RecordsService", tokens_);
  CallGrant import = Grant(records, "ImportMembers");
  Change(Tokens("inspector"));
  CallGrant watch = Grant(records, "WatchChanges");
  EXPECT_TRUE(watch.principal().Has(kPiiRead));
  Change(Tokens("viewer"));
  absl::Status denied = import.Check();
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(denied), "PERMISSION_DENIED");
  EXPECT_NE(denied.message().find("records.write"), absl::string_view::npos);
  ASSERT_TRUE(watch.Check().ok());
  EXPECT_FALSE(watch.principal().Has(kPiiRead));
}

TEST_F(CallGrantTest, ReChecksDoNotCountAgainstTheRateLimit) {
  SecurityConfig security;
  security.rate_limit = 1;
  security.rate_limit_burst = 1;
  Authorizer records("dangbo.records.v1.RecordsService", tokens_, NewRateLimiter(security));
  CallGrant grant = Grant(records, "WatchChanges");  // the one request the burst allows
  for (int i = 0; i < 5; ++i) {
    Change(Tokens(i % 2 == 0 ? "viewer" : "editor"));
    EXPECT_TRUE(grant.Check().ok()) << i;
  }
}

TEST_F(CallGrantTest, WithoutTokensAGrantAlwaysHolds) {
  Authorizer open("dangbo.records.v1.RecordsService", nullptr);
  CallGrant grant(&open, "", "dev", "WatchChanges", AllPermissions("dev"));
  EXPECT_TRUE(grant.Check().ok());
}

// Every RPC of every service has an entry: a new RPC without one fails here.
TEST(PermissionsTest, EveryMethodOfEveryServiceHasAnEntry) {
  const google::protobuf::ServiceDescriptor* services[] = {
      dangbo::records::v1::GetMemberRequest::descriptor()->file()->FindServiceByName(
          "RecordsService"),
      dangbo::records::v1::CreateBackupRequest::descriptor()->file()->FindServiceByName(
          "RecordsAdminService"),
      dangbo::analytics::v1::GetIndicatorRequest::descriptor()->file()->FindServiceByName(
          "AnalyticsService"),
  };
  int methods = 0;
  for (const auto* service : services) {
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string full = "/" + service->full_name() + "/" + service->method(i)->name();
      EXPECT_TRUE(PermissionFor(full).ok()) << full << " has no permission entry";
      ++methods;
    }
  }
  EXPECT_GT(methods, 50);
  // And the table names no method that does not exist.
  for (const auto& [method, permission] : MethodPermissions()) {
    if (method.rfind("/grpc.health.v1.Health/", 0) == 0) continue;
    const std::string service_name = method.substr(1, method.rfind('/') - 1);
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
    ASSERT_NE(service, nullptr) << method;
    EXPECT_NE(service->FindMethodByName(method.substr(method.rfind('/') + 1)), nullptr) << method;
  }
}

TEST(PermissionsTest, ATreasurerRecordsDuesWithoutPersonalData) {
  const std::set<std::string> treasurer = *RolePermissions("treasurer");
  EXPECT_TRUE(treasurer.count(kDuesWrite) && treasurer.count(kDuesRead));
  EXPECT_FALSE(treasurer.count(kPiiRead)) << "a salary is personal data";
  EXPECT_FALSE(treasurer.count(kRecordsWrite));
  EXPECT_FALSE(RolePermissions("viewer")->count(kDuesRead)) << "an amount due discloses a salary";
  EXPECT_EQ(*PermissionFor("/dangbo.records.v1.RecordsService/RecordDuesPayment"), kDuesWrite);
  EXPECT_EQ(*PermissionFor("/dangbo.records.v1.RecordsService/GetMemberDuesStatement"), kDuesRead);
  EXPECT_EQ(*PermissionFor("/dangbo.records.v1.RecordsService/CreateDuesRateTable"),
            kDuesRatesWrite);
}

TEST(PermissionsTest, HealthIsOpen) {
  EXPECT_EQ(*PermissionFor("/grpc.health.v1.Health/Check"), "");
}

}  // namespace
}  // namespace common

namespace common {
namespace {

TEST(RateLimiterTest, AllowsTheBurstThenRefillsAtTheRate) {
  RateLimiter limiter(10, 3);  // 10 a second, 3 at once
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.Acquire("alice", t0).ok()) << i;
  }
  absl::Status over = limiter.Acquire("alice", t0);
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(over), "RATE_LIMITED");
  EXPECT_TRUE(over.GetPayload("type.googleapis.com/google.rpc.RetryInfo").has_value());
  // Another principal is not affected.
  EXPECT_TRUE(limiter.Acquire("bob", t0).ok());
  // 100 ms later one token is back.
  EXPECT_TRUE(limiter.Acquire("alice", t0 + absl::Milliseconds(100)).ok());
  EXPECT_FALSE(limiter.Acquire("alice", t0 + absl::Milliseconds(100)).ok());
}

// Without a token file the principal is whatever name the caller sends: a stream of new
// names must not grow the limiter without bound, and dropping buckets must never reset a
// caller that is still being limited.
TEST(RateLimiterTest, BucketsOfIdleCallersAreDroppedButLimitedCallersAreKept) {
  RateLimiter limiter(10, 2);  // a bucket refills completely in 0.2 s
  absl::Time now = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 100000; ++i) {
    now += absl::Microseconds(100);  // 10 s in all
    ASSERT_TRUE(limiter.Acquire(absl::StrCat("caller-", i), now).ok());
  }
  EXPECT_LE(limiter.TrackedPrincipals(), 16 * RateLimiter::kSweepAt);

  // 20,000 callers at one instant (more than a shard holds before sweeping), each of which
  // has used one of its two tokens: none is dropped, so each is refused after one more call.
  RateLimiter busy(10, 2);
  constexpr int kCallers = 20000;
  for (int i = 0; i < kCallers; ++i) ASSERT_TRUE(busy.Acquire(absl::StrCat("n", i), now).ok());
  EXPECT_EQ(busy.TrackedPrincipals(), static_cast<size_t>(kCallers));
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_TRUE(busy.Acquire(absl::StrCat("n", i), now).ok());
    ASSERT_FALSE(busy.Acquire(absl::StrCat("n", i), now).ok()) << "n" << i << " was reset";
  }
}

TEST(RateLimiterTest, ZeroRateIsUnlimited) {
  RateLimiter limiter(0, 0);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(limiter.Acquire("alice").ok());
  }
}

TEST(RateLimiterTest, AuthorizerAppliesTheLimitPerPrincipal) {
  Authorizer records("dangbo.records.v1.RecordsService", nullptr,
                     std::make_shared<RateLimiter>(0.001, 2));
  EXPECT_TRUE(records.AuthorizeHeader("", "alice", "GetMember").ok());
  EXPECT_TRUE(records.AuthorizeHeader("", "alice", "GetMember").ok());
  EXPECT_EQ(records.AuthorizeHeader("", "alice", "GetMember").status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(records.AuthorizeHeader("", "bob", "GetMember").ok());
}

}  // namespace
}  // namespace common
