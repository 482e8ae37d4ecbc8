#include "common/errors.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/echo_bounds.h"
#include "common/vi_text.h"
#include "google/rpc/error_details.pb.h"

namespace common {
namespace {

std::string& MutableErrorDomain() {
  static std::string* domain = new std::string("dangbo.gov.vn");
  return *domain;
}

template <typename Message>
bool ReadPayload(const absl::Status& status, absl::string_view type_url, Message* out) {
  const auto payload = status.GetPayload(type_url);
  return payload.has_value() && out->ParseFromString(std::string(*payload));
}

}  // namespace

void SetErrorDomain(absl::string_view domain) { MutableErrorDomain() = std::string(domain); }

const std::string& ErrorDomain() { return MutableErrorDomain(); }

// Error details are protobuf messages, whose strings must be valid UTF-8 or the receiver
// cannot parse them; messages often quote raw (possibly cut or invalid) input.
void FieldViolations::Add(std::string field, std::string description) {
  violations_.emplace_back(ToValidUtf8(field), ToValidUtf8(description));
}

absl::Status FieldViolations::ToStatus(absl::string_view reason) const {
  if (violations_.empty()) {
    return absl::OkStatus();
  }
  google::rpc::BadRequest bad_request;
  std::vector<std::string> parts;
  for (const auto& [field, description] : violations_) {
    if (parts.size() == kMaxReportedViolations) {
      parts.push_back(absl::StrCat("and ", violations_.size() - kMaxReportedViolations,
                                   " more violations"));
      break;
    }
    const std::string bounded_field = Bounded(field, kMaxErrorDetailTextBytes);
    const std::string bounded_description = Bounded(description, kMaxErrorDetailTextBytes);
    auto* v = bad_request.add_field_violations();
    v->set_field(bounded_field);
    v->set_description(bounded_description);
    parts.push_back(absl::StrCat(bounded_field, ": ", bounded_description));
  }
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  return WithReason(std::move(status), reason,
                    {{"field", violations_.front().first}});
}

absl::Status InvalidField(absl::string_view field, absl::string_view rule) {
  FieldViolations v;
  v.Add(std::string(field), std::string(rule));
  return v.ToStatus();
}

absl::Status WithReason(absl::Status status, absl::string_view reason,
                        const std::map<std::string, std::string>& metadata) {
  if (status.ok()) {
    return status;
  }
  google::rpc::ErrorInfo info;
  info.set_reason(ToValidUtf8(reason));
  info.set_domain(ErrorDomain());
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[ToValidUtf8(key)] = ToValidUtf8(value);
  }
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status RuleViolation(absl::string_view reason, absl::string_view subject,
                           absl::string_view message) {
  google::rpc::PreconditionFailure failure;
  auto* v = failure.add_violations();
  v->set_type(ToValidUtf8(reason));
  v->set_subject(ToValidUtf8(subject));
  v->set_description(ToValidUtf8(message));
  absl::Status status = absl::FailedPreconditionError(message);
  status.SetPayload(kPreconditionFailureTypeUrl, absl::Cord(failure.SerializeAsString()));
  return WithReason(std::move(status), reason, {{"resource", std::string(subject)}});
}

std::string ErrorReason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return ReadPayload(status, kErrorInfoTypeUrl, &info) ? info.reason() : std::string();
}

std::vector<std::pair<std::string, std::string>> FieldViolationsOf(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  google::rpc::BadRequest bad_request;
  if (ReadPayload(status, kBadRequestTypeUrl, &bad_request)) {
    for (const auto& v : bad_request.field_violations()) {
      out.emplace_back(v.field(), v.description());
    }
  }
  return out;
}

}  // namespace common
