#include "services/analytics/domain/vi_format.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "unicode/locid.h"
#include "unicode/numberformatter.h"
#include "unicode/unistr.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Figure;

constexpr char kProvisional[] = " (số liệu tạm tính)";

bool IsDecimal(absl::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return false;
  if (digits == text.size()) return true;
  if (text[digits] != '.' || digits + 1 == text.size()) return false;
  for (size_t i = digits + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// Formatters are immutable once built and safe to share across threads. At most 6 fractional
// digits are kept, so a Decimal is never rounded.
const icu::number::LocalizedNumberFormatter& NumberFormatter(bool percent) {
  static const auto* number = new icu::number::LocalizedNumberFormatter(
      icu::number::NumberFormatter::withLocale(icu::Locale("vi"))
          .precision(icu::number::Precision::minMaxFraction(0, 6)));
  static const auto* percentage =
      new icu::number::LocalizedNumberFormatter(number->unit(icu::NoUnit::percent()));
  return percent ? *percentage : *number;
}

std::string Format(absl::string_view decimal, bool percent) {
  if (!IsDecimal(decimal)) return std::string(decimal);
  UErrorCode status = U_ZERO_ERROR;
  icu::number::FormattedNumber formatted = NumberFormatter(percent).formatDecimal(
      icu::StringPiece(decimal.data(), static_cast<int32_t>(decimal.size())), status);
  icu::UnicodeString text = formatted.toString(status);
  if (U_FAILURE(status)) std::abort();  // ICU data missing: the binary cannot work at all
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace

std::string MissingText(Figure::Status status) {
  switch (status) {
    case Figure::ZERO_BASE:
      return "không tính được (số gốc bằng 0)";
    case Figure::NOT_APPLICABLE:
      return "không áp dụng";
    case Figure::UNDEFINED:
      return "không xác định";
    case Figure::NOT_COMPARABLE:
      return "không so sánh được";
    default:
      return kMissingData;
  }
}

std::string FormatNumberVi(absl::string_view decimal) { return Format(decimal, false); }

std::string FormatPercentVi(absl::string_view decimal) { return Format(decimal, true); }

std::string FigureTextVi(const Figure& figure, absl::string_view unit) {
  if (figure.status() != Figure::OK) return MissingText(figure.status());
  std::string out = FormatNumberVi(figure.value().value());
  if (!unit.empty()) absl::StrAppend(&out, " ", unit);
  if (figure.provisional()) absl::StrAppend(&out, kProvisional);
  return out;
}

std::string PercentTextVi(const Figure& figure) {
  if (figure.status() != Figure::OK) return MissingText(figure.status());
  std::string out = FormatPercentVi(figure.value().value());
  if (figure.provisional()) absl::StrAppend(&out, kProvisional);
  return out;
}

std::string ChangeTextVi(const Figure& percent) {
  if (percent.status() != Figure::OK) return MissingText(percent.status());
  absl::string_view value = percent.value().value();
  std::string out;
  if (absl::StartsWith(value, "-")) {
    out = absl::StrCat("giảm ", FormatPercentVi(value.substr(1)));
  } else if (value.find_first_not_of("0.") == absl::string_view::npos) {
    out = "không thay đổi";
  } else {
    out = absl::StrCat("tăng ", FormatPercentVi(value));
  }
  if (percent.provisional()) absl::StrAppend(&out, kProvisional);
  return out;
}

}  // namespace analytics
