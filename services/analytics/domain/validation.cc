#include "services/analytics/domain/validation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/vi_text.h"
#include "services/analytics/domain/resource_names.h"
#include "services/analytics/domain/term.h"
#include "services/analytics/domain/value_domain.h"

namespace analytics {
namespace {

namespace v1 = ::dangbo::analytics::v1;

constexpr char kIndicatorIdRule[] =
    "must be an indicator id (RFC-1034), e.g. \"state-budget-revenue\"";

size_t CodePoints(const std::string& text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

// The rule of `status` (an InvalidField) added to `v` under `field`.
void AddRule(const absl::Status& status, const std::string& field, common::FieldViolations* v) {
  if (!status.ok()) v->Add(field, common::FieldViolationsOf(status)[0].second);
}

// The indicator's definition text, each field when `fields` holds it; `prefix` is the
// indicator field's path ("indicator.").
void CheckDefinitionText(const v1::Indicator& indicator, const std::set<std::string>& fields,
                         const std::string& prefix, common::FieldViolations* v) {
  if (fields.count("display_name") > 0) {
    absl::StatusOr<std::string> name = common::NormalizeName(indicator.display_name());
    if (!name.ok() || name->empty() || CodePoints(*name) > kMaxIndicatorDisplayName) {
      v->Add(prefix + "display_name", "is required: 1 to 200 characters of UTF-8 text");
    }
  }
  if (fields.count("unit_display") > 0) {
    absl::StatusOr<std::string> text = common::ToNfc(indicator.unit_display());
    if (!text.ok() || CodePoints(*text) > kMaxUnitDisplay) {
      v->Add(prefix + "unit_display", "must be at most 50 characters of UTF-8 text");
    }
  }
  if (fields.count("description") > 0) {
    absl::StatusOr<std::string> text = common::ToNfc(indicator.description());
    if (!text.ok() || CodePoints(*text) > kMaxIndicatorDescription) {
      v->Add(prefix + "description", "must be at most 2000 characters of UTF-8 text");
    }
  }
}

bool IsUnitCode(const std::string& unit) {
  if (unit.empty() || unit.size() > 32 || !(unit[0] >= 'a' && unit[0] <= 'z')) return false;
  for (char c : unit) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

absl::Status CheckSelectedCount(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  if (ids.size() > kMaxSelectedIndicators) {
    return common::InvalidField("indicators", absl::StrCat("has ", ids.size(), " entries; at most ",
                                                           kMaxSelectedIndicators, " are allowed"));
  }
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Indicators

absl::Status Validate(const v1::CreateIndicatorRequest& request) {
  common::FieldViolations v;
  AddRule(ParseOrganizationName(request.parent(), "parent").status(), "parent", &v);
  if (!IsResourceId(request.indicator_id())) {
    v.Add("indicator_id",
          "must be an RFC-1034 id: [a-z]([a-z0-9-]{0,61}[a-z0-9])?, e.g. "
          "\"state-budget-revenue\"");
  }
  if (!request.has_indicator()) v.Add("indicator", "is required");
  const v1::Indicator& indicator = request.indicator();
  CheckDefinitionText(indicator, {"display_name", "unit_display", "description"}, "indicator.", &v);
  if (!IsUnitCode(indicator.unit())) {
    v.Add("indicator.unit", "must match [a-z][a-z0-9_]{0,31}, e.g. \"billion_vnd\", \"count\"");
  }
  if (indicator.kind() != v1::Indicator::FLOW && indicator.kind() != v1::Indicator::STOCK) {
    v.Add("indicator.kind", "must be FLOW or STOCK");
  }
  if (indicator.direction() != v1::Indicator::HIGHER_IS_BETTER &&
      indicator.direction() != v1::Indicator::LOWER_IS_BETTER) {
    v.Add("indicator.direction", "must be HIGHER_IS_BETTER or LOWER_IS_BETTER");
  }
  for (auto& [field, rule] :
       ValidateValueDomain(indicator.value_domain(), "indicator.value_domain")) {
    v.Add(field, rule);
  }
  AddRule(ValidateRequestId(request.request_id(), "request_id"), "request_id", &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetIndicatorRequest& request) {
  return ParseIndicatorName(request.name(), "name").status();
}

absl::Status Validate(const v1::ListIndicatorsRequest& request) {
  RETURN_IF_ERROR(ParseOrganizationName(request.parent(), "parent").status());
  RETURN_IF_ERROR(common::NormalizePageSize(request.page_size()).status());
  ASSIGN_OR_RETURN(std::vector<common::FilterTerm> terms, common::ParseFilter(request.filter()));
  RETURN_IF_ERROR(common::CheckFilter(terms, IndicatorFilterSpec()));
  return common::ParseOrderBy(request.order_by(), IndicatorOrderFields()).status();
}

absl::Status Validate(const v1::UpdateIndicatorRequest& request) {
  RETURN_IF_ERROR(ParseIndicatorName(request.indicator().name(), "indicator.name").status());
  RETURN_IF_ERROR(ValidateRequestId(request.request_id(), "request_id"));
  common::FieldViolations v;
  if (request.has_update_mask()) {
    for (const std::string& path : request.update_mask().paths()) {
      if (path == "unit" || path == "kind" || path == "direction") {
        v.Add("update_mask", absl::StrCat("\"", path, "\" is IMMUTABLE; create a new indicator"));
      } else if (path != "display_name" && path != "unit_display" && path != "description" &&
                 path != "value_domain" && path != "name" && path != "create_time" &&
                 path != "update_time" && path != "etag") {
        v.Add("update_mask", absl::StrCat("unknown path \"", path,
                                          "\"; updatable: display_name, unit_display, "
                                          "description, value_domain"));
      }
    }
  }
  const std::set<std::string> fields = UpdatedFields(request);
  CheckDefinitionText(request.indicator(), fields, "indicator.", &v);
  if (fields.count("value_domain") > 0) {
    for (auto& [field, rule] :
         ValidateValueDomain(request.indicator().value_domain(), "indicator.value_domain")) {
      v.Add(field, rule);
    }
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::DeleteIndicatorRequest& request) {
  RETURN_IF_ERROR(ParseIndicatorName(request.name(), "name").status());
  return ValidateRequestId(request.request_id(), "request_id");
}

const common::FilterSpec& IndicatorFilterSpec() {
  using Kind = common::FilterValue::Kind;
  static const common::FilterSpec* const spec = new common::FilterSpec{
      {"kind", {common::FilterOp::kEq}, {Kind::kIdentifier}, {"FLOW", "STOCK"}},
      {"unit", {common::FilterOp::kEq}, {Kind::kString}, {}},
      {"direction",
       {common::FilterOp::kEq},
       {Kind::kIdentifier},
       {"HIGHER_IS_BETTER", "LOWER_IS_BETTER"}}};
  return *spec;
}

const std::vector<std::string>& IndicatorOrderFields() {
  static const std::vector<std::string>* const fields =
      new std::vector<std::string>{"name", "display_name"};
  return *fields;
}

std::set<std::string> UpdatedFields(const v1::UpdateIndicatorRequest& request) {
  std::set<std::string> fields;
  if (request.has_update_mask() && request.update_mask().paths_size() > 0) {
    for (const std::string& path : request.update_mask().paths()) {
      if (path == "display_name" || path == "unit_display" || path == "description" ||
          path == "value_domain") {
        fields.insert(path);
      }
    }
  } else {
    const v1::Indicator& given = request.indicator();
    if (!given.display_name().empty()) fields.insert("display_name");
    if (!given.unit_display().empty()) fields.insert("unit_display");
    if (!given.description().empty()) fields.insert("description");
    if (given.has_value_domain()) fields.insert("value_domain");
  }
  return fields;
}

void NormalizeText(v1::Indicator* indicator) {
  if (absl::StatusOr<std::string> name = common::NormalizeName(indicator->display_name());
      name.ok()) {
    indicator->set_display_name(*std::move(name));
  }
  if (absl::StatusOr<std::string> text = common::ToNfc(indicator->unit_display()); text.ok()) {
    indicator->set_unit_display(*std::move(text));
  }
  if (absl::StatusOr<std::string> text = common::ToNfc(indicator->description()); text.ok()) {
    indicator->set_description(*std::move(text));
  }
}

// ---------------------------------------------------------------------------------------------
// Observations

absl::Status Validate(const v1::RecordObservationsRequest& request) {
  RETURN_IF_ERROR(ParseOrganizationName(request.parent(), "parent").status());
  RETURN_IF_ERROR(ValidateRequestId(request.request_id(), "request_id"));
  const bool has_rows = request.observations_size() > 0;
  const bool has_csv = !request.csv().empty();
  if (has_rows == has_csv) {
    return common::InvalidField(has_rows ? "csv" : "observations",
                                "give exactly one of observations and csv");
  }
  if (request.observations_size() > kMaxObservationRows) {
    return common::InvalidField(
        "observations",
        absl::StrCat("at most ", kMaxObservationRows, " rows; got ", request.observations_size()));
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::ListObservationsRequest& request) {
  RETURN_IF_ERROR(
      ParseIndicatorName(request.indicator(), "indicator", /*allow_wildcard=*/true).status());
  common::FieldViolations v;
  if (request.from_year() != 0) {
    AddRule(ValidateYear(request.from_year(), "from_year"), "from_year", &v);
  }
  if (request.to_year() != 0) AddRule(ValidateYear(request.to_year(), "to_year"), "to_year", &v);
  if (request.from_year() != 0 && request.to_year() != 0 &&
      request.to_year() < request.from_year()) {
    v.Add("to_year", "must not be before from_year");
  }
  RETURN_IF_ERROR(v.ToStatus());
  return common::NormalizePageSize(request.page_size()).status();
}

// ---------------------------------------------------------------------------------------------
// Performance, term and ranking queries

absl::Status Validate(const v1::GetYearlyPerformanceRequest& request) {
  RETURN_IF_ERROR(ParseOrganizationName(request.organization(), "organization").status());
  RETURN_IF_ERROR(ValidateYear(request.year(), "year"));
  if (request.has_term()) {
    RETURN_IF_ERROR(ValidateTerm(request.term(), "term"));
    if (!TermContains(request.term(), request.year())) {
      return common::InvalidField("term", absl::StrCat("must contain year ", request.year()));
    }
  }
  return CheckSelectedCount(request.indicators());
}

absl::Status Validate(const v1::CompareYearsRequest& request) {
  RETURN_IF_ERROR(ParseOrganizationName(request.organization(), "organization").status());
  RETURN_IF_ERROR(ValidateYear(request.base_year(), "base_year"));
  RETURN_IF_ERROR(ValidateYear(request.year(), "year"));
  if (request.base_year() == request.year()) {
    return common::InvalidField("year", "must differ from base_year");
  }
  return CheckSelectedCount(request.indicators());
}

absl::Status Validate(const v1::GetTermSummaryRequest& request) {
  RETURN_IF_ERROR(ParseOrganizationName(request.organization(), "organization").status());
  if (!request.has_term()) return common::InvalidField("term", "is required");
  RETURN_IF_ERROR(ValidateTerm(request.term(), "term"));
  if (request.has_through_year() && (request.through_year() <= request.term().start_year() ||
                                     request.through_year() > request.term().end_year())) {
    return common::InvalidField(
        "through_year",
        absl::StrCat("must be after the term's start_year ", request.term().start_year(),
                     " and at most its end_year ", request.term().end_year()));
  }
  return CheckSelectedCount(request.indicators());
}

absl::Status Validate(const v1::RankOrganizationsRequest& request) {
  common::FieldViolations v;
  if (request.scope_case() == v1::RankOrganizationsRequest::SCOPE_NOT_SET ||
      (request.has_region() && request.region().empty())) {
    v.Add("region", "give a region (e.g. \"Đồng bằng sông Cửu Long\") or a parent");
  } else if (request.has_parent()) {
    AddRule(ParseOrganizationName(request.parent(), "parent").status(), "parent", &v);
  }
  if (!IsResourceId(request.indicator_id())) v.Add("indicator_id", kIndicatorIdRule);
  AddRule(ValidateYear(request.year(), "year"), "year", &v);
  if (request.by() == v1::RankOrganizationsRequest::METRIC_UNSPECIFIED ||
      !v1::RankOrganizationsRequest::Metric_IsValid(request.by())) {
    v.Add("by", "must be VALUE, GROWTH or ATTAINMENT");
  }
  if (!request.organization().empty()) {
    AddRule(ParseOrganizationName(request.organization(), "organization").status(), "organization",
            &v);
  }
  RETURN_IF_ERROR(v.ToStatus());
  return common::NormalizePageSize(request.page_size()).status();
}

absl::Status Validate(const v1::GetIndicatorSeriesRequest& request) {
  RETURN_IF_ERROR(ParseIndicatorName(request.indicator(), "indicator").status());
  RETURN_IF_ERROR(ValidateYear(request.from_year(), "from_year"));
  RETURN_IF_ERROR(ValidateYear(request.to_year(), "to_year"));
  if (request.to_year() < request.from_year() || request.to_year() > request.from_year() + 99) {
    return common::InvalidField("to_year", "must be from from_year to from_year + 99");
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::GenerateReportRequest& request) {
  RETURN_IF_ERROR(ParseOrganizationName(request.organization(), "organization").status());
  switch (request.period_case()) {
    case v1::GenerateReportRequest::kYear:
      RETURN_IF_ERROR(ValidateYear(request.year(), "year"));
      if (request.has_through_year()) {
        return common::InvalidField("through_year", "is for term reports only; omit it with year");
      }
      return absl::OkStatus();
    case v1::GenerateReportRequest::kTerm:
      RETURN_IF_ERROR(ValidateTerm(request.term(), "term"));
      if (request.has_through_year() && (request.through_year() <= request.term().start_year() ||
                                         request.through_year() > request.term().end_year())) {
        return common::InvalidField(
            "through_year",
            absl::StrCat("must be after the term's start_year ", request.term().start_year(),
                         " and at most its end_year ", request.term().end_year()));
      }
      return absl::OkStatus();
    default:
      return common::InvalidField(
          "year", "give a year (yearly report, e.g. 2019) or a term (term report, e.g. 2015–2020)");
  }
}

// ---------------------------------------------------------------------------------------------
// Party statistics

absl::Status Validate(const v1::GetPartyStatisticsRequest& request, absl::CivilDay today) {
  RETURN_IF_ERROR(ParseOrganizationName(request.organization(), "organization").status());
  if (request.year() < kMinYear || request.year() > today.year()) {
    return common::InvalidField("year", absl::StrCat("must be a year from ", kMinYear,
                                                     " to the current year ", today.year()));
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::ListPartyStatisticsRequest& request, absl::CivilDay today) {
  RETURN_IF_ERROR(ParseOrganizationName(request.organization(), "organization").status());
  RETURN_IF_ERROR(ValidateYear(request.from_year(), "from_year"));
  if (request.to_year() < request.from_year() || request.to_year() > today.year() ||
      request.to_year() > request.from_year() + 99) {
    return common::InvalidField(
        "to_year", absl::StrCat("must be from from_year to from_year + 99, and not after the "
                                "current year ",
                                today.year()));
  }
  return common::NormalizePageSize(request.page_size()).status();
}

}  // namespace analytics
