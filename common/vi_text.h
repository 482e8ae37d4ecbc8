// File: common/vi_text.h
//
// Vietnamese text on ICU: every name is stored NFC-normalized; search keys are folded
// (no tone or vowel marks, đ -> d, lower case), so "nguyen van anh" finds "Nguyễn Văn Ánh";
// lists sort by a collation key in Vietnamese order with the given name first ("Nguyễn Văn
// Ánh" sorts under "Ánh"), as party lists are ordered.
//
// All functions take and return UTF-8 and are thread-safe.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace common {

// True when `text` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view text);

// `text` with every ill-formed UTF-8 sequence replaced by U+FFFD: safe for protobuf string
// fields (error details quote raw input, which may be cut inside a character).
std::string ToValidUtf8(absl::string_view text);

// NFC form of `text`; INVALID_ARGUMENT when it is not well-formed UTF-8.
absl::StatusOr<std::string> ToNfc(absl::string_view text);

// NFC, trimmed, runs of white space collapsed to one space: the stored form of a name.
absl::StatusOr<std::string> NormalizeName(absl::string_view text);

// Search key: marks removed, đ/Đ -> d, case-folded, white space collapsed.
// "Nguyễn Văn Ánh" -> "nguyen van anh"; "ĐẶNG" -> "dang".
std::string FoldForSearch(absl::string_view text);

// The identity of a name for uniqueness (e.g. cell display names): NFC, any Unicode white space
// trimmed and collapsed to one space, Unicode full case folding, diacritics KEPT:
// "CHI BỘ  Nghiệp vụ" -> "chi bộ nghiệp vụ", while "Nghiep" stays apart from "Nghiệp" (in
// Vietnamese the marks make other words). Ill-formed UTF-8 is folded as its U+FFFD form.
std::string FoldCase(absl::string_view text);

// Upper case with Vietnamese rules, as party forms write names: "Nguyễn Văn Ánh" ->
// "NGUYỄN VĂN ÁNH".
std::string ToUpperVi(absl::string_view text);

// A Vietnamese full name: family name (họ), middle names (chữ đệm), given name (tên).
struct NameParts {
  std::string family;
  std::string middle;  // may be empty or several words
  std::string given;
};
// Splits on white space: first word family, last word given, the rest middle. A single word
// is a given name.
NameParts SplitName(absl::string_view full_name);

// Binary key whose byte order is the Vietnamese collation (ICU "vi") of the name read given
// name first, then family and middle names. Compare keys with memcmp / std::string <.
std::string NameCollationKey(absl::string_view full_name);

// The version of every rule above that stored keys depend on: the ICU library, its "vi"
// collator and its Unicode data, e.g. "icu 72.1; collator vi 153.112.40.0; unicode 15.0".
// An index built from NameCollationKey, FoldCase or FoldForSearch under one version may not
// match the keys another version computes; a store records this string and rebuilds such
// indexes when it changes.
std::string TextRulesVersion();

}  // namespace common
