#include "common/request_text.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "common/vi_text.h"
#include "google/protobuf/descriptor.h"

namespace common {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsFreeText(const FieldDescriptor& field) {
  static constexpr const char* kFreeText[] = {
      "description", "note",    "reason",     "text",    "summary", "violation_summary",
      "purpose",     "content", "conclusion", "remarks", "minutes", "csv"};
  for (const char* name : kFreeText) {
    if (field.name() == name) return true;
  }
  return false;
}

bool IsDocument(const FieldDescriptor& field) { return field.name() == "csv"; }

// The first forbidden character of `text` as "U+001B at character 5", or "" when none.
std::string ForbiddenCharacter(absl::string_view text, bool free_text) {
  size_t character = 0;
  for (size_t i = 0; i < text.size(); ++character) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {  // printable ASCII: the common case
      ++i;
      continue;
    }
    uint32_t code = c;
    size_t length = 1;
    if (c >= 0xC0) {  // a lead byte; the text is valid UTF-8 (checked before)
      length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      code = c & (0x7F >> length);
      for (size_t k = 1; k < length && i + k < text.size(); ++k) {
        code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      }
    }
    i += length;
    const bool line_break = code == '\n' || code == '\r' || code == '\t';
    const bool separator = code == 0x2028 || code == 0x2029;
    const bool control = code < 0x20 || (code >= 0x7F && code <= 0x9F);
    const bool bidi = code == 0x061C || code == 0x200E || code == 0x200F ||
                      (code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069);
    if ((control && !(free_text && line_break)) || (separator && !free_text) || bidi) {
      return absl::StrFormat("U+%04X at character %d", code, character + 1);
    }
  }
  return std::string();
}

// Walks a request; the path of a field is spelled out only when it is reported.
class Checker {
 public:
  void CheckMessage(const Message& message) {
    const google::protobuf::Descriptor* d = message.GetDescriptor();
    const Reflection* r = message.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      const bool text = f->type() == FieldDescriptor::TYPE_STRING;
      const bool nested = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
      if (!f->is_repeated()) {
        path_.push_back({f, -1});
        if (text) {
          CheckString(*f, r->GetStringReference(message, f, &scratch_));
        } else if (nested && r->HasField(message, f)) {
          CheckMessage(r->GetMessage(message, f));
        }
        path_.pop_back();
        continue;
      }
      const int size = r->FieldSize(message, f);
      if (static_cast<size_t>(size) > kMaxRepeatedElements) {
        path_.push_back({f, -1});
        violations_.Add(Path(), absl::StrCat("has ", size, " elements; at most ",
                                             kMaxRepeatedElements, " are allowed"));
        path_.pop_back();
        continue;
      }
      if (!text && !nested) continue;
      for (int k = 0; k < size; ++k) {
        path_.push_back({f, k});
        if (text) {
          CheckString(*f, r->GetRepeatedStringReference(message, f, k, &scratch_));
        } else {
          CheckMessage(r->GetRepeatedMessage(message, f, k));
        }
        path_.pop_back();
      }
    }
  }

  absl::Status ToStatus() const { return violations_.ToStatus(); }

 private:
  // "inspection_plan.items[2].note"
  std::string Path() const {
    std::string out;
    for (const auto& [field, index] : path_) {
      if (!out.empty()) out.push_back('.');
      out += field->name();
      if (index >= 0) absl::StrAppend(&out, "[", index, "]");
    }
    return out;
  }

  void CheckString(const FieldDescriptor& f, const std::string& value) {
    const size_t limit = IsDocument(f) ? SIZE_MAX : kMaxTextBytes;
    if (value.size() > limit) {
      violations_.Add(Path(), absl::StrCat("is ", value.size(), " bytes long; at most ", limit,
                                           " are allowed"));
      return;
    }
    if (!IsValidUtf8(value)) {
      violations_.Add(Path(), "must be valid UTF-8");
      return;
    }
    const bool free_text = IsFreeText(f);
    if (std::string bad = ForbiddenCharacter(value, free_text); !bad.empty()) {
      violations_.Add(Path(), absl::StrCat(free_text ? "must not contain control or "
                                                       "bidirectional formatting characters "
                                                       "other than tab and line breaks, found "
                                                     : "must not contain control, line break "
                                                       "or bidirectional formatting "
                                                       "characters, found ",
                                           bad));
    }
  }

  std::vector<std::pair<const FieldDescriptor*, int>> path_;
  std::string scratch_;
  FieldViolations violations_;
};

}  // namespace

absl::Status CheckRequestText(const Message& request) {
  Checker checker;
  checker.CheckMessage(request);
  return checker.ToStatus();
}

}  // namespace common
