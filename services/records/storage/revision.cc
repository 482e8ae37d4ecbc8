#include "services/records/storage/revision.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/records/storage/keys.h"

namespace records {

std::string EncodeVersioned(uint64_t revision, absl::string_view payload) {
  std::string value;
  value.reserve(8 + payload.size());
  keys::AppendUint64(&value, revision);
  value.append(payload.data(), payload.size());
  return value;
}

bool DecodeVersioned(absl::string_view value, uint64_t* revision, absl::string_view* payload) {
  if (!keys::ConsumeUint64(&value, revision)) return false;
  *payload = value;
  return true;
}

std::string EtagForRevision(uint64_t revision) { return absl::StrCat("\"r", revision, "\""); }

bool RevisionFromEtag(absl::string_view etag, uint64_t* revision) {
  if (etag.size() < 4 || etag.front() != '"' || etag.back() != '"' || etag[1] != 'r') {
    return false;
  }
  return absl::SimpleAtoi(etag.substr(2, etag.size() - 3), revision);
}

}  // namespace records
