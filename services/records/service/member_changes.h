// File: services/records/service/member_changes.h
//
// Building blocks of member writes: the ResourceChange of a member (index entries of both
// versions, the last history event for the change event), the domain EventContext of a call,
// and PlanMemberCommand(), the shared shape of every custom method on an existing member:
// load the organization (must be writable) and the member, check the etag, apply the domain
// rule, and — when the member leaves a cell's active list — take them off that cell's
// committee in the same write.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "services/records/domain/member_rules.h"
#include "services/records/service/call_context.h"
#include "services/records/service/write_path.h"
#include "services/records/storage/records_db.h"

namespace records {

domain::EventContext MakeEventContext(const CallContext& ctx);

// The domain rule of a custom method: the member after the change.
using MemberRule =
    std::function<absl::StatusOr<v1::Member>(const v1::Member&, const domain::EventContext&)>;

absl::StatusOr<WritePlan> PlanMemberCommand(const RecordsDb& db, const CallContext& ctx,
                                            absl::string_view member_name, absl::string_view etag,
                                            const MemberRule& rule);

// Adds to `plan` the committee change of the cell `before` leaves, when it leaves its
// active list (another cell, or a state other than PROBATIONARY/FULL).
absl::Status AddCommitteeCleanup(const RecordsDb& db, const v1::Member& before,
                                 const v1::Member& after, WritePlan* plan);

// A new member id: "m" followed by 12 lowercase letters and digits.
std::string NewMemberId();

// Presents members in responses: derived fields, FULL view.
Presenter MemberPresenter();

}  // namespace records
