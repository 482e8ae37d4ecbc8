#include "common/errors.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/echo_bounds.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
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


// Cuts every string in `message` (recursively, map keys and values included) to `max_bytes`.
void BoundStrings(google::protobuf::Message* message, size_t max_bytes) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* r = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*message, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*message, f); ++i) {
          r->SetRepeatedString(message, f, i,
                               Bounded(r->GetRepeatedString(*message, f, i), max_bytes));
        }
      } else {
        r->SetString(message, f, Bounded(r->GetString(*message, f), max_bytes));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*message, f); ++i) {
          BoundStrings(r->MutableRepeatedMessage(message, f, i), max_bytes);
        }
      } else {
        BoundStrings(r->MutableMessage(message, f), max_bytes);
      }
    }
  }
}

// Removes the last element of the longest repeated field; false when none is left.
bool DropLastElement(google::protobuf::Message* message) {
  const google::protobuf::Reflection* r = message->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(*message, &fields);
  const google::protobuf::FieldDescriptor* longest = nullptr;
  for (const auto* f : fields) {
    if (f->is_repeated() && !f->is_map() &&
        (longest == nullptr || r->FieldSize(*message, f) > r->FieldSize(*message, longest))) {
      longest = f;
    }
  }
  if (longest == nullptr) return false;
  r->RemoveLast(message, longest);
  return true;
}

// A detail payload as it may leave the process: its strings bounded, and cut (trailing
// elements of its repeated fields dropped) to fit `budget` bytes. Empty when it cannot be
// parsed as the type its URL names or does not fit at all.
std::string BoundedDetail(absl::string_view type_url, const absl::Cord& payload, size_t budget) {
  const google::protobuf::Descriptor* type =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          std::string(type_url.substr(kTypeUrlPrefix.size())));
  if (type == nullptr) return std::string();
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  if (!message->ParseFromString(std::string(payload))) return std::string();
  BoundStrings(message.get(), kMaxErrorDetailTextBytes);
  std::string bytes = message->SerializeAsString();
  while (bytes.size() > budget) {
    if (!DropLastElement(message.get())) return std::string();
    bytes = message->SerializeAsString();
  }
  return bytes;
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

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) {
    return grpc::Status::OK;
  }
  // Bounded (echo_bounds.h): the message, each string of each detail, and the whole
  // google.rpc.Status; the ErrorInfo first so that it is never the detail left out.
  const std::string message = Bounded(status.message(), kMaxErrorMessageBytes);
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(message);
  auto add_detail = [&](absl::string_view type_url, const absl::Cord& payload) {
    // What is left of the budget once this detail's envelope (type URL, tags) is counted.
    const size_t used = rpc_status.ByteSizeLong() + type_url.size() + 16;
    if (used >= kMaxErrorDetailsBytes) return false;
    std::string value = BoundedDetail(type_url, payload, kMaxErrorDetailsBytes - used);
    if (value.empty()) return false;
    google::protobuf::Any* any = rpc_status.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::move(value));
    return true;
  };
  const auto error_info = status.GetPayload(kErrorInfoTypeUrl);
  if (!error_info.has_value() || !add_detail(kErrorInfoTypeUrl, *error_info)) {
    google::rpc::ErrorInfo info;
    info.set_reason(absl::StatusCodeToString(status.code()));  // "NOT_FOUND"
    info.set_domain(ErrorDomain());
    add_detail(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  }
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    if (type_url.substr(0, kTypeUrlPrefix.size()) != kTypeUrlPrefix ||
        type_url == kErrorInfoTypeUrl) {
      return;  // not a google.rpc detail, or already added
    }
    add_detail(type_url, payload);
  });
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      rpc_status.SerializeAsString());
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
