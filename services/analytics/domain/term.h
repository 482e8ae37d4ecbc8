// File: services/analytics/domain/term.h
//
// Years and terms (nhiệm kỳ). A year is 1930 to 9999. A term has start_year < end_year ≤
// start_year + 10. The default term of a year is the five-year term whose start is the
// largest multiple of 5 not above it (2019 -> 2015–2020, 2020 -> 2020–2025): consecutive
// terms share their boundary year, which is the next term's baseline.
//
// Errors are INVALID_ARGUMENT naming the request field. Pure functions, thread-safe.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "dangbo/common/v1/common.pb.h"

namespace analytics {

inline constexpr int kMinYear = 1930;
inline constexpr int kMaxYear = 9999;

absl::Status ValidateYear(int year, absl::string_view field);

// `field` is the Term field's path, e.g. "term"; violations name "term.start_year" etc.
absl::Status ValidateTerm(const dangbo::common::v1::Term& term, absl::string_view field);

dangbo::common::v1::Term DefaultTerm(int year);

// True when start_year ≤ year ≤ end_year.
bool TermContains(const dangbo::common::v1::Term& term, int year);

}  // namespace analytics
