// File: services/analytics/domain/validation.h
//
// Request-alone validation of the AnalyticsService requests (analytics_service.proto): what
// can be decided from the request (and, for party statistics, today's date) before anything
// is read or written. Each Validate() returns OK or one INVALID_ARGUMENT built with
// common::InvalidField / common::FieldViolations: a google.rpc.BadRequest naming the field
// as in the proto ("indicator.display_name", "indicators", "to_year") and the rule, with the
// same "field: rule" text in the message.
//
// Some requests collect every violation (CreateIndicator, UpdateIndicator's mask and
// definition, ListObservations' years, RankOrganizations); the others stop at the first, in
// field order. NOT checked here (need stored state): existence, etags, request_id reuse, the
// page token (it needs the List's scope), and whether `indicators` entries exist (each entry's
// format is checked with its existence, so that one error lists both kinds).
//
// Text is measured in Unicode code points of its NFC form (display_name after
// common::NormalizeName); invalid UTF-8 is a violation. NormalizeText() puts a valid
// indicator's text in its stored form. Pure functions, thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "common/list_query.h"
#include "dangbo/analytics/v1/analytics_service.pb.h"

namespace analytics {

// Rows of one RecordObservations call (as observations or CSV records; the CSV text itself is
// bounded by --max_message_bytes and parsed in one pass).
inline constexpr int kMaxObservationRows = 10000;
// `indicators` of GetYearlyPerformance, CompareYears and GetTermSummary (an organization has
// a handful).
inline constexpr int kMaxSelectedIndicators = 100;
// Indicator text, in code points.
inline constexpr int kMaxIndicatorDisplayName = 200;
inline constexpr int kMaxUnitDisplay = 50;
inline constexpr int kMaxIndicatorDescription = 2000;

// Indicators.
absl::Status Validate(const dangbo::analytics::v1::CreateIndicatorRequest& request);
absl::Status Validate(const dangbo::analytics::v1::GetIndicatorRequest& request);
absl::Status Validate(const dangbo::analytics::v1::ListIndicatorsRequest& request);
absl::Status Validate(const dangbo::analytics::v1::UpdateIndicatorRequest& request);
absl::Status Validate(const dangbo::analytics::v1::DeleteIndicatorRequest& request);

// Observations.
absl::Status Validate(const dangbo::analytics::v1::RecordObservationsRequest& request);
absl::Status Validate(const dangbo::analytics::v1::ListObservationsRequest& request);

// Performance, term and ranking queries.
absl::Status Validate(const dangbo::analytics::v1::GetYearlyPerformanceRequest& request);
absl::Status Validate(const dangbo::analytics::v1::CompareYearsRequest& request);
absl::Status Validate(const dangbo::analytics::v1::GetTermSummaryRequest& request);
absl::Status Validate(const dangbo::analytics::v1::RankOrganizationsRequest& request);
absl::Status Validate(const dangbo::analytics::v1::GetIndicatorSeriesRequest& request);

// Reports: exactly one of year and term; through_year only with a term, inside it.
absl::Status Validate(const dangbo::analytics::v1::GenerateReportRequest& request);

// Party statistics: a year from kMinYear to `today`'s year.
absl::Status Validate(const dangbo::analytics::v1::GetPartyStatisticsRequest& request,
                      absl::CivilDay today);
absl::Status Validate(const dangbo::analytics::v1::ListPartyStatisticsRequest& request,
                      absl::CivilDay today);

// The fields of ListIndicators' filter (kind, unit, direction; `=` only).
const common::FilterSpec& IndicatorFilterSpec();
// ListIndicators' order_by fields.
const std::vector<std::string>& IndicatorOrderFields();

// The definition fields an UpdateIndicator request replaces: the update_mask's updatable
// paths (display_name, unit_display, description, value_domain), or without a mask every
// one of them the request's indicator sets.
std::set<std::string> UpdatedFields(const dangbo::analytics::v1::UpdateIndicatorRequest& request);

// Puts the indicator's text in its stored form: display_name as common::NormalizeName does,
// unit_display and description in NFC. A field that is not valid text is left as it is
// (Validate refuses it).
void NormalizeText(dangbo::analytics::v1::Indicator* indicator);

}  // namespace analytics
