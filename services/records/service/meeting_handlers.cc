// Cell meetings: Create, Get, List, Update and the cell's year (domain/meeting_rules.h).
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/cancellation.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/meeting_rules.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"

namespace records {
namespace {

struct MeetingTarget {
  domain::CellName cell;
  std::string id;
  Versioned<v1::Organization> org;
  Versioned<v1::Cell> cell_value;
};

absl::StatusOr<MeetingTarget> LoadMeetingCell(const RecordsDb& db, absl::string_view cell_name,
                                              std::string id, absl::string_view field) {
  MeetingTarget t;
  ASSIGN_OR_RETURN(t.cell, domain::ParseCellName(cell_name, field));
  t.id = std::move(id);
  ASSIGN_OR_RETURN(t.org, LoadOrganization(db, t.cell.organization));
  RETURN_IF_ERROR(domain::CheckOrganizationWritable(t.org.value));
  ASSIGN_OR_RETURN(t.cell_value, LoadCell(db, t.cell.organization, t.cell.cell));
  return t;
}

// The presiding member and every attendee must exist (NOT_FOUND) and have been members of
// the cell (FAILED_PRECONDITION MEETING_MEMBER_NOT_IN_CELL): a meeting is recorded after the
// fact, so a member who has left since still counts.
absl::Status CheckMeetingMembers(const RecordsDb& db, const domain::CellName& cell,
                                 const v1::Meeting& meeting) {
  std::set<std::string> ever;
  RETURN_IF_ERROR(
      ScanMembersEverInCell(db, cell.organization, cell.cell, nullptr, [&](v1::Member& m) {
        ever.insert(m.name());
        return absl::OkStatus();
      }));
  std::vector<std::pair<std::string, std::string>> named = {
      {meeting.presiding_member(), "meeting.presiding_member"}};
  for (int i = 0; i < meeting.attendance_size(); ++i) {
    named.emplace_back(meeting.attendance(i).member(),
                       absl::StrCat("meeting.attendance[", i, "].member"));
  }
  for (const auto& [member, field] : named) {
    if (member.empty() || ever.count(member) > 0) continue;
    RETURN_IF_ERROR(LoadMemberByName(db, member, field).status());
    return common::RuleViolation(
        "MEETING_MEMBER_NOT_IN_CELL", member,
        absl::StrCat(field, ": member ", member, " has never been in ", cell.Format()));
  }
  return absl::OkStatus();
}

// UpdateMeeting's fields: those the mask names ("*": all), or with an empty mask those set.
void ApplyMeetingUpdate(const v1::Meeting& in, const google::protobuf::FieldMask& mask,
                        v1::Meeting* out) {
  auto named = [&](absl::string_view path, bool populated) {
    if (mask.paths_size() == 0) return populated;
    for (const std::string& p : mask.paths()) {
      if (p == "*" || p == path) return true;
    }
    return false;
  };
  if (named("topic", !in.topic().empty())) out->set_topic(in.topic());
  if (named("presiding_member", !in.presiding_member().empty())) {
    out->set_presiding_member(in.presiding_member());
  }
  if (named("minutes_reference", !in.minutes_reference().empty())) {
    out->set_minutes_reference(in.minutes_reference());
  }
  if (named("attendance", in.attendance_size() > 0)) *out->mutable_attendance() = in.attendance();
}

bool MeetingMatches(const v1::Meeting& m, const std::vector<common::FilterTerm>& terms) {
  for (const common::FilterTerm& t : terms) {
    if (t.field == "year" && m.date().year() != t.value.integer) return false;
    if (t.field == "kind" && v1::Meeting::Kind_Name(m.kind()) != t.value.text) return false;
  }
  return true;
}

}  // namespace

grpc::ServerUnaryReactor* RecordsService::CreateMeeting(grpc::CallbackServerContext* context,
                                                        const v1::CreateMeetingRequest* request,
                                                        v1::Meeting* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "CreateMeeting", *request, "",
      [db](const CallContext&, const v1::CreateMeetingRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(MeetingTarget t,
                         LoadMeetingCell(*db, req.parent(), req.meeting_id(), "parent"));
        const std::string name = absl::StrCat(t.cell.Format(), "/meetings/", t.id);
        absl::StatusOr<Versioned<v1::Meeting>> existing =
            ReadMeeting(*db, t.cell.organization, t.cell.cell, t.id);
        if (existing.ok()) {
          return common::WithReason(
              absl::AlreadyExistsError(absl::StrCat("meeting ", name, " already exists")),
              "MEETING_ALREADY_EXISTS", {{"resource", name}});
        }
        if (!absl::IsNotFound(existing.status())) return existing.status();
        RETURN_IF_ERROR(CheckMeetingMembers(*db, t.cell, req.meeting()));
        v1::Meeting meeting;
        meeting.set_name(name);
        meeting.set_kind(req.meeting().kind());
        *meeting.mutable_date() = req.meeting().date();
        ApplyMeetingUpdate(req.meeting(), google::protobuf::FieldMask(), &meeting);
        domain::FillAttendanceCounts(&meeting);
        WritePlan w;
        w.changes.push_back(
            MeetingChange(t.cell.organization, t.cell.cell, t.id, 0, std::move(meeting)));
        w.preconditions.push_back(
            CellGuard(*db, t.cell.organization, t.cell.cell, t.cell_value.revision));
        w.summary = absl::StrCat("CreateMeeting ", name);
        return w;
      },
      nullptr, response);
}

