// File: services/analytics/follower/party_statistics.h
//
// Turns the read model's counters of (organization, year) into the PartyStatistics message:
// as_of is 31 December, or today (ICT) for the current year (partial_year); unrated counts
// are the counted members / active cells without a rating for the year. Pure, thread-safe.
#pragma once

#include <string>

#include "absl/time/civil_time.h"
#include "dangbo/analytics/v1/party_statistics.pb.h"
#include "services/analytics/domain/stat_fields.h"

namespace analytics {

dangbo::analytics::v1::PartyStatistics BuildPartyStatistics(const std::string& organization_name,
                                                            int year, const Counters& counters,
                                                            absl::CivilDay today);

// Today's date in Vietnam (ICT, UTC+7).
absl::CivilDay TodayInVietnam();

}  // namespace analytics
