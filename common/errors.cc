#include "common/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "common/vi_text.h"

namespace common {
namespace {

constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";

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
    auto* v = bad_request.add_field_violations();
    v->set_field(field);
    v->set_description(description);
    parts.push_back(absl::StrCat(field, ": ", description));
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

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) {
    return grpc::Status::OK;
  }
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(ToValidUtf8(status.message()));
  bool has_error_info = false;
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    if (type_url.substr(0, kTypeUrlPrefix.size()) != kTypeUrlPrefix) {
      return;  // not a google.rpc detail
    }
    has_error_info |= type_url == kErrorInfoTypeUrl;
    google::protobuf::Any* any = rpc_status.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  if (!has_error_info) {
    google::rpc::ErrorInfo info;
    info.set_reason(absl::StatusCodeToString(status.code()));  // "NOT_FOUND"
    info.set_domain(ErrorDomain());
    rpc_status.add_details()->PackFrom(info);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()), rpc_status.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) {
    return absl::OkStatus();
  }
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status rpc_status;
  if (!status.error_details().empty() && rpc_status.ParseFromString(status.error_details())) {
    for (const auto& any : rpc_status.details()) {
      out.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return out;
}

}  // namespace common
