// ImportMembers (client stream) and ExportMembers (server stream).
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/call_grant.h"
#include "common/cancellation.h"
#include "common/grpc_status.h"
#include "common/list_query.h"
#include "common/logging.h"
#include "common/request_decode.h"
#include "common/request_text.h"
#include "common/status_macros.h"
#include "common/work_pool.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/member_changes.h"
#include "services/records/service/member_query.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"
#include "services/records/service/row_errors.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/request_records.h"

namespace records {
namespace {

// What a row's request record holds to tell a resent row from another one under the same
// request_id and row number: the hash of the import's organization and the (normalized) row.
std::string RowRequestHash(absl::string_view parent, const v1::ImportMemberRow& row) {
  v1::ImportMembersHeader header;
  header.set_parent(std::string(parent));
  return absl::StrCat(RequestHash(header), RequestHash(row));
}

// One import: rows are validated as they arrive and committed in chunks; the next chunk is
// read only when the previous one is durable.
//
// Cancellation (the client cancels, or the deadline passes) stops the import at a chunk
// boundary: a chunk already submitted commits completely (its rows are in the commit queue
// and cannot be recalled), the rows read since are dropped, no further row is read. How far
// it got is reported in the status (CANCELLED or DEADLINE_EXCEEDED, ErrorInfo metadata
// committedRows / lastCommittedRow / discardedRows) and, since a cancelled client never sees
// that status, in an audit entry (method ImportMembers, result FAILED, the header's
// request_id, the same numbers in the summary). Resending with the same request_id resumes.
//
// Revocation (the token file no longer grants the caller records.write, common/call_grant.h)
// is checked before each message is handled: it stops the import the same way, at a chunk
// boundary, but ends with the status a new call would get (UNAUTHENTICATED or
// PERMISSION_DENIED); how far it got is in the audit entry.
class ImportReactor final : public grpc::ServerReadReactor<v1::ImportMembersRequest> {
 public:
  struct PlannedRow {
    v1::ImportMemberRow row;
    WritePlan plan;
  };

