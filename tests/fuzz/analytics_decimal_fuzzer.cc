// Fuzz target: exact decimals (services/analytics/domain/decimal.h).
//
// Input: text for ParseDecimal; its first 16 bytes are also read as two int64 micro values.
// Properties:
//   - ParseDecimal returns a value within ±kMaxDecimalMicros or INVALID_ARGUMENT with a
//     readable BadRequest;
//   - parse -> format -> parse gives the same value, and the formatted text is canonical
//     (formatting it again after parsing gives the same text);
//   - FormatDecimal of any value in range parses back to it;
//   - CheckedAdd / CheckedSub agree with exact 128-bit arithmetic and the range.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "services/analytics/domain/decimal.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using analytics::FormatDecimal;
using analytics::kMaxDecimalMicros;
using analytics::ParseDecimal;

void CheckFormatParses(int64_t micros) {
  const std::string text = FormatDecimal(micros);
  absl::StatusOr<int64_t> back = ParseDecimal(text, "value");
  FUZZ_CHECK(back.ok()) << micros << " formats as \"" << text << "\": " << back.status();
  FUZZ_CHECK(*back == micros) << micros << " -> \"" << text << "\" -> " << *back;
}

void CheckArithmetic(int64_t a, int64_t b) {
  for (const bool add : {true, false}) {
    const __int128 exact = add ? static_cast<__int128>(a) + b : static_cast<__int128>(a) - b;
    const std::optional<int64_t> checked =
        add ? analytics::CheckedAdd(a, b) : analytics::CheckedSub(a, b);
    const bool in_range = exact >= -kMaxDecimalMicros && exact <= kMaxDecimalMicros;
    FUZZ_CHECK(checked.has_value() == in_range) << a << (add ? " + " : " - ") << b;
    if (checked) FUZZ_CHECK(*checked == exact) << a << (add ? " + " : " - ") << b;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<int64_t> parsed = ParseDecimal(text, "actual");
  if (parsed.ok()) {
    FUZZ_CHECK(*parsed >= -kMaxDecimalMicros && *parsed <= kMaxDecimalMicros) << *parsed;
    const std::string formatted = FormatDecimal(*parsed);
    absl::StatusOr<int64_t> again = ParseDecimal(formatted, "actual");
    FUZZ_CHECK(again.ok() && *again == *parsed)
        << "\"" << text << "\" -> " << *parsed << " -> \"" << formatted << "\"";
    FUZZ_CHECK(FormatDecimal(*again) == formatted);
  } else {
    fuzz::CheckBadRequest(parsed.status(), "ParseDecimal");
  }

  if (size >= 16) {
    int64_t a, b;
    std::memcpy(&a, data, 8);
    std::memcpy(&b, data + 8, 8);
    CheckArithmetic(a, b);
    // Folded into the Decimal range for the formatting property.
    CheckFormatParses(a % (kMaxDecimalMicros + 1));
    CheckFormatParses(b % (kMaxDecimalMicros + 1));
  }
  return 0;
}
