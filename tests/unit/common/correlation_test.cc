// Request ids and W3C trace contexts: what is accepted, what is replaced, what is generated.
#include "common/correlation.h"

#include <regex>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

TEST(RequestIdTest, AcceptsUuidsAndShortTokensOnly) {
  EXPECT_TRUE(IsValidRequestId("5f0c6a52-2f0b-4d8e-9a51-3c1f6c1d2b7e"));
  EXPECT_TRUE(IsValidRequestId("order-7f3a.2:retry_1"));
  EXPECT_TRUE(IsValidRequestId(std::string(kMaxRequestIdBytes, 'a')));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId(std::string(kMaxRequestIdBytes + 1, 'a')));
  EXPECT_FALSE(IsValidRequestId("two words"));
  EXPECT_FALSE(IsValidRequestId("quote\"d"));
  EXPECT_FALSE(IsValidRequestId("line\nbreak"));
  EXPECT_FALSE(IsValidRequestId("ngu\xe1\xbb\x85n"));  // not ASCII
}

TEST(RequestIdTest, GeneratedIdsAreDistinctVersion4Uuids) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    ASSERT_TRUE(std::regex_match(id, uuid)) << id;
    ASSERT_TRUE(IsValidRequestId(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(TraceparentTest, ParsesTheW3cFormat) {
  std::optional<TraceContext> t =
      ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(t->flags, "01");
  EXPECT_EQ(FormatTraceparent(*t), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  // A later version may append fields.
  EXPECT_TRUE(ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"));
}

TEST(TraceparentTest, RejectsWhatTheSpecificationRejects) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 has no more
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",    // separators
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
}

TEST(CallCorrelationTest, KeepsValidIdsAndReplacesTheRest) {
  CallCorrelation kept("req-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(kept.request_id(), "req-1");
  EXPECT_FALSE(kept.request_id_replaced());
  EXPECT_EQ(kept.trace().trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");

  CallCorrelation absent("", "");
  EXPECT_TRUE(IsValidRequestId(absent.request_id()));
  EXPECT_FALSE(absent.request_id_replaced());
  EXPECT_TRUE(ParseTraceparent(FormatTraceparent(absent.trace())).has_value());

  CallCorrelation hostile("<script>", "garbage");
  EXPECT_NE(hostile.request_id(), "<script>");
  EXPECT_TRUE(IsValidRequestId(hostile.request_id()));
  EXPECT_TRUE(hostile.request_id_replaced());
  EXPECT_TRUE(ParseTraceparent(FormatTraceparent(hostile.trace())).has_value());
}

TEST(CallCorrelationTest, RecordsThePrincipalWithoutItsToken) {
  CallCorrelation call("req-2", "");
  EXPECT_EQ(call.principal(), "");
  Principal alice;
  alice.name = "ops-alice";
  alice.roles = {"admin", "inspector"};
  call.SetPrincipal(alice);
  EXPECT_EQ(call.principal(), "ops-alice");
  EXPECT_EQ(call.roles(), "admin,inspector");
}

TEST(CallCorrelationTest, AnOutgoingCallWithoutAServerCallStartsItsOwn) {
  grpc::ClientContext client;
  EXPECT_TRUE(IsValidRequestId(StartCorrelation(&client)));
}

}  // namespace
}  // namespace common
