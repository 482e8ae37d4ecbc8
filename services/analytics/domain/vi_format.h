// File: services/analytics/domain/vi_format.h
//
// Numbers and figures written the Vietnamese way, with ICU's "vi" locale: "." groups
// thousands, "," separates decimals ("3.802,3", "1.072", "203.482", "-5,3"), a percentage
// has no space before "%" ("80,8%"), and trailing fractional zeros are dropped ("144.0" ->
// "144%", as the seed article writes it). These functions never round: analytics rounds once,
// in figures.h, and a Decimal has at most 6 fractional digits, all of which are kept. A
// figure without a value is written as the reason it is missing ("chưa có số liệu"), never
// as zero.
//
// Pure functions, thread-safe.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "dangbo/analytics/v1/figure.pb.h"

namespace analytics {

// The words for a figure that has no value, by status: MISSING_VALUE and MISSING_BASE
// "chưa có số liệu", ZERO_BASE "không tính được (số gốc bằng 0)", NOT_APPLICABLE "không áp
// dụng", UNDEFINED "không xác định", NOT_COMPARABLE "không so sánh được".
inline constexpr char kMissingData[] = "chưa có số liệu";
std::string MissingText(::dangbo::analytics::v1::Figure::Status status);

// A canonical Decimal ("-?digits[.1-6 digits]", decimal.h) in Vietnamese form: "3802.3" ->
// "3.802,3", "-0.000001" -> "-0,000001". Text that is not a Decimal is returned unchanged.
std::string FormatNumberVi(absl::string_view decimal);

// A percentage Decimal in Vietnamese form: "80.8" -> "80,8%", "144.0" -> "144%", "-5.3" ->
// "-5,3%".
std::string FormatPercentVi(absl::string_view decimal);

// An OK figure's number (FormatNumberVi), followed by " " and `unit` when `unit` is not
// empty ("3.802,3 tỷ đồng"); otherwise MissingText. A provisional figure says so: "… (số
// liệu tạm tính)".
std::string FigureTextVi(const ::dangbo::analytics::v1::Figure& figure, absl::string_view unit);

// An OK percentage figure (FormatPercentVi), or MissingText; provisional as above.
std::string PercentTextVi(const ::dangbo::analytics::v1::Figure& figure);

// A change in percent as words: "tăng 80,8%", "giảm 5,3%", "không thay đổi" (0.0); a
// figure without a value gives MissingText.
std::string ChangeTextVi(const ::dangbo::analytics::v1::Figure& percent);

}  // namespace analytics
