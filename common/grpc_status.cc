#include "common/grpc_status.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "common/echo_bounds.h"
#include "common/errors.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace common {
namespace {

constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";

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

}  // namespace

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
