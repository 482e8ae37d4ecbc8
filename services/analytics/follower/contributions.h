// File: services/analytics/follower/contributions.h
//
// What one records resource, as last seen, adds to the party statistics: counters per
// (organization id, year). The read model keeps each resource's contribution; applying a
// new version of the resource subtracts the old contribution and adds the new one, so
// applying an event twice, or an older version followed by the newer, always ends in the
// statistics of the newest version (events carry the whole resource).
//
// Members: their history is replayed with corrections applied (voided events ignored,
// corrected effective dates used); events count in the year of their effective date;
// states at each year end come from the events effective up to 31 December (records never
// accepts future effective dates, so the current year's "year end" is today). Ratings count
// for members counted at that year's end; disciplines by their effective date.
// Cells: counted at year end Y while established ≤ 31/12/Y < end_date; ratings of cells
// counted that year. Plans: counted in their year; items by their current state.
//
// Pure functions, thread-safe.
#pragma once

#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/inspection_plan.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "services/analytics/domain/stat_fields.h"

namespace analytics {

ContributionMap MemberContribution(const dangbo::records::v1::Member& member);
ContributionMap CellContribution(const dangbo::records::v1::Cell& cell);
ContributionMap PlanContribution(const dangbo::records::v1::InspectionPlan& plan);

}  // namespace analytics
