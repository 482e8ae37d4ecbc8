#include "common/echo_bounds.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/vi_text.h"

namespace common {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The room the marker may take: " … [+" (7 bytes) + up to 20 digits + " bytes]" (7).
constexpr size_t kMarkerRoom = 34;

}  // namespace

std::string Bounded(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return ToValidUtf8(text);
  }
  size_t keep = max_bytes > kMarkerRoom ? max_bytes - kMarkerRoom : 0;
  // Back off to the start of a character (at most 3 continuation bytes).
  for (int i = 0; i < 3 && keep > 0 && IsContinuationByte(text[keep]); ++i) --keep;
  std::string out = ToValidUtf8(text.substr(0, keep));
  if (out.size() > keep) {  // U+FFFD replacements grew it: cut again at a boundary
    size_t cut = keep;
    while (cut > 0 && IsContinuationByte(out[cut])) --cut;
    out.resize(cut);
  }
  absl::StrAppend(&out, " \xE2\x80\xA6 [+", text.size() - keep, " bytes]");
  return out;
}

}  // namespace common