  // Ends at once with the error when `grant` is one. `context` is the call's; it outlives the
  // reactor.
  ImportReactor(RecordsDb* db, common::WorkPool* pool, grpc::CallbackServerContext* context,
                absl::StatusOr<common::CallGrant> grant, v1::ImportMembersResponse* response,
                int chunk_rows)
      : db_(db),
        pool_(pool),
        context_(context),
        response_(response),
        chunk_rows_(std::max(1, chunk_rows)) {
    if (!grant.ok()) {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      failed_ = true;
      FinishLocked(grant.status());
      return;
    }
    grant_.emplace(*std::move(grant));
    ctx_ = MakeCallContext(grant_->principal(), "ImportMembers");
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    {
      // No chunk is in flight while a read completes: a stop here loses nothing submitted.
      std::lock_guard<std::recursive_mutex> lock(mu_);
      if (absl::Status allowed = grant_->Check(); !allowed.ok()) return StopLocked(allowed);
      ctx_.pii_read = grant_->principal().Has(common::kPiiRead);
    }
    if (!ok) {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      if (context_->IsCancelled()) return StopLocked();
      // A message that did not parse ends the reads too: fail, as for any bad message.
      if (absl::Status decode = common::RequestDecodeError(*context_); !decode.ok()) {
        failed_ = true;
        FinishLocked(decode);
        return;
      }
      done_reading_ = true;  // the client finished sending
      CommitChunkLocked();
      return;
    }
    absl::Status status = HandleMessage();
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (!status.ok()) {
      failed_ = true;
      FinishLocked(status);
      return;
    }
    if (static_cast<int>(chunk_.size()) >= chunk_rows_) {
      CommitChunkLocked();
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }
  // A pending read then completes with ok=false (and stops the import); a chunk in flight
  // finishes committing first.
  void OnCancel() override {}

 private:
  absl::Status HandleMessage() {
    // Every message is held to the limits every request obeys; one that breaks them ends the
    // import, as one that does not parse does (chunks already committed stay; resume).
    RETURN_IF_ERROR(common::CheckRequestText(request_));
    if (request_.has_header()) {
      if (have_header_) {
        return common::InvalidField("header", "must be sent once, in the first message only");
      }
      RETURN_IF_ERROR(domain::Validate(request_.header()));
      header_ = request_.header();
      ASSIGN_OR_RETURN(parent_, domain::ParseOrganizationName(header_.parent(), "header.parent"));
      ASSIGN_OR_RETURN(Versioned<v1::Organization> org,
                       LoadOrganization(*db_, parent_.organization));
      RETURN_IF_ERROR(domain::CheckOrganizationWritable(org.value));
      ctx_.request_id = header_.request_id();
      have_header_ = true;
      return absl::OkStatus();
    }
    if (!have_header_) {
      return common::InvalidField("header", "the first message must carry the header");
    }
    if (!request_.has_row())
      return common::InvalidField("row", "each message after the header must carry a row");
    v1::ImportMemberRow row = request_.row();
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (!rows_seen_.insert(row.row()).second) {
      return common::InvalidField("row.row", absl::StrCat("row number ", row.row(),
                                                          " is repeated; row numbers must be "
                                                          "unique within an import"));
    }
    response_->set_received(response_->received() + 1);
    if (absl::Status s = domain::Validate(row); !s.ok()) {
      AddRowErrors(row.row(), s, response_->mutable_errors());
      return absl::OkStatus();
    }
    if (absl::Status s = domain::NormalizeText(&row); !s.ok()) {
      AddRowErrors(row.row(), s, response_->mutable_errors());
      return absl::OkStatus();
    }
    if (!header_.request_id().empty()) {
      absl::StatusOr<std::optional<RequestRecord>> done =
          FindRequestRecord(*db_, RowRequestId(header_.request_id(), row.row()));
      if (done.ok() && done->has_value()) {
        // Row records written before they held a hash match any row.
        const std::string& hash = (*done)->request_hash;
        if (!hash.empty() && hash != RowRequestHash(header_.parent(), row)) {
          AddRowErrors(row.row(), RequestIdReused("ImportMembers, another row"),
                       response_->mutable_errors());
          return absl::OkStatus();
        }
        response_->set_already_committed(response_->already_committed() + 1);
        return absl::OkStatus();
      }
    }
    chunk_.push_back(std::move(row));
    return absl::OkStatus();
  }

  // The row as a write plan (the rules of AdmitMember, plus recognition).
  // `org` and `cells` are read once per chunk (the commit guards their revisions).
  absl::StatusOr<WritePlan> PlanRow(const v1::ImportMemberRow& row,
                                    const Versioned<v1::Organization>& org,
                                    std::map<std::string, Versioned<v1::Cell>>* cells) {
    const std::string id = row.member_id().empty() ? NewMemberId() : row.member_id();
    const std::string name = domain::MemberNameOf(parent_.organization, id);
    if (LoadMember(*db_, parent_.organization, id).ok()) {
      return common::WithReason(
          absl::AlreadyExistsError(absl::StrCat("member ", name, " already exists")),
          "MEMBER_ALREADY_EXISTS");
    }
    auto cached = cells->find(row.cell());
    if (cached == cells->end()) {
      ASSIGN_OR_RETURN(Versioned<v1::Cell> loaded, LoadCellByName(*db_, row.cell(), "cell"));
      cached = cells->emplace(row.cell(), std::move(loaded)).first;
    }
    const Versioned<v1::Cell>& cell = cached->second;
    if (OrganizationIdOf(row.cell()) != parent_.organization) {
      return common::RuleViolation("CELL_OTHER_ORGANIZATION", row.cell(),
                                   "cell: must be a cell of the import's organization");
    }
    ASSIGN_OR_RETURN(v1::Member member, domain::ImportMember(row, header_.parent(), name,
                                                             cell.value, MakeEventContext(ctx_)));
    WritePlan plan;
    plan.changes.push_back(MemberChange(parent_.organization, id, 0, nullptr, std::move(member)));
    plan.preconditions.push_back(
        CellGuard(*db_, parent_.organization, LastSegment(row.cell()), cell.revision));
    plan.preconditions.push_back(OrganizationGuard(*db_, parent_.organization, org.revision));
    plan.summary = absl::StrCat("ImportMembers row ", row.row(), " ", name);
    RETURN_IF_ERROR(CheckUniqueKeys(*db_, plan, ctx_.pii_read));
    if (!header_.request_id().empty()) {
      const std::string row_id = RowRequestId(header_.request_id(), row.row());
      plan.preconditions.push_back(RequestIdUnused(*db_, row_id));
      plan.request_records.emplace_back(
          row_id, RequestRecord{"ImportMembers", RowRequestHash(header_.parent(), row), name, {}});
    }
    return plan;
  }

  // Plans `rows`; a row that cannot be written is reported (and audited when it conflicts).
  std::vector<PlannedRow> PlanRowsLocked(const std::vector<v1::ImportMemberRow>& rows) {
    std::set<std::string> unique_in_chunk;
    std::vector<PlannedRow> plans;
    absl::StatusOr<Versioned<v1::Organization>> org = LoadOrganization(*db_, parent_.organization);
    if (org.ok()) {
      if (absl::Status writable = domain::CheckOrganizationWritable(org->value); !writable.ok()) {
        org = writable;
      }
    }
    std::map<std::string, Versioned<v1::Cell>> cells;
    for (const v1::ImportMemberRow& row : rows) {
      absl::StatusOr<WritePlan> plan = org.ok() ? PlanRow(row, *org, &cells) : org.status();
      if (plan.ok()) {
        // Two rows of one chunk may not claim the same identifier.
        for (const std::string& claim : UniqueClaims(plan->changes[0])) {
          if (!unique_in_chunk.insert(claim).second) {
            plan = common::WithReason(
                absl::AlreadyExistsError("an identifier of this row is used by an earlier row"),
                "MEMBER_IDENTIFIER_TAKEN");
            break;
          }
        }
      }
      if (!plan.ok()) {
        AddRowErrors(row.row(), plan.status(), response_->mutable_errors());
        AuditConflictLocked(row, plan.status());
        continue;
      }
      if (header_.validate_only()) continue;
      plans.push_back({row, *std::move(plan)});
    }
    return plans;
  }

  // Plans and submits the pending rows; the next read (or the finish) happens when all of
  // them are durable.
  //
  // The bulk path: a chunk's rows commit as one mutation (CommitWrites: one change event and
  // one audit entry per member, the organization and cell guards checked once). When it is
  // refused because something changed since the rows were planned, the rows are planned again
  // and committed one by one, which tells which row lost and why.
  void CommitChunkLocked() {
    std::vector<v1::ImportMemberRow> rows = std::move(chunk_);
    chunk_.clear();
    std::vector<PlannedRow> plans = PlanRowsLocked(rows);
    if (plans.size() < 2) return CommitRowsLocked(std::move(plans));
    std::vector<v1::ImportMemberRow> planned;
    std::vector<WritePlan> writes;
    for (PlannedRow& p : plans) {
      planned.push_back(std::move(p.row));
      writes.push_back(std::move(p.plan));
    }
    in_flight_ = 1;
    CommitWrites(db_, RowContext(), std::move(writes),
                 [this, planned = std::move(planned)](const absl::Status& status) {
                   std::lock_guard<std::recursive_mutex> lock(mu_);
                   if (absl::IsAborted(status)) return ReplanLocked(planned);
                   --in_flight_;
                   for (const v1::ImportMemberRow& row : planned) {
                     if (!status.ok()) {
                       AddRowErrors(row.row(), status, response_->mutable_errors());
                       continue;
                     }
                     response_->set_committed(response_->committed() + 1);
                     last_committed_row_ = std::max(last_committed_row_, row.row());
                   }
                   AfterChunkLocked();
                 });
  }

  // Plans `rows` again and commits them one by one (the chunk's one write was refused), on
  // the work pool when there is one: planning reads the database, and the refusal arrives on
  // the commit thread, which must not wait for reads. The chunk stays in flight until then.
  void ReplanLocked(std::vector<v1::ImportMemberRow> rows) {
    auto replan = [this, rows = std::move(rows)] {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      --in_flight_;
      CommitRowsLocked(PlanRowsLocked(rows));
    };
    if (pool_ == nullptr || !pool_->Submit(replan)) replan();
  }

  // The call's context for row writes: row records are written by plan.request_records.
  CallContext RowContext() const {
    CallContext row_ctx = ctx_;
    row_ctx.request_id.clear();
    return row_ctx;
  }

  // Submits each planned row as a write of its own.
  void CommitRowsLocked(std::vector<PlannedRow> plans) {
    if (plans.empty()) return AfterChunkLocked();
    in_flight_ = static_cast<int>(plans.size());
    const CallContext row_ctx = RowContext();
    for (PlannedRow& planned : plans) {
      const int row = planned.row.row();
      const std::string member = ResourceName(*planned.plan.changes[0].after);
      // Unique keys held by other members are reported like AdmitMember's ALREADY_EXISTS.
      CommitWrite(db_, row_ctx, "", std::move(planned.plan), nullptr,
                  [this, row, member](const absl::Status& status,
                                      std::shared_ptr<google::protobuf::Message>) {
                    std::lock_guard<std::recursive_mutex> lock(mu_);
                    if (status.ok()) {
                      response_->set_committed(response_->committed() + 1);
                      last_committed_row_ = std::max(last_committed_row_, row);
                    } else if (absl::IsAborted(status)) {
                      const absl::Status taken = common::WithReason(
                          absl::AlreadyExistsError("the member id or an identifier of this row is "
                                                   "already used by another member"),
                          "MEMBER_IDENTIFIER_TAKEN");
                      AddRowErrors(row, taken, response_->mutable_errors());
                      AuditConflict(row, member, taken);
                    } else {
                      AddRowErrors(row, status, response_->mutable_errors());
                    }
                    if (--in_flight_ == 0) AfterChunkLocked();
                  });
    }
  }

  // A row refused because its member id or an identifier is already used is audited, one
  // event per row, with validate_only too: each conflict tells the caller that a value is in
  // use, and repeated ones must show in the audit log (other row errors are in the response
  // only).
  void AuditConflictLocked(const v1::ImportMemberRow& row, const absl::Status& status) {
    AuditConflict(row.row(),
                  row.member_id().empty()
                      ? header_.parent()
                      : domain::MemberNameOf(parent_.organization, row.member_id()),
                  status);
  }
  void AuditConflict(int row, const std::string& resource, const absl::Status& status) {
    if (!absl::IsAlreadyExists(status)) return;
    AuditFailure(
        db_, ctx_, resource, status,
        absl::StrCat("ImportMembers row ", row, header_.validate_only() ? " (validate_only)" : ""));
  }

  void AfterChunkLocked() {
    if (failed_) return;
    if (context_->IsCancelled()) return StopLocked();
    if (done_reading_) {
      FinishLocked(absl::OkStatus());
    } else {
      StartRead(&request_);
    }
  }

  // The call was cancelled (or its deadline passed, or `revoked` says its credentials were
  // revoked) and no chunk is in flight: drop the rows not yet submitted, report how far the
  // import got and end.
  void StopLocked(const absl::Status& revoked = absl::OkStatus()) {
    if (finished_) return;
    const int discarded = static_cast<int>(chunk_.size());
    chunk_.clear();
    // The client's timer fires (and cancels) a moment before the server's copy of the
    // deadline, which was started when the call arrived.
    const bool expired = revoked.ok() && context_->deadline() <= std::chrono::system_clock::now() +
                                                                     std::chrono::milliseconds(500);
    const std::string last =
        last_committed_row_ > 0 ? absl::StrCat(last_committed_row_) : std::string("none");
    const std::string message = absl::StrCat(
        "ImportMembers ",
        !revoked.ok() ? "lost its credentials (the token file changed)"
        : expired     ? "ran out of time (deadline exceeded)"
                      : "was cancelled",
        " after ", response_->received(), " rows received: ", response_->committed(),
        " rows committed by this call (last committed row ", last, "), ",
        response_->already_committed(), " already committed earlier, ", discarded,
        " rows received after the last committed chunk not written; resend with the same "
        "request_id to resume");
    absl::Status status =
        common::WithReason(!revoked.ok() ? absl::Status(revoked.code(), message)
                           : expired     ? absl::DeadlineExceededError(message)
                                         : absl::CancelledError(message),
                           !revoked.ok() ? "IMPORT_CREDENTIALS_REVOKED"
                           : expired     ? "IMPORT_DEADLINE_EXCEEDED"
                                         : "IMPORT_CANCELLED",
                           {{"committedRows", absl::StrCat(response_->committed())},
                            {"lastCommittedRow", absl::StrCat(last_committed_row_)},
                            {"alreadyCommittedRows", absl::StrCat(response_->already_committed())},
                            {"discardedRows", absl::StrCat(discarded)},
                            {"receivedRows", absl::StrCat(response_->received())}});
    if (have_header_) AuditFailure(db_, ctx_, header_.parent(), status);
    common::LogInfo("import stopped", {{"parent", header_.parent()},
                                       {"request_id", header_.request_id()},
                                       {"committed", response_->committed()},
                                       {"last_committed_row", last_committed_row_},
                                       {"discarded", discarded},
                                       {"deadline_exceeded", expired},
                                       {"credentials_revoked", !revoked.ok()}});
    failed_ = true;
    // A caller whose credentials were revoked gets only what a new call would get.
    FinishLocked(revoked.ok() ? status : revoked);
  }

  void FinishLocked(const absl::Status& status) {
    if (finished_) return;
    finished_ = true;
    if (status.ok()) SortRowErrors(response_->mutable_errors());
    Finish(common::ToGrpcStatus(status));
  }

  RecordsDb* db_;
  common::WorkPool* pool_;  // where a refused chunk is planned again; inline when null
  grpc::CallbackServerContext* context_;
  v1::ImportMembersResponse* response_;
  const int chunk_rows_;
  std::optional<common::CallGrant> grant_;
  CallContext ctx_;
  v1::ImportMembersRequest request_;
  std::recursive_mutex mu_;
  bool have_header_ = false;
  v1::ImportMembersHeader header_;
  domain::OrganizationName parent_;
  std::set<int> rows_seen_;
  std::vector<v1::ImportMemberRow> chunk_;
  int in_flight_ = 0;
  int last_committed_row_ = 0;  // the highest row number this call committed
  bool done_reading_ = false;
  bool failed_ = false;
  bool finished_ = false;
};

// Streams the listed members one write at a time, reading them a page at a time: memory is
// bounded by one page whatever the size of the list, and the next write starts only when the
// previous one completed (gRPC flow control holds it while the client reads slowly). Pages
// are read on `pool` (inline when null), off gRPC's callback threads.
//
// Before each write the call's grant is checked (common/call_grant.h): a revoked token ends
// the export with UNAUTHENTICATED, a lost records.read with PERMISSION_DENIED; a lost pii.read
// masks what follows (and ends an export filtered by national ID with PERMISSION_DENIED).
class ExportReactor final : public grpc::ServerWriteReactor<v1::Member> {
 public:
  static constexpr int kPageSize = 256;

