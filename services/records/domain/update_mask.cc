#include "services/records/domain/update_mask.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace records::domain {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::FieldMaskUtil;

std::string Top(const std::string& path) { return path.substr(0, path.find('.')); }

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool Populated(const Message& m, const std::string& field) {
  const FieldDescriptor* fd = m.GetDescriptor()->FindFieldByName(field);
  if (fd == nullptr) return false;
  if (fd->is_repeated()) return m.GetReflection()->FieldSize(m, fd) > 0;
  return m.GetReflection()->HasField(m, fd);
}

// True when `path` reads the same in both messages.
bool SameAt(const Message& a, const Message& b, const std::string& path) {
  std::unique_ptr<Message> pa(a.New()), pb(b.New());
  google::protobuf::FieldMask mask;
  mask.add_paths(path);
  FieldMaskUtil::MergeMessageTo(a, mask, FieldMaskUtil::MergeOptions(), pa.get());
  FieldMaskUtil::MergeMessageTo(b, mask, FieldMaskUtil::MergeOptions(), pb.get());
  return google::protobuf::util::MessageDifferencer::Equals(*pa, *pb);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ResolveUpdatePaths(const Message& current,
                                                            const Message& patch,
                                                            const google::protobuf::FieldMask& mask,
                                                            const UpdatePolicy& policy) {
  std::vector<std::string> out;
  auto add = [&](const std::string& p) {
    if (!Contains(out, p)) out.push_back(p);
  };
  common::FieldViolations violations;
  if (mask.paths_size() == 0) {
    for (const std::string& f : policy.updatable) {
      if (Populated(patch, f)) add(f);
    }
    for (const std::string& f : policy.immutable) {
      if (Populated(patch, f) && !SameAt(current, patch, f)) {
        violations.Add(absl::StrCat(policy.resource_field, ".", f),
                       absl::StrCat("is IMMUTABLE and cannot be changed"));
      }
    }
    if (!violations.empty()) return violations.ToStatus();
    return out;
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& p = mask.paths(i);
    const std::string field = absl::StrCat("update_mask.paths[", i, "]");
    if (p == "*") {
      for (const std::string& f : policy.updatable) add(f);
      for (const std::string& f : policy.immutable) {
        if (Populated(patch, f) && !SameAt(current, patch, f)) {
          violations.Add(absl::StrCat(policy.resource_field, ".", f),
                         "is IMMUTABLE and cannot be changed");
        }
      }
      continue;
    }
    const std::string top = Top(p);
    if (Contains(policy.updatable, top)) {
      if (!FieldMaskUtil::GetFieldDescriptors(patch.GetDescriptor(), p, nullptr)) {
        violations.Add(field, absl::StrCat("\"", p, "\" is not a field path"));
      } else {
        add(p);
      }
    } else if (Contains(policy.immutable, top)) {
      if (!SameAt(current, patch, p)) {
        violations.Add(field, absl::StrCat("\"", p, "\" is IMMUTABLE and cannot be changed"));
      }
    } else if (Contains(policy.output_only, top)) {
      if (policy.reject_output_only) {
        violations.Add(field, absl::StrCat("\"", p, "\" is OUTPUT_ONLY and cannot be updated"));
      }
    } else {
      violations.Add(field, absl::StrCat("unknown or non-updatable path \"", p,
                                         "\"; updatable: ", absl::StrJoin(policy.updatable, ", ")));
    }
  }
  if (!violations.empty()) return violations.ToStatus();
  return out;
}

void ApplyUpdatePaths(const Message& patch, const std::vector<std::string>& paths,
                      Message* current) {
  google::protobuf::FieldMask mask;
  for (const std::string& p : paths) mask.add_paths(p);
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(patch, mask, options, current);
}

}  // namespace records::domain
