// File: common/errors.h
//
// Errors are absl::Status values everywhere below the handlers. Rich details ride on the
// status as payloads keyed by their type URL (google.rpc.ErrorInfo, google.rpc.BadRequest,
// google.rpc.PreconditionFailure, ...) and common::ToGrpcStatus (common/grpc_status.h, the
// gRPC layer) turns them into a google.rpc.Status in the grpc-status-details-bin trailer,
// which grpcurl decodes. No gRPC here: the domain rules build their errors with this alone.
//
//   FieldViolations v;
//   if (id.size() != 12) v.Add("member.national_id", "must be exactly 12 digits");
//   RETURN_IF_ERROR(v.ToStatus());
//
//   return WithReason(absl::FailedPreconditionError("..."), "MEMBER_NOT_PROBATIONARY");
#pragma once

#include <map>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace common {

// ErrorInfo.domain of the errors this process returns: "<service>.dangbo.gov.vn", set once
// at start-up (ServerRunner does); "dangbo.gov.vn" until then.
void SetErrorDomain(absl::string_view domain);
const std::string& ErrorDomain();

inline constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr char kBadRequestTypeUrl[] = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr char kPreconditionFailureTypeUrl[] =
    "type.googleapis.com/google.rpc.PreconditionFailure";

// Collects INVALID_ARGUMENT field violations; ToStatus() is OK when none were added.
// The status message names every field and rule ("member.national_id: must be ..."), the
// first kMaxReportedViolations of them, then how many more there were.
class FieldViolations {
 public:
  void Add(std::string field, std::string description);
  bool empty() const { return violations_.empty(); }
  size_t size() const { return violations_.size(); }
  const std::vector<std::pair<std::string, std::string>>& violations() const {
    return violations_;
  }
  // Reason defaults to "INVALID_ARGUMENT".
  absl::Status ToStatus(absl::string_view reason = "INVALID_ARGUMENT") const;

 private:
  std::vector<std::pair<std::string, std::string>> violations_;
};

// An INVALID_ARGUMENT naming one field and its rule.
absl::Status InvalidField(absl::string_view field, absl::string_view rule);

// Attaches a google.rpc.ErrorInfo (reason in UPPER_SNAKE_CASE, lowerCamel metadata keys).
absl::Status WithReason(absl::Status status, absl::string_view reason,
                        const std::map<std::string, std::string>& metadata = {});

// A FAILED_PRECONDITION whose PreconditionFailure names the violated rule
// (type, subject, description) and whose ErrorInfo reason is `reason`.
absl::Status RuleViolation(absl::string_view reason, absl::string_view subject,
                           absl::string_view message);

// Reads back what the builders attached (empty when absent).
std::string ErrorReason(const absl::Status& status);
std::vector<std::pair<std::string, std::string>> FieldViolationsOf(const absl::Status& status);

}  // namespace common
