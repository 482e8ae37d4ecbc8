// File: services/analytics/follower/contributions.h
//
// What one records resource, as last seen, adds to the party statistics: counters per
// (organization id, year). The read model keeps each resource's contribution; applying a
// new version of the resource subtracts the old contribution and adds the new one, so
// applying an event twice, or an older version followed by the newer, always ends in the
// statistics of the newest version (events carry the whole resource).
//
// Members: records publishes what each member record adds (Member.statistics, decided by
// records' rules: corrections, voids, year-end standings, which deaths and ratings count);
// facts count in their year, year-end standings become stock changes in the years they
// change. Nothing of the member's history is re-decided here. A member without statistics
// contributes nothing (records fills them on every read path).
// Cells: counted at year end Y while established ≤ 31/12/Y < end_date; ratings of cells
// counted that year; the meetings records' rules require of the cell
// (Cell.meeting_requirements, each from its year on) as stock changes. Plans: counted in
// their year; items by their current state.
// Dues remittances: the cell's month closing as records computed it (due, collected,
// arrears, remitted, one cell-month) in the period's year; a recomputed remittance (UPDATED)
// replaces it. Meetings: one held of its kind and its attendance counts in the year of its
// date; a corrected meeting replaces it.
//
// Pure functions, thread-safe.
#pragma once

#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/dues.pb.h"
#include "dangbo/records/v1/inspection_plan.pb.h"
#include "dangbo/records/v1/meeting.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "services/analytics/domain/stat_fields.h"

namespace analytics {

ContributionMap MemberContribution(const dangbo::records::v1::Member& member);
ContributionMap CellContribution(const dangbo::records::v1::Cell& cell);
ContributionMap PlanContribution(const dangbo::records::v1::InspectionPlan& plan);
ContributionMap RemittanceContribution(const dangbo::records::v1::DuesRemittance& remittance);
ContributionMap MeetingContribution(const dangbo::records::v1::Meeting& meeting);

}  // namespace analytics
