#include "services/analytics/domain/value_domain.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/analytics/domain/decimal.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Observation;
using ::dangbo::analytics::v1::ObservationInput;
using ::dangbo::analytics::v1::ValueDomain;

std::optional<int64_t> Bound(bool present, const dangbo::common::v1::Decimal& value) {
  if (!present) return std::nullopt;
  absl::StatusOr<int64_t> micros = ParseDecimal(value.value(), "bound");
  if (!micros.ok()) return std::nullopt;
  return *micros;
}

// Appends (field, rule) when the Decimal `text` parses and breaks the domain.
void CheckValue(const ValueDomain& domain, const std::string& text, const std::string& field,
                ValueDomainViolationList* out) {
  absl::StatusOr<int64_t> micros = ParseDecimal(text, field);
  if (!micros.ok()) return;  // not a Decimal: the input rules report it
  std::string rule = ValueDomainRuleBroken(domain, *micros);
  if (!rule.empty()) out->emplace_back(field, std::move(rule));
}

}  // namespace

bool IsUnrestricted(const ValueDomain& domain) {
  return !domain.non_negative() && !domain.whole_number() && !domain.has_minimum() &&
         !domain.has_maximum();
}

std::string DescribeValueDomain(const ValueDomain& domain) {
  std::vector<std::string> parts;
  if (domain.whole_number()) parts.push_back("whole");
  if (domain.non_negative()) parts.push_back("non-negative");
  if (domain.has_minimum()) parts.push_back(absl::StrCat("at least ", domain.minimum().value()));
  if (domain.has_maximum()) parts.push_back(absl::StrCat("at most ", domain.maximum().value()));
  return parts.empty() ? "any value" : absl::StrJoin(parts, ", ");
}

ValueDomainViolationList ValidateValueDomain(const ValueDomain& domain, const std::string& prefix) {
  ValueDomainViolationList v;
  const auto bound = [&](bool present, const dangbo::common::v1::Decimal& value,
                         absl::string_view name) -> std::optional<int64_t> {
    if (!present) return std::nullopt;
    const std::string field = absl::StrCat(prefix, ".", name);
    absl::StatusOr<int64_t> micros = ParseDecimal(value.value(), field);
    if (!micros.ok()) {
      v.emplace_back(field, "must be a Decimal such as \"0\" or \"100\"");
      return std::nullopt;
    }
    return *micros;
  };
  const std::optional<int64_t> min = bound(domain.has_minimum(), domain.minimum(), "minimum");
  const std::optional<int64_t> max = bound(domain.has_maximum(), domain.maximum(), "maximum");
  if (min.has_value() && max.has_value() && *min > *max) {
    v.emplace_back(absl::StrCat(prefix, ".maximum"),
                   absl::StrCat("must not be below minimum (", domain.minimum().value(), ")"));
  }
  if (domain.non_negative() && max.has_value() && *max < 0) {
    v.emplace_back(absl::StrCat(prefix, ".maximum"),
                   "must not be below zero when non_negative is set (no value would fit)");
  }
  if (domain.whole_number() && min.has_value() && max.has_value() && *min <= *max) {
    // The smallest whole number at or above min must not exceed max.
    const int64_t floor_units = *min / kMicrosPerUnit;
    const int64_t first_whole =
        (*min % kMicrosPerUnit > 0 ? floor_units + 1 : floor_units) * kMicrosPerUnit;
    if (first_whole > *max) {
      v.emplace_back(absl::StrCat(prefix, ".maximum"),
                     "leaves no whole number between minimum and maximum, and whole_number is set");
    }
  }
  return v;
}

std::string ValueDomainRuleBroken(const ValueDomain& domain, int64_t micros) {
  const auto rule = [&](absl::string_view what) {
    return absl::StrCat(what, " (the indicator's value domain is ", DescribeValueDomain(domain),
                        "), got ", FormatDecimal(micros));
  };
  if (domain.non_negative() && micros < 0) return rule("must not be negative");
  if (domain.whole_number() && micros % kMicrosPerUnit != 0) return rule("must be a whole number");
  if (std::optional<int64_t> min = Bound(domain.has_minimum(), domain.minimum());
      min.has_value() && micros < *min) {
    return rule(absl::StrCat("must be at least ", domain.minimum().value()));
  }
  if (std::optional<int64_t> max = Bound(domain.has_maximum(), domain.maximum());
      max.has_value() && micros > *max) {
    return rule(absl::StrCat("must be at most ", domain.maximum().value()));
  }
  return "";
}

ValueDomainViolationList ValueDomainViolations(const ObservationInput& input,
                                               const ValueDomain& domain) {
  ValueDomainViolationList v;
  if (IsUnrestricted(domain)) return v;
  if (input.has_actual()) CheckValue(domain, input.actual().value(), "actual", &v);
  for (int i = 0; i < input.targets_size(); ++i) {
    if (!input.targets(i).has_value()) continue;
    CheckValue(domain, input.targets(i).value().value(), absl::StrCat("targets[", i, "].value"),
               &v);
  }
  for (int i = 0; i < input.province_breakdown_size(); ++i) {
    if (!input.province_breakdown(i).has_value()) continue;
    CheckValue(domain, input.province_breakdown(i).value().value(),
               absl::StrCat("province_breakdown[", i, "].value"), &v);
  }
  return v;
}

ValueDomainViolationList ValueDomainViolations(const Observation& observation,
                                               const ValueDomain& domain) {
  ValueDomainViolationList v;
  if (IsUnrestricted(domain)) return v;
  if (observation.has_actual()) CheckValue(domain, observation.actual().value(), "actual", &v);
  for (int i = 0; i < observation.targets_size(); ++i) {
    CheckValue(domain, observation.targets(i).value().value(),
               absl::StrCat("targets[", i, "].value"), &v);
  }
  for (int i = 0; i < observation.province_breakdown_size(); ++i) {
    CheckValue(domain, observation.province_breakdown(i).value().value(),
               absl::StrCat("province_breakdown[", i, "].value"), &v);
  }
  return v;
}

}  // namespace analytics
