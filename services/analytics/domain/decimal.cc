#include "services/analytics/domain/decimal.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace analytics {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::Status BadDecimal(absl::string_view field, absl::string_view text) {
  return common::InvalidField(
      field, absl::StrCat("must be a decimal number like \"2103.4\" (optional \"-\", at most 12 "
                          "integer digits without leading zeros or thousands separators, "
                          "\".\" and 1 to 6 fractional digits); got \"",
                          text.substr(0, 40), "\""));
}

}  // namespace

absl::StatusOr<int64_t> ParseDecimal(absl::string_view text, absl::string_view field) {
  absl::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && rest.front() == '-') {
    negative = true;
    rest.remove_prefix(1);
  }
  size_t int_len = 0;
  while (int_len < rest.size() && IsDigit(rest[int_len])) ++int_len;
  if (int_len == 0 || int_len > 12 || (int_len > 1 && rest[0] == '0')) {
    return BadDecimal(field, text);
  }
  int64_t whole = 0;
  for (size_t i = 0; i < int_len; ++i) whole = whole * 10 + (rest[i] - '0');
  rest.remove_prefix(int_len);
  int64_t frac = 0;
  if (!rest.empty()) {
    if (rest.front() != '.') return BadDecimal(field, text);
    rest.remove_prefix(1);
    if (rest.empty() || rest.size() > 6) return BadDecimal(field, text);
    int64_t scale = kMicrosPerUnit;
    for (char c : rest) {
      if (!IsDigit(c)) return BadDecimal(field, text);
      scale /= 10;
      frac += (c - '0') * scale;
    }
  }
  const int64_t micros = whole * kMicrosPerUnit + frac;
  return negative ? -micros : micros;
}

std::string FormatDecimal(int64_t micros) {
  const bool negative = micros < 0;
  // |INT64_MIN| does not fit; stored values are within ±kMaxDecimalMicros anyway.
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  const uint64_t whole = magnitude / kMicrosPerUnit;
  uint64_t frac = magnitude % kMicrosPerUnit;
  std::string out = negative && magnitude != 0 ? "-" : "";
  absl::StrAppend(&out, whole);
  if (frac != 0) {
    std::string digits = std::to_string(frac + kMicrosPerUnit).substr(1);  // 6 digits
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  return out;
}

std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum) || sum > kMaxDecimalMicros || sum < -kMaxDecimalMicros) {
    return std::nullopt;
  }
  return sum;
}

std::optional<int64_t> CheckedSub(int64_t a, int64_t b) {
  int64_t diff;
  if (__builtin_sub_overflow(a, b, &diff) || diff > kMaxDecimalMicros ||
      diff < -kMaxDecimalMicros) {
    return std::nullopt;
  }
  return diff;
}

}  // namespace analytics
