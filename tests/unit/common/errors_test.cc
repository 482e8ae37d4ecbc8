#include "common/errors.h"
#include "common/grpc_status.h"

#include "absl/strings/str_cat.h"
#include "common/echo_bounds.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace common {
namespace {

google::rpc::Status DetailsOf(const grpc::Status& status) {
  google::rpc::Status rpc;
  EXPECT_TRUE(rpc.ParseFromString(status.error_details()));
  return rpc;
}

TEST(ErrorsTest, FieldViolationsBecomeBadRequestAndErrorInfo) {
  FieldViolations v;
  v.Add("member.national_id", "must be exactly 12 digits");
  v.Add("member.birth_date", "must be a valid date");
  absl::Status status = v.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("member.national_id: must be exactly 12 digits"),
            std::string::npos);

  grpc::Status g = ToGrpcStatus(status);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc = DetailsOf(g);
  EXPECT_EQ(rpc.code(), 3);
  bool saw_info = false, saw_bad_request = false;
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&info)) {
      saw_info = true;
      EXPECT_EQ(info.reason(), "INVALID_ARGUMENT");
      EXPECT_EQ(info.domain(), ErrorDomain());
      EXPECT_EQ(info.metadata().at("field"), "member.national_id");
    } else if (any.UnpackTo(&bad)) {
      saw_bad_request = true;
      ASSERT_EQ(bad.field_violations_size(), 2);
      EXPECT_EQ(bad.field_violations(1).field(), "member.birth_date");
    }
  }
  EXPECT_TRUE(saw_info);
  EXPECT_TRUE(saw_bad_request);
}

TEST(ErrorsTest, NoViolationsIsOk) { EXPECT_TRUE(FieldViolations().ToStatus().ok()); }

TEST(ErrorsTest, EveryErrorGetsAnErrorInfo) {
  grpc::Status g = ToGrpcStatus(absl::NotFoundError("organizations/x not found"));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(g.error_message(), "organizations/x not found");
  google::rpc::Status rpc = DetailsOf(g);
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "NOT_FOUND");
}

TEST(ErrorsTest, RuleViolationCarriesReasonAndPrecondition) {
  absl::Status s = RuleViolation("PROBATION_NOT_OVER", "organizations/a/members/b",
                                 "recognition needs 12 months of probation");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(s), "PROBATION_NOT_OVER");
  google::rpc::Status rpc = DetailsOf(ToGrpcStatus(s));
  EXPECT_EQ(rpc.details_size(), 2);
}

TEST(ErrorsTest, OkMapsToOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

TEST(ErrorsTest, RoundTripsThroughGrpc) {
  absl::Status original = InvalidField("page_size", "must not be negative");
  absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.message(), original.message());
  auto violations = FieldViolationsOf(back);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].first, "page_size");
  EXPECT_EQ(ErrorReason(back), "INVALID_ARGUMENT");
}

}  // namespace
}  // namespace common

namespace common {
namespace {

// Found by the fuzzers: messages that quote input cut inside a multi-byte character made
// the google.rpc details unparsable for clients (protobuf strings must be UTF-8).
TEST(ErrorsTest, DetailsStayReadableWhenMessagesQuoteBrokenUtf8) {
  const std::string cut = std::string("found '") + "\xe1" + "'";  // first byte of "ế"
  FieldViolations v;
  v.Add("filter", cut);
  absl::Status status = WithReason(v.ToStatus(), "BAD\xff", {{"key\xc3", "value\xe1\xba"}});
  auto violations = FieldViolationsOf(status);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].second, "found '\xEF\xBF\xBD'");
  EXPECT_EQ(ErrorReason(status), "BAD\xEF\xBF\xBD");

  absl::Status rule = RuleViolation("R", "subject\xff", "message \xe1\xba");
  absl::Status back = FromGrpcStatus(ToGrpcStatus(absl::InvalidArgumentError("bad \xff byte")));
  EXPECT_EQ(ErrorReason(back), "INVALID_ARGUMENT");
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(ToGrpcStatus(rule).error_details()));
  EXPECT_EQ(rpc.details_size(), 2);
}

// A 64 KB name or order_by came back whole in the message and the BadRequest, so the
// trailers outgrew a grpc-js client's header limit and it waited for its deadline.
TEST(ErrorsTest, WhatLeavesIsBoundedWhateverTheInput) {
  const std::string huge(64 * 1024, 'x');
  FieldViolations v;
  v.Add("order_by", absl::StrCat("unknown field \"", huge, "\"; allowed: name"));
  absl::Status status = WithReason(v.ToStatus(), "INVALID_ARGUMENT", {{"value", huge}});
  status.SetPayload(kPreconditionFailureTypeUrl, absl::Cord(huge));  // not even parseable
  const grpc::Status sent = ToGrpcStatus(status);
  EXPECT_LE(sent.error_message().size(), kMaxErrorMessageBytes);
  EXPECT_EQ(sent.error_message().rfind("order_by: unknown field \"xxx", 0), 0u);
  EXPECT_NE(sent.error_message().find("bytes]"), std::string::npos) << "says it was cut";
  EXPECT_LE(sent.error_details().size(), kMaxErrorDetailsBytes);
  const google::rpc::Status rpc = DetailsOf(sent);
  bool has_info = false, has_bad_request = false;
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&info)) {
      has_info = true;
      EXPECT_LE(info.metadata().at("value").size(), kMaxErrorDetailTextBytes);
    } else if (any.UnpackTo(&bad)) {
      has_bad_request = true;
      ASSERT_EQ(bad.field_violations_size(), 1);
      EXPECT_EQ(bad.field_violations(0).field(), "order_by");
      EXPECT_LE(bad.field_violations(0).description().size(), kMaxErrorDetailTextBytes);
    }
  }
  EXPECT_TRUE(has_info);
  EXPECT_TRUE(has_bad_request);
}

TEST(ErrorsTest, ManyViolationsAreCountedNotListed) {
  FieldViolations v;
  for (int i = 0; i < 100000; ++i) {
    v.Add(absl::StrCat("member.aliases[", i, "]"), std::string(300, 'y'));
  }
  const grpc::Status sent = ToGrpcStatus(v.ToStatus());
  EXPECT_LE(sent.error_message().size(), kMaxErrorMessageBytes);
  EXPECT_LE(sent.error_details().size(), kMaxErrorDetailsBytes);
  google::rpc::BadRequest bad;
  bool found = false;
  const google::rpc::Status details = DetailsOf(sent);
  for (const auto& any : details.details()) found |= any.UnpackTo(&bad);
  ASSERT_TRUE(found) << "the BadRequest keeps its first violations";
  EXPECT_GE(bad.field_violations_size(), 1);
  EXPECT_LE(bad.field_violations_size(), static_cast<int>(kMaxReportedViolations));
  EXPECT_EQ(bad.field_violations(0).field(), "member.aliases[0]");
  // The in-process status says how many there were.
  EXPECT_NE(v.ToStatus().message().find("and 99980 more violations"), std::string::npos);
}

}  // namespace
}  // namespace common
