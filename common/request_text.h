// File: common/request_text.h
//
// The limits every request of both services obeys, whatever its method: checked on the whole
// message (recursively, through every string and repeated field) before any handler looks at
// it — common::Authorizer::Authorize does it for every call, ImportMembers for every row.
//
//   - a repeated field holds at most kMaxRepeatedElements elements;
//   - a string holds at most kMaxTextBytes bytes (a document field — `csv` — up to the
//     message size limit); methods bound their fields further (e.g. a name is at most 100
//     characters: services/records/domain/validation.h);
//   - no control characters: no C0 control (U+0000–U+001F) except tab, line feed and
//     carriage return in free-text fields, no DEL (U+007F), no C1 control (U+0080–U+009F), no
//     line or paragraph separator (U+2028, U+2029) outside free-text fields, and no bidirectional
//     formatting character (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which
//     can make a stored name display as another;
//   - valid UTF-8 (gRPC refuses a request that is not before a handler runs; a message made
//     in process is held to it here).
// Free-text fields are those named description, note, reason, text, summary,
// violation_summary, purpose, content, conclusion, remarks, minutes, or csv.
//
// A violation is INVALID_ARGUMENT with a google.rpc.BadRequest naming the field by its path in
// the request ("member.full_name", "inspection_plan.items[2].note") and the rule, and the
// character and its position for a control character.
//
// Thread-safe. Cost: one pass over the request's strings (a few hundred nanoseconds for a
// typical request).
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace common {

inline constexpr size_t kMaxRepeatedElements = 10000;
inline constexpr size_t kMaxTextBytes = 64 * 1024;

absl::Status CheckRequestText(const google::protobuf::Message& request);

}  // namespace common
