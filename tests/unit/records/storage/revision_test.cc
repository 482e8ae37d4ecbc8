#include "services/records/storage/revision.h"

#include "gtest/gtest.h"

namespace records {
namespace {

TEST(RevisionTest, EnvelopeRoundTrips) {
  const std::string value = EncodeVersioned(77, "payload");
  uint64_t revision = 0;
  absl::string_view payload;
  ASSERT_TRUE(DecodeVersioned(value, &revision, &payload));
  EXPECT_EQ(revision, 77u);
  EXPECT_EQ(payload, "payload");
  EXPECT_FALSE(DecodeVersioned("short", &revision, &payload));
}

TEST(RevisionTest, EtagsAreQuotedAndParseBack) {
  EXPECT_EQ(EtagForRevision(12), "\"r12\"");
  uint64_t revision = 0;
  ASSERT_TRUE(RevisionFromEtag("\"r12\"", &revision));
  EXPECT_EQ(revision, 12u);
  EXPECT_FALSE(RevisionFromEtag("r12", &revision));
  EXPECT_FALSE(RevisionFromEtag("\"x12\"", &revision));
  EXPECT_FALSE(RevisionFromEtag("\"r\"", &revision));
  EXPECT_FALSE(RevisionFromEtag("\"r1x\"", &revision));
}

}  // namespace
}  // namespace records
