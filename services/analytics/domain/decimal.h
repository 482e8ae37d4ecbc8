// File: services/analytics/domain/decimal.h
//
// dangbo.common.v1.Decimal <-> int64 micro-units (value × 10^6), exactly. Stored values and
// every sum or difference of them stay in micro-units; nothing is ever binary floating point.
//
//   ASSIGN_OR_RETURN(int64_t micros, ParseDecimal("3802.3", "observations[0].actual"));
//   FormatDecimal(micros) == "3802.3"
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace analytics {

inline constexpr int64_t kMicrosPerUnit = 1000000;
// The Decimal range: ±999999999999.999999.
inline constexpr int64_t kMaxDecimalMicros = int64_t{999999999999999999};

// Parses `-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,6})?`. INVALID_ARGUMENT (BadRequest naming
// `field`) for anything else, e.g. "2.103,4", "1e5", "+3", " 3".
absl::StatusOr<int64_t> ParseDecimal(absl::string_view text, absl::string_view field);

// Canonical form: no trailing fractional zeros, no "." when whole, never "-0".
std::string FormatDecimal(int64_t micros);

// a + b and a - b when the result stays within the Decimal range; nullopt otherwise.
std::optional<int64_t> CheckedAdd(int64_t a, int64_t b);
std::optional<int64_t> CheckedSub(int64_t a, int64_t b);

}  // namespace analytics
