#include "common/vi_text.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "unicode/coll.h"
#include "unicode/locid.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/utf8.h"
#include "unicode/uversion.h"

namespace common {
namespace {

const icu::Normalizer2& Nfc() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || n == nullptr) {
    std::abort();  // ICU data missing: the binary cannot work at all
  }
  return *n;
}

const icu::Normalizer2& Nfd() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status) || n == nullptr) {
    std::abort();
  }
  return *n;
}

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

// Joins the white-space separated words of `text` with single spaces.
std::string CollapseSpaces(absl::string_view text) {
  std::vector<absl::string_view> words =
      absl::StrSplit(text, absl::ByAnyChar(" \t\r\n\f\v"), absl::SkipEmpty());
  return absl::StrJoin(words, " ");
}

// ICU collators are not safe to share across threads; each thread clones its own.
icu::Collator& VietnameseCollator() {
  thread_local std::unique_ptr<icu::Collator> collator = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Collator> c(icu::Collator::createInstance(icu::Locale("vi"), status));
    if (U_FAILURE(status) || c == nullptr) {
      std::abort();
    }
    return c;
  }();
  return *collator;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) {
      return false;
    }
  }
  return true;
}

std::string ToValidUtf8(absl::string_view text) {
  if (IsValidUtf8(text)) {
    return std::string(text);
  }
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  std::string out;
  out.reserve(text.size() + 8);
  int32_t i = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
    } else {
      out.append(text.data() + start, static_cast<size_t>(i - start));
    }
  }
  return out;
}

absl::StatusOr<std::string> ToNfc(absl::string_view text) {
  if (!IsValidUtf8(text)) {
    return absl::InvalidArgumentError("text is not valid UTF-8");
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString nfc = Nfc().normalize(
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size())), status);
  if (U_FAILURE(status)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot normalize text: ", u_errorName(status)));
  }
  return ToUtf8(nfc);
}

absl::StatusOr<std::string> NormalizeName(absl::string_view text) {
  absl::StatusOr<std::string> nfc = ToNfc(text);
  if (!nfc.ok()) {
    return nfc.status();
  }
  return CollapseSpaces(*nfc);
}

std::string FoldForSearch(absl::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString nfd = Nfd().normalize(
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size())), status);
  if (U_FAILURE(status)) {
    return CollapseSpaces(text);
  }
  icu::UnicodeString folded;
  for (int32_t i = 0; i < nfd.length();) {
    const UChar32 c = nfd.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) {
      continue;  // tone and vowel marks
    }
    if (c == 0x0111 || c == 0x0110) {  // đ, Đ do not decompose
      folded.append(static_cast<UChar32>('d'));
      continue;
    }
    folded.append(c);
  }
  folded.foldCase();
  return CollapseSpaces(ToUtf8(folded));
}

std::string FoldCase(absl::string_view text) {
  const std::string valid = ToValidUtf8(text);
  const icu::UnicodeString input =
      icu::UnicodeString::fromUTF8(icu::StringPiece(valid.data(), valid.size()));
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded = Nfc().normalize(input, status);
  if (U_FAILURE(status)) folded = input;
  folded.foldCase();
  // Folding can leave a sequence that composes (U+0130 -> i + U+0307): compose again.
  status = U_ZERO_ERROR;
  icu::UnicodeString composed = Nfc().normalize(folded, status);
  if (U_FAILURE(status)) composed = folded;
  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < composed.length();) {
    const UChar32 c = composed.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) {
      pending_space = !out.isEmpty();
      continue;
    }
    if (pending_space) out.append(static_cast<UChar32>(' '));
    pending_space = false;
    out.append(c);
  }
  return ToUtf8(out);
}

std::string ToUpperVi(absl::string_view text) {
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size()));
  s.toUpper(icu::Locale("vi"));
  return ToUtf8(s);
}

NameParts SplitName(absl::string_view full_name) {
  std::vector<std::string> words =
      absl::StrSplit(full_name, absl::ByAnyChar(" \t\r\n\f\v"), absl::SkipEmpty());
  NameParts parts;
  if (words.empty()) {
    return parts;
  }
  parts.given = words.back();
  if (words.size() >= 2) {
    parts.family = words.front();
    parts.middle = absl::StrJoin(words.begin() + 1, words.end() - 1, " ");
  }
  return parts;
}

std::string NameCollationKey(absl::string_view full_name) {
  const NameParts parts = SplitName(full_name);
  std::string reordered = parts.given;
  if (!parts.family.empty()) {
    absl::StrAppend(&reordered, " ", parts.family);
  }
  if (!parts.middle.empty()) {
    absl::StrAppend(&reordered, " ", parts.middle);
  }
  const icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(reordered.data(), reordered.size()));
  icu::Collator& collator = VietnameseCollator();
  std::string key(64, '\0');
  int32_t n = collator.getSortKey(u, reinterpret_cast<uint8_t*>(key.data()),
                                  static_cast<int32_t>(key.size()));
  if (n > static_cast<int32_t>(key.size())) {
    key.resize(static_cast<size_t>(n));
    n = collator.getSortKey(u, reinterpret_cast<uint8_t*>(key.data()), n);
  }
  key.resize(n > 0 ? static_cast<size_t>(n - 1) : 0);  // drop the trailing NUL
  return key;
}

std::string TextRulesVersion() {
  UVersionInfo icu_version;
  u_getVersion(icu_version);
  UVersionInfo collator_version;
  VietnameseCollator().getVersion(collator_version);
  UVersionInfo unicode_version;
  u_getUnicodeVersion(unicode_version);
  char icu_text[U_MAX_VERSION_STRING_LENGTH];
  char collator_text[U_MAX_VERSION_STRING_LENGTH];
  char unicode_text[U_MAX_VERSION_STRING_LENGTH];
  u_versionToString(icu_version, icu_text);
  u_versionToString(collator_version, collator_text);
  u_versionToString(unicode_version, unicode_text);
  return absl::StrCat("icu ", icu_text, "; collator vi ", collator_text, "; unicode ",
                      unicode_text);
}

}  // namespace common