  // Ends at once with the error when `grant` is one. Stops reading when the call is
  // cancelled or past its deadline (`context`, which outlives the reactor).
  ExportReactor(const RecordsDb* db, common::WorkPool* pool,
                const grpc::CallbackServerContext* context, MemberQuery query, CallContext ctx,
                v1::MemberView view, absl::StatusOr<common::CallGrant> grant)
      : db_(db),
        pool_(pool),
        stop_(context),
        query_(std::move(query)),
        ctx_(std::move(ctx)),
        view_(view) {
    if (!grant.ok()) {
      Finish(common::ToGrpcStatus(grant.status()));
      return;
    }
    grant_.emplace(*std::move(grant));
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      // The call ended under us: say why (and count the stop) when it was cancelled or
      // expired, which is the usual reason.
      const absl::Status stopped = stop_.Check();
      Finish(stopped.ok() ? grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke")
                          : common::ToGrpcStatus(stopped));
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  // After the grant's check: the next member of the page, or the next page (read on the
  // pool), or the end.
  void Next() {
    if (absl::Status allowed = grant_->Check(); !allowed.ok()) {
      Finish(common::ToGrpcStatus(allowed));
      return;
    }
    if (const bool pii_read = grant_->principal().Has(common::kPiiRead);
        pii_read != ctx_.pii_read) {
      ctx_.pii_read = pii_read;
      if (absl::Status permitted = CheckQueryPermitted(query_, ctx_); !permitted.ok()) {
        Finish(common::ToGrpcStatus(permitted));
        return;
      }
    }
    if (next_ < page_.size()) {
      WriteNext();
      return;
    }
    if (!first_page_ && after_key_.empty()) {
      Finish(grpc::Status::OK);
      return;
    }
    if (pool_ == nullptr) {
      ReadPages();
    } else if (!pool_->Submit([this] { ReadPages(); })) {
      Finish(common::ToGrpcStatus(common::WorkPoolFullError("ExportMembers")));
    }
  }

  // Reads pages until one has members (pages may be short, even empty), then writes its
  // first member; or finishes at the end of the list or on an error.
  void ReadPages() {
    while (true) {
      first_page_ = false;
      page_.clear();
      next_ = 0;
      absl::StatusOr<MemberPage> page = ScanMembers(*db_, query_, after_key_, kPageSize, &stop_);
      if (!page.ok()) {
        Finish(common::ToGrpcStatus(page.status()));
        return;
      }
      page_ = std::move(page->members);
      after_key_ = std::move(page->next_key);
      for (v1::Member& m : page_) PresentMember(&m, view_);
      if (!page_.empty()) {
        WriteNext();
        return;
      }
      if (after_key_.empty()) {
        Finish(grpc::Status::OK);
        return;
      }
    }
  }

  void WriteNext() {
    v1::Member& member = page_[next_++];
    MaskReply(ctx_, &member);  // as the caller's permissions are now, not as the page was read
    StartWrite(&member);
  }

  const RecordsDb* db_;
  common::WorkPool* const pool_;
  common::Cancellation stop_;
  const MemberQuery query_;
  CallContext ctx_;
  const v1::MemberView view_;
  std::optional<common::CallGrant> grant_;
  std::vector<v1::Member> page_;
  size_t next_ = 0;
  std::string after_key_;  // the last key of the page read; empty after the last page
  bool first_page_ = true;
};

}  // namespace

grpc::ServerReadReactor<v1::ImportMembersRequest>* RecordsService::ImportMembers(
    grpc::CallbackServerContext* context, v1::ImportMembersResponse* response) {
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer_->AuthorizeStream(*context, "ImportMembers");
  if (!caller.ok()) {
    return new ImportReactor(db_, options_.scan_pool, context, caller.status(), response,
                             options_.import_chunk_rows);
  }
  return new ImportReactor(db_, options_.scan_pool, context,
                           common::CallGrant(authorizer_, *context, "ImportMembers", *caller),
                           response, options_.import_chunk_rows);
}

grpc::ServerWriteReactor<v1::Member>* RecordsService::ExportMembers(
    grpc::CallbackServerContext* context, const v1::ExportMembersRequest* request) {
  MemberQuery query;
  CallContext ctx;
  std::optional<common::CallGrant> grant;
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::shared_ptr<const common::Principal> caller,
                     authorizer_->Authorize(*context, "ExportMembers", *request));
    ctx = MakeCallContext(*caller, "ExportMembers");
    grant.emplace(authorizer_, *context, "ExportMembers", caller);
    RETURN_IF_ERROR(domain::Validate(*request));
    ASSIGN_OR_RETURN(domain::OrganizationName parent,
                     domain::ParseOrganizationName(request->parent(), "parent"));
    ASSIGN_OR_RETURN(query,
                     ParseMemberQuery(parent.organization, request->filter(), request->order_by()));
    RETURN_IF_ERROR(CheckQueryPermitted(query, ctx));
    RETURN_IF_ERROR(LoadOrganization(*db_, parent.organization).status());
    // Exports are audited with the stated purpose, before anything is sent.
    AuditExport(db_, ctx, request->parent(),
                absl::StrCat("ExportMembers filter \"", request->filter(), "\", order \"",
                             request->order_by(), "\"; purpose: ", request->purpose()));
    return absl::OkStatus();
  }();
  const v1::MemberView view =
      request->view() == v1::MEMBER_VIEW_FULL ? v1::MEMBER_VIEW_FULL : v1::MEMBER_VIEW_BASIC;
  if (!status.ok()) {
    return new ExportReactor(db_, options_.scan_pool, context, std::move(query), std::move(ctx),
                             view, status);
  }
  return new ExportReactor(db_, options_.scan_pool, context, std::move(query), std::move(ctx), view,
                           *std::move(grant));
}

}  // namespace records