grpc::ServerUnaryReactor* RecordsService::GetMeeting(grpc::CallbackServerContext* context,
                                                     const v1::GetMeetingRequest* request,
                                                     v1::Meeting* response) {
  return ReplyNow(
      *authorizer_, context, "GetMeeting", *request, [&](const CallContext& ctx) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        const ChildName n = SplitChildName(request->name(), "meetings");
        ASSIGN_OR_RETURN(domain::CellName cell, domain::ParseCellName(n.parent, "name"));
        ASSIGN_OR_RETURN(Versioned<v1::Meeting> meeting,
                         NamedNotFound(ReadMeeting(*db_, cell.organization, cell.cell, n.id),
                                       request->name(), "meeting", "MEETING_NOT_FOUND"));
        *response = std::move(meeting.value);
        MaskReply(ctx, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecordsService::ListMeetings(grpc::CallbackServerContext* context,
                                                       const v1::ListMeetingsRequest* request,
                                                       v1::ListMeetingsResponse* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "ListMeetings", *request,
      [this, request, response](const CallContext& ctx,
                                common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(domain::CellName cell, domain::ParseCellName(request->parent(), "parent"));
        // The cell's dates decide what its year requires (meeting_rules.h).
        ASSIGN_OR_RETURN(const Versioned<v1::Cell> loaded,
                         LoadCell(*db_, cell.organization, cell.cell));
        ASSIGN_OR_RETURN(
            common::ListRequest list,
            common::ParseListRequest("ListMeetings", request->parent(), request->filter(), "",
                                     request->page_size(), request->page_token(), {}));
        // Date descending, then name descending.
        RETURN_IF_ERROR(
            FillListPage<v1::Meeting>(
                list,
                [&](const Visitor<v1::Meeting>& visit) {
                  return ScanMeetings(*db_, cell.organization, cell.cell, visit, stop);
                },
                [&](const v1::Meeting& m) -> std::optional<std::string> {
                  if (!MeetingMatches(m, list.terms)) return std::nullopt;
                  const google::type::Date& d = m.date();
                  return std::move(SortKey().Date(d.year(), d.month(), d.day()).Text(m.name()))
                      .Take();
                },
                /*desc=*/true, response->mutable_meetings(), response)
                .status());
        bool masked = false;
        for (v1::Meeting& m : *response->mutable_meetings()) {
          if (!ctx.pii_read) masked |= domain::MaskPersonalData(&m);
        }
        if (masked) response->add_masked_fields("meetings.attendance.reason");
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecordsService::UpdateMeeting(grpc::CallbackServerContext* context,
                                                        const v1::UpdateMeetingRequest* request,
                                                        v1::Meeting* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "UpdateMeeting", *request, request->meeting().etag(),
      [db](const CallContext&, const v1::UpdateMeetingRequest& req) -> absl::StatusOr<WritePlan> {
        const ChildName n = SplitChildName(req.meeting().name(), "meetings");
        ASSIGN_OR_RETURN(MeetingTarget t, LoadMeetingCell(*db, n.parent, n.id, "meeting.name"));
        ASSIGN_OR_RETURN(Versioned<v1::Meeting> meeting,
                         NamedNotFound(ReadMeeting(*db, t.cell.organization, t.cell.cell, t.id),
                                       req.meeting().name(), "meeting", "MEETING_NOT_FOUND"));
        RETURN_IF_ERROR(CheckEtag(req.meeting().etag(), meeting.revision, req.meeting().name()));
        v1::Meeting after = meeting.value;
        ApplyMeetingUpdate(req.meeting(), req.update_mask(), &after);
        domain::FillAttendanceCounts(&after);
        RETURN_IF_ERROR(CheckMeetingMembers(*db, t.cell, after));
        WritePlan w;
        w.before = std::make_shared<v1::Meeting>(meeting.value);
        w.changes.push_back(MeetingChange(t.cell.organization, t.cell.cell, t.id, meeting.revision,
                                          std::move(after)));
        w.preconditions.push_back(
            CellGuard(*db, t.cell.organization, t.cell.cell, t.cell_value.revision));
        w.summary = absl::StrCat("UpdateMeeting ", req.meeting().name());
        return w;
      },
      nullptr, response);
}

grpc::ServerUnaryReactor* RecordsService::GetCellMeetingSummary(
    grpc::CallbackServerContext* context, const v1::GetCellMeetingSummaryRequest* request,
    v1::CellMeetingSummary* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "GetCellMeetingSummary", *request,
      [this, request, response](const CallContext&, common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(domain::CellName cell, domain::ParseCellName(request->cell(), "cell"));
        // The cell's dates decide what its year requires (meeting_rules.h).
        ASSIGN_OR_RETURN(const Versioned<v1::Cell> loaded,
                         LoadCell(*db_, cell.organization, cell.cell));
        std::vector<v1::Meeting> meetings;
        RETURN_IF_ERROR(ScanMeetings(
            *db_, cell.organization, cell.cell,
            [&](v1::Meeting& m) {
              if (m.date().year() == request->year()) meetings.push_back(std::move(m));
              return absl::OkStatus();
            },
            stop));
        *response =
            domain::SummarizeMeetings(loaded.value, request->year(), meetings, domain::TodayIct());
        return absl::OkStatus();
      });
}

}  // namespace records
