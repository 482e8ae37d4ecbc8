// File: services/analytics/domain/value_domain.h
//
// An indicator's value domain (Indicator.value_domain): the values its figures — actuals,
// targets, province values — may take: non-negative, whole numbers, at least `minimum`, at most
// `maximum`. An indicator without a domain takes any Decimal.
//
//   ValidateValueDomain(indicator.value_domain(), "indicator.value_domain")  // on create/update
//   ValueDomainViolations(input, domain)        // a RecordObservations row: (field, rule)
//   ValueDomainViolations(observation, domain)  // a stored observation (the check at open)
//
// The rules name the value and the domain: "must be a whole number (the indicator's value
// domain is whole, non-negative), got 12.5". Only current values are checked: revisions are
// history and keep whatever was recorded then.
//
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "dangbo/analytics/v1/indicator.pb.h"

namespace analytics {

// (field path, rule) pairs, as ValidateObservationInput returns them.
using ValueDomainViolationList = std::vector<std::pair<std::string, std::string>>;

// True when the domain states no rule (any Decimal).
bool IsUnrestricted(const dangbo::analytics::v1::ValueDomain& domain);

// "whole, non-negative", "non-negative, at most 100", "any value".
std::string DescribeValueDomain(const dangbo::analytics::v1::ValueDomain& domain);

// Violations of the domain itself, with paths under `prefix` ("indicator.value_domain.minimum"):
// bounds that are not Decimals, minimum above maximum, a maximum below zero with non_negative,
// or no whole number between the bounds of a whole-number domain.
ValueDomainViolationList ValidateValueDomain(const dangbo::analytics::v1::ValueDomain& domain,
                                             const std::string& prefix);

// The rule `micros` (a value in micro-units) breaks, or "" when it is in the domain.
// `domain` must be valid (ValidateValueDomain).
std::string ValueDomainRuleBroken(const dangbo::analytics::v1::ValueDomain& domain, int64_t micros);

// The values of a RecordObservations row outside the domain, as (field, rule): "actual",
// "targets[1].value", "province_breakdown[0].value". Values that are not Decimals are left to
// ValidateObservationInput.
ValueDomainViolationList ValueDomainViolations(const dangbo::analytics::v1::ObservationInput& input,
                                               const dangbo::analytics::v1::ValueDomain& domain);

// The same for a stored observation's current values (not its revisions).
ValueDomainViolationList ValueDomainViolations(
    const dangbo::analytics::v1::Observation& observation,
    const dangbo::analytics::v1::ValueDomain& domain);

}  // namespace analytics
