// File: services/records/domain/inspection_rules.h
//
// Rules of inspection plans decidable from the plan (validation.h has the request-alone
// checks: item windows inside the plan's year, targets and lead/team well-formed, no duplicate
// ids, conclusion complete; call it first).
//
// Items move PLANNED -> NOTIFIED -> IN_PROGRESS -> CONCLUDED -> CLOSED, or to CANCELLED from
// PLANNED, NOTIFIED or IN_PROGRESS; each transition appends an InspectionItem.Transition.
// Items may be added, edited or removed only while PLANNED. The plan's state is derived:
// OPEN while some item is open (or none exists), COMPLETED when all are CLOSED/CANCELLED with
// at least one CLOSED, CANCELLED when all are CANCELLED.
//
// Errors: FAILED_PRECONDITION (common::RuleViolation, subject = plan name) with the reasons
// below; NOT_FOUND (reason INSPECTION_ITEM_NOT_FOUND / RECOMMENDATION_NOT_FOUND) for unknown
// ids; INVALID_ARGUMENT for request/plan mismatches. Existence and active state of targets,
// leads and team members, the discipline record of a VIOLATION_WITH_DISCIPLINE, organization
// CLOSED and etags are the caller's. Pure, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "dangbo/records/v1/inspection_plan.pb.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "services/records/domain/member_rules.h"

namespace records::domain {

namespace v1 = ::dangbo::records::v1;

inline constexpr char kItemStateNotAllowed[] = "INSPECTION_ITEM_STATE_NOT_ALLOWED";
inline constexpr char kItemNotEditable[] = "INSPECTION_ITEM_NOT_EDITABLE";
inline constexpr char kTransitionBeforePrevious[] = "INSPECTION_TRANSITION_BEFORE_PREVIOUS";
inline constexpr char kRecommendationsOpen[] = "INSPECTION_RECOMMENDATIONS_OPEN";
inline constexpr char kDisciplineLinkMissing[] = "INSPECTION_DISCIPLINE_LINK_MISSING";
inline constexpr char kItemNotFound[] = "INSPECTION_ITEM_NOT_FOUND";
inline constexpr char kRecommendationNotFound[] = "RECOMMENDATION_NOT_FOUND";

// The new plan: request fields, name "{parent}/inspectionPlans/{id}", item ids assigned
// ("item-1", "item-2", ... for empty ids, skipping taken ones), items PLANNED with no
// conclusion/recommendations/transitions, state derived, create/update time = context time.
absl::StatusOr<v1::InspectionPlan> NewInspectionPlan(const v1::CreateInspectionPlanRequest& request,
                                                     const EventContext& context);

// `current` with the update applied (issuing_body, decision, title, items; year and kind
// IMMUTABLE; OUTPUT_ONLY paths ignored). With "items": items not PLANNED must be sent back
// unchanged, by item_id, in any position (INSPECTION_ITEM_NOT_EDITABLE; their OUTPUT_ONLY
// fields are ignored and kept from `current`), new items get ids and start PLANNED, PLANNED
// items may change or disappear. The updated windows are checked against the year again.
absl::StatusOr<v1::InspectionPlan> UpdateInspectionPlan(
    const v1::InspectionPlan& current, const v1::UpdateInspectionPlanRequest& request,
    const EventContext& context);

// The targets / leads / team members named by items that are new or changed between
// `current` and `updated` (the caller checks they exist and are active).
std::vector<std::string> ReferencesToCheck(const v1::InspectionPlan& current,
                                           const v1::InspectionPlan& updated);

// Item transitions. The effective date may not be before the item's previous transition
// (INSPECTION_TRANSITION_BEFORE_PREVIOUS); wrong state: INSPECTION_ITEM_STATE_NOT_ALLOWED.
absl::StatusOr<v1::InspectionPlan> NotifyInspectionItem(
    const v1::InspectionPlan& plan, const v1::NotifyInspectionItemRequest& request,
    const EventContext& context);
absl::StatusOr<v1::InspectionPlan> StartInspectionItem(
    const v1::InspectionPlan& plan, const v1::StartInspectionItemRequest& request,
    const EventContext& context);
// IN_PROGRESS -> CONCLUDED with conclusion and recommendations (ids "r1", "r2"... for empty,
// state OPEN). When the item targets a member, a discipline_member must be that member
// (INVALID_ARGUMENT on "conclusion.discipline_member").
absl::StatusOr<v1::InspectionPlan> ConcludeInspectionItem(
    const v1::InspectionPlan& plan, const v1::ConcludeInspectionItemRequest& request,
    const EventContext& context);
// CONCLUDED -> CLOSED: every recommendation DONE or DROPPED (INSPECTION_RECOMMENDATIONS_OPEN);
// VIOLATION_WITH_DISCIPLINE needs the link, from the conclusion or this request
// (INSPECTION_DISCIPLINE_LINK_MISSING); a link given here is stored in the conclusion; a link
// given for another outcome is INVALID_ARGUMENT.
absl::StatusOr<v1::InspectionPlan> CloseInspectionItem(
    const v1::InspectionPlan& plan, const v1::CloseInspectionItemRequest& request,
    const EventContext& context);
absl::StatusOr<v1::InspectionPlan> CancelInspectionItem(
    const v1::InspectionPlan& plan, const v1::CancelInspectionItemRequest& request,
    const EventContext& context);
// Sets a recommendation of a CONCLUDED item to OPEN (done_date cleared), DONE (done_date, not
// before the conclusion date: INVALID_ARGUMENT) or DROPPED; note recorded.
absl::StatusOr<v1::InspectionPlan> UpdateRecommendation(
    const v1::InspectionPlan& plan, const v1::UpdateRecommendationRequest& request,
    const EventContext& context);

// The plan's derived state from its items.
v1::InspectionPlan::State DerivePlanState(const v1::InspectionPlan& plan);

// Sets the derived fields as of `today`: plan state, and each recommendation's `overdue`
// (OPEN and due_date before today).
void FillDerived(v1::InspectionPlan* plan, absl::CivilDay today);

// The item with `item_id`, or null.
const v1::InspectionItem* FindItem(const v1::InspectionPlan& plan, absl::string_view item_id);

}  // namespace records::domain
