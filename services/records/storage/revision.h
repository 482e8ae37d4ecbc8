// File: services/records/storage/revision.h
//
// Every stored resource value is an envelope: the resource's revision (the change-log
// sequence of its last write, 8 bytes big-endian) followed by the serialized proto. The
// commit queue checks preconditions against the revision without knowing the resource type.
// The etag clients see is derived from the revision: "\"r<revision>\"" (quoted, AIP-154).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace records {

std::string EncodeVersioned(uint64_t revision, absl::string_view payload);
// False when `value` is shorter than the revision header.
bool DecodeVersioned(absl::string_view value, uint64_t* revision, absl::string_view* payload);

std::string EtagForRevision(uint64_t revision);
// False when `etag` is not an etag this server issued.
bool RevisionFromEtag(absl::string_view etag, uint64_t* revision);

}  // namespace records
