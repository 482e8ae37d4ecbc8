// File: common/echo_bounds.h
//
// How much of a caller's input may come back out: in an error's message, in its details
// (google.rpc.BadRequest, ErrorInfo metadata, ...) and in a log line. Input reaches all three
// (a message names the bad value, a log line the failed call), and a client that sends 20 MB
// must not get 20 MB of trailers (gRPC clients refuse trailers over their header limit, about
// 8 KiB for grpc-js and grpc-java, and then wait for their deadline) nor write a 20 MB line.
//
// The bounds are applied where text leaves the process: common::ToGrpcStatus (grpc_status.h) cuts
// the message and every string of every detail and keeps the details within a budget; the
// logger (logging.h) cuts every value and the whole line. Code that builds a message may quote
// input freely; the sinks keep it bounded.
//
//   Bounded("Nguyễn…(64 KB)", 32)  ->  "Nguyễn Văn… [+65510 bytes]"  (at most 32 bytes)
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace common {

// An error message (grpc-message; percent-encoded on the wire, so up to 3x as long there).
inline constexpr size_t kMaxErrorMessageBytes = 512;
// One string inside an error detail (a BadRequest description, an ErrorInfo metadata value).
inline constexpr size_t kMaxErrorDetailTextBytes = 256;
// The whole google.rpc.Status — the message again and every detail — serialized
// (grpc-status-details-bin, before base64). With the message, the trailers stay under 5 KiB.
inline constexpr size_t kMaxErrorDetailsBytes = 2048;
// Field violations reported by one error; more are counted, not listed.
inline constexpr size_t kMaxReportedViolations = 20;
// One value in a log line, and the whole line.
inline constexpr size_t kMaxLogValueBytes = 1024;
inline constexpr size_t kMaxLogLineBytes = 16384;

// `text` if it fits in `max_bytes`; otherwise its longest prefix that ends on a character
// boundary and leaves room for the marker " … [+N bytes]" (N: the bytes left out), followed
// by that marker. Ill-formed UTF-8 in what is kept becomes U+FFFD. The result is valid UTF-8
// of at most max(max_bytes, 34) bytes.
std::string Bounded(absl::string_view text, size_t max_bytes);

}  // namespace common
