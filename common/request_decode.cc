#include "common/request_decode.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <vector>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"

namespace common {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// The string field protobuf last refused on this thread (its full name).
thread_local std::string t_refused_utf8_field;

constexpr char kUtf8Prefix[] = "String field '";
constexpr char kUtf8Parsing[] = "' contains invalid UTF-8 data when parsing";

void ProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                 const std::string& message) {
  if (absl::StartsWith(message, kUtf8Prefix)) {
    const size_t end = message.find(kUtf8Parsing);
    if (end != std::string::npos) {
      // A request that did not parse: the caller is told, with the field (no ERROR line for
      // what a client sent).
      const size_t start = sizeof(kUtf8Prefix) - 1;
      t_refused_utf8_field = message.substr(start, end - start);
      LogDebug("protobuf", {{"message", message}});
      return;
    }
  }
  const LogLevel ours = level == google::protobuf::LOGLEVEL_INFO      ? LogLevel::kInfo
                        : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                                      : LogLevel::kError;
  Log(ours, "protobuf", {{"message", message}, {"file", filename}, {"line", line}});
}

// The path from `root` to the field named `full_name` ("member.full_name"), breadth first;
// "" when `root` has no such field.
std::string FieldPath(const Descriptor* root, absl::string_view full_name) {
  std::deque<std::pair<const Descriptor*, std::string>> queue = {{root, ""}};
  std::vector<const Descriptor*> seen;
  while (!queue.empty()) {
    auto [type, path] = queue.front();
    queue.pop_front();
    if (std::find(seen.begin(), seen.end(), type) != seen.end()) continue;
    seen.push_back(type);
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* f = type->field(i);
      const std::string here = path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
      if (f->full_name() == full_name) return here;
      if (f->message_type() != nullptr) queue.emplace_back(f->message_type(), here);
    }
  }
  return std::string();
}

// Decode errors of the calls in progress whose messages did not parse (few: only those).
class DecodeErrors {
 public:
  void Set(const grpc::ServerContextBase* context, absl::Status status) {
    absl::MutexLock lock(&mu_);
    errors_[context] = std::move(status);
  }
  void Erase(const grpc::ServerContextBase* context) {
    absl::MutexLock lock(&mu_);
    errors_.erase(context);
  }
  absl::Status Get(const grpc::ServerContextBase* context) {
    absl::MutexLock lock(&mu_);
    auto it = errors_.find(context);
    return it == errors_.end() ? absl::OkStatus() : it->second;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, absl::Status> errors_ ABSL_GUARDED_BY(mu_);
};

DecodeErrors& Errors() {
  static DecodeErrors* errors = new DecodeErrors();
  return *errors;
}

class RequestDecodeInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RequestDecodeInterceptor(grpc::experimental::ServerRpcInfo* info) : info_(info) {}
  ~RequestDecodeInterceptor() override {
    if (failed_) Errors().Erase(info_->server_context());
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      std::string field = std::move(t_refused_utf8_field);
      t_refused_utf8_field.clear();
      // A null message: decoding failed, or (client streams) the stream ended. Only a field
      // protobuf refused tells a client stream's failure from its end.
      const bool unary_request =
          info_->type() == grpc::experimental::ServerRpcInfo::Type::UNARY ||
          info_->type() == grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING;
      if (methods->GetRecvMessage() == nullptr && (unary_request || !field.empty()) &&
          !failed_) {
        failed_ = true;
        Errors().Set(info_->server_context(), RequestNotParsed(info_->method(), field));
      }
    }
    if (failed_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status sent = methods->GetSendStatus();
      // gRPC's own answer to a request it could not decode.
      if (sent.error_code() == grpc::StatusCode::UNIMPLEMENTED && sent.error_message().empty()) {
        methods->ModifySendStatus(ToGrpcStatus(Errors().Get(info_->server_context())));
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  bool failed_ = false;
};

}  // namespace

void InstallProtobufLogHandler() {
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(&ProtobufLog); });
}

grpc::experimental::Interceptor* RequestDecodeInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RequestDecodeInterceptor(info);
}

absl::Status RequestDecodeError(const grpc::ServerContextBase& context) {
  return Errors().Get(&context);
}

absl::Status RequestNotParsed(absl::string_view method, absl::string_view utf8_field) {
  // "/dangbo.records.v1.RecordsService/AdmitMember"
  //   -> "dangbo.records.v1.RecordsService.AdmitMember"
  std::string name(absl::StripPrefix(method, "/"));
  absl::StrReplaceAll({{"/", "."}}, &name);
  const google::protobuf::MethodDescriptor* m =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  const std::string type = m == nullptr ? "request" : m->input_type()->full_name();
  std::string field =
      m == nullptr || utf8_field.empty() ? std::string() : FieldPath(m->input_type(), utf8_field);
  const std::string what = absl::StrCat("the request is not a valid ", type);
  FieldViolations v;
  if (!field.empty()) {
    v.Add(field, absl::StrCat("must be valid UTF-8 (", what, ")"));
  } else if (!utf8_field.empty()) {
    v.Add("request", absl::StrCat("a string field is not valid UTF-8 (", what, ")"));
  } else {
    v.Add("request", absl::StrCat(what, ": its bytes do not parse as that message"));
  }
  return v.ToStatus("REQUEST_NOT_PARSED");
}

}  // namespace common
