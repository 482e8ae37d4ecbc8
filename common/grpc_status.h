// File: common/grpc_status.h
//
// Where absl::Status meets gRPC: the server layer's handlers, reactors and interceptors send
// ToGrpcStatus(status), and clients of dangbo services read a call's result back with
// FromGrpcStatus. The errors themselves (and their details) are built with common/errors.h,
// which has no gRPC.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace common {

// The one place absl::Status becomes grpc::Status: same code and message, and a
// google.rpc.Status with an ErrorInfo (always; reason defaults to the code's name) plus every
// other detail payload. What leaves is bounded (common/echo_bounds.h): the message, every
// string in every detail, and the details together (the ErrorInfo always kept; trailing
// elements of a detail's lists, e.g. field violations, left out to fit).
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients of dangbo services: keeps code, message and details.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace common
