// File: services/records/domain/update_mask.h
//
// FieldMask handling of the Update* methods (AIP-134) in one place:
// - an empty mask means every populated updatable field of the patch;
// - "*" means full replacement of the updatable fields (unset in the patch -> cleared);
// - a path naming an updatable field (or a sub-field of one) is applied as given;
// - an IMMUTABLE path is allowed only when the value does not change;
// - an OUTPUT_ONLY path is ignored or rejected, as the method's contract says;
// - any other path is INVALID_ARGUMENT naming "update_mask" and the path.
// Applying uses google::protobuf::util::FieldMaskUtil (replace semantics for messages and
// repeated fields). Pure, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace records::domain {

struct UpdatePolicy {
  std::vector<std::string> updatable;    // top-level field names (sub-paths allowed)
  std::vector<std::string> immutable;    // may be named only with the current value
  std::vector<std::string> output_only;  // ignored, or rejected when reject_output_only
  bool reject_output_only = false;
  std::string resource_field;  // request field of the resource, e.g. "cell"
};

// The paths to apply (subset of updatable, normalized, in mask order). `current` is the stored
// resource (for IMMUTABLE comparisons), `patch` the request's resource.
absl::StatusOr<std::vector<std::string>> ResolveUpdatePaths(
    const google::protobuf::Message& current, const google::protobuf::Message& patch,
    const google::protobuf::FieldMask& mask, const UpdatePolicy& policy);

// `current` with `paths` copied from `patch` (replace semantics).
void ApplyUpdatePaths(const google::protobuf::Message& patch, const std::vector<std::string>& paths,
                      google::protobuf::Message* current);

}  // namespace records::domain
