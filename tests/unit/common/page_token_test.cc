// Page tokens (AIP-158): bound to their method and list, signed with the server's key.
#include "common/page_token.h"

#include "absl/strings/escaping.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

using ::testing::HasSubstr;

const ListScope kScope{"ListMembers", "organizations/hq-long-an", "state = FULL",
                       "admission_date desc"};
const absl::Time kNow = absl::FromUnixSeconds(1767225600);

TEST(PageTokenTest, RoundTripsTheLastKey) {
  const std::string key("members/\x00\xff/m1", 14);
  const std::string token = MakePageToken(key, kScope, kNow);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);  // URL-safe, unpadded
  auto parsed = ParsePageToken(token, kScope, kNow + absl::Hours(1));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, key);
  EXPECT_EQ(*ParsePageToken("", kScope, kNow), "");
}

TEST(PageTokenTest, ATokenIsBoundToParentFilterAndOrder) {
  const std::string token = MakePageToken("k", kScope, kNow);
  for (ListScope other :
       {ListScope{kScope.method, "organizations/other", kScope.filter, kScope.order_by},
        ListScope{kScope.method, kScope.parent, "state = PROBATIONARY", kScope.order_by},
        ListScope{kScope.method, kScope.parent, kScope.filter, "admission_date"}}) {
    auto parsed = ParsePageToken(token, other, kNow);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(),
                HasSubstr("page_token: does not match the request's parent, filter or order_by"));
  }
}

// A ListMembers token sent to ListCells or ListInspectionPlans once restarted the listing.
TEST(PageTokenTest, ATokenIsBoundToItsMethod) {
  const std::string token = MakePageToken("organizations/hq-long-an/members/m1", kScope, kNow);
  for (const char* method : {"ListCells", "ListInspectionPlans", "ListMembersX", ""}) {
    ListScope other = kScope;
    other.method = method;
    auto parsed = ParsePageToken(token, other, kNow);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << method;
    EXPECT_THAT(parsed.status().message(), HasSubstr("was issued by ListMembers")) << method;
    EXPECT_EQ(FieldViolationsOf(parsed.status()).at(0).first, "page_token");
  }
}

TEST(PageTokenTest, TamperedTokensAreRejected) {
  const std::string token = MakePageToken("organizations/hq-long-an/members/m1", kScope, kNow);
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string bad = raw;
    bad[i] ^= 0x01;
    auto parsed = ParsePageToken(absl::WebSafeBase64Escape(bad), kScope, kNow);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << "byte " << i;
    EXPECT_THAT(parsed.status().message(), HasSubstr("not a valid page token")) << "byte " << i;
  }
  EXPECT_THAT(ParsePageToken("not a token!", kScope, kNow).status().message(),
              HasSubstr("not a valid page token"));
  EXPECT_FALSE(ParsePageToken(token.substr(0, token.size() - 2), kScope, kNow).ok());
}

// Before, tokens were sealed with a public-seed checksum: anyone could make one for any key.
// Now a token made under another key (a forger's, or another deployment's) is refused.
TEST(PageTokenTest, ATokenSignedWithAnotherKeyIsRefused) {
  ASSERT_TRUE(SetPageTokenKey(std::string(32, 'a')).ok());
  const std::string forged = MakePageToken("organizations/hq-long-an/members/zz", kScope, kNow);
  ASSERT_TRUE(SetPageTokenKey(std::string(32, 'b')).ok());
  auto parsed = ParsePageToken(forged, kScope, kNow);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("not a valid page token"));
  // Shared keys (replicas of one service) accept each other's tokens.
  const std::string token = MakePageToken("k", kScope, kNow);
  ASSERT_TRUE(SetPageTokenKey(std::string(32, 'b')).ok());
  EXPECT_TRUE(ParsePageToken(token, kScope, kNow).ok());
}

TEST(PageTokenTest, ShortKeysAreRefused) {
  absl::Status status = SetPageTokenKey("short");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("at least 32 bytes"));
}

TEST(PageTokenTest, TokensExpireAfterThreeDays) {
  const std::string token = MakePageToken("k", kScope, kNow);
  EXPECT_TRUE(ParsePageToken(token, kScope, kNow + absl::Hours(72)).ok());
  EXPECT_THAT(
      ParsePageToken(token, kScope, kNow + absl::Hours(72) + absl::Seconds(1)).status().message(),
      HasSubstr("expired"));
}

}  // namespace
}  // namespace common
