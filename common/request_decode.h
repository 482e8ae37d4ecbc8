// File: common/request_decode.h
//
// A request whose bytes do not parse as its method's request message — a string field that is
// not valid UTF-8 (proto3 requires it), or a malformed message — never reaches a handler, and
// gRPC 1.51 then answers UNIMPLEMENTED with an empty message, which tells the caller nothing.
// RequestDecodeInterceptorFactory (installed first by common::ServerRunner, for every method
// of both services) answers INVALID_ARGUMENT instead, with an ErrorInfo (reason
// REQUEST_NOT_PARSED) and a BadRequest naming the field when protobuf named it:
//
//   member.full_name: must be valid UTF-8 (the request is not a valid
//   dangbo.records.v1.AdmitMemberRequest)
//
// How it knows: gRPC hands interceptors a null message when decoding failed, and protobuf
// reports the string field it refused through its log handler, on the decoding thread, which
// runs the interceptors' POST_RECV_MESSAGE right after (InstallProtobufLogHandler; it also
// writes protobuf's other log messages as JSON lines).
//
// In a client stream (ImportMembers), a message that does not parse ends the reads just as
// the end of the stream does; RequestDecodeError() tells the two apart.
//
// Thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"

namespace common {

// Routes protobuf's log messages to common/logging.h and notes the string fields it refuses
// while parsing. Idempotent; ServerRunner::Start() calls it.
void InstallProtobufLogHandler();

class RequestDecodeInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

// INVALID_ARGUMENT (as above) when a message of the call on `context` did not parse; OK
// otherwise. For client streams, when a read ends with ok=false.
absl::Status RequestDecodeError(const grpc::ServerContextBase& context);

// The error for a request of `method` ("/pkg.Service/Method") that did not parse;
// `utf8_field` is the full name of the string field protobuf refused ("" if none).
absl::Status RequestNotParsed(absl::string_view method, absl::string_view utf8_field);

}  // namespace common
