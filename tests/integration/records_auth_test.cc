// Records with bearer tokens: refused calls (no token, wrong token, a viewer writing, a token
// removed from the file after start) get UNAUTHENTICATED / PERMISSION_DENIED and write
// nothing; a viewer never sees a national ID on any read path while an admin does; the audit
// log names the principal of each change. Calls that last (WatchChanges, ExportMembers,
// ImportMembers) follow the token file while they run: a removed token or a lost permission
// ends them within a couple of seconds, without waiting for a new call, and a lost pii.read
// masks what a watch sends from then on.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "common/auth.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

constexpr char kAdminToken[] = "admin-secret-token";
constexpr char kEditorToken[] = "editor-secret-token";
constexpr char kViewerToken[] = "viewer-secret-token";
constexpr char kInspectorToken[] = "inspector-secret-token";
constexpr char kServiceToken[] = "service-secret-token";

// How soon a call that lasts must notice a change of the token file: the file is looked at
// about once a second; a second more for a busy machine.
constexpr absl::Duration kRevocationBound = absl::Seconds(3);

class RecordsAuthTest : public RecordsFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServerWithTokens(AllTokens()));

    builder_token_ = kAdminToken;
    ASSERT_NO_FATAL_FAILURE(CreateOrganization("hq"));
    ASSERT_NO_FATAL_FAILURE(CreateCell("nghiep-vu", "Chi bộ Nghiệp vụ"));
  }

  // The token file the server starts with; each principal has one token.
  static TokenLines AllTokens() {
    return {{kAdminToken, "ops-admin admin"},
            {kEditorToken, "ops-editor editor"},
            {kViewerToken, "ops-viewer viewer"},
            {kInspectorToken, "ops-inspector inspector"},
            {kServiceToken, "analytics service"}};
  }

  // AllTokens() with `token`'s line left out, or (when `line` is not empty) replaced by it.
  static TokenLines TokensWith(const std::string& token, const std::string& line = "") {
    TokenLines tokens;
    for (auto& entry : AllTokens()) {
      if (entry.first != token) {
        tokens.push_back(entry);
      } else if (!line.empty()) {
        tokens.emplace_back(token, line);
      }
    }
    return tokens;
  }

  // A WatchChanges call of `token` with a one-second heartbeat, read up to its first heartbeat
  // (the backlog is delivered).
  struct Watch {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::ChangeEvent>> reader;
  };
  Watch OpenWatch(const std::string& token, absl::Duration deadline) {
    Watch watch;
    watch.context = As(token);
    watch.context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    v1::WatchChangesRequest request;
    request.mutable_heartbeat_interval()->set_seconds(1);
    watch.reader = stub_->WatchChanges(watch.context.get(), request);
    v1::ChangeEvent event;
    while (watch.reader->Read(&event) && !event.heartbeat()) {
    }
    EXPECT_TRUE(event.heartbeat()) << "the watch of " << token << " ended at once";
    return watch;
  }

  // The next event of `watch` about `resource_name`, skipping others; false when it ended.
  static bool ReadUntil(Watch& watch, const std::string& resource_name, v1::ChangeEvent* event) {
    while (watch.reader->Read(event)) {
      if (!event->heartbeat() && event->resource_name() == resource_name) return true;
    }
    return false;
  }

  int MemberCount() {
    v1::ListMembersRequest list;
    list.set_parent("organizations/hq");
    list.set_page_size(1);
    v1::ListMembersResponse members;
    EXPECT_TRUE(stub_->ListMembers(As(kAdminToken).get(), list, &members).ok());
    return members.total_size();
  }

  // An ImportMembers row for member number `n` of cell nghiep-vu (identifiers as AdmitRequest).
  static v1::ImportMemberRow Row(int n) {
    const v1::AdmitMemberRequest admit = AdmitRequest(n, "nghiep-vu", "Lê Văn Tám");
    v1::ImportMemberRow row;
    row.set_row(n + 1);
    row.set_member_id(admit.member_id());
    row.set_cell(admit.cell());
    *row.mutable_member() = admit.member();
    *row.mutable_admission_decision() = admit.decision();
    *row.mutable_party_entry_date() = admit.ceremony_date();
    return row;
  }

  // Writes rows [from, to) into an open import.
  static void SendRows(grpc::ClientWriter<v1::ImportMembersRequest>* writer, int from, int to) {
    v1::ImportMembersRequest message;
    for (int n = from; n < to; ++n) {
      *message.mutable_row() = Row(n);
      if (!writer->Write(message)) return;
    }
  }

  uint64_t Head() {
    v1::GetChangeLogStateResponse state;
    grpc::Status s =
        stub_->GetChangeLogState(As(kAdminToken).get(), v1::GetChangeLogStateRequest(), &state);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return state.last_sequence();
  }

  grpc::Status GetMember(const std::string& token, const std::string& name, v1::Member* out) {
    v1::GetMemberRequest req;
    req.set_name(name);
    req.set_view(v1::MEMBER_VIEW_FULL);
    return stub_->GetMember(As(token).get(), req, out);
  }

  // Expects `member` to carry no personal data and to list the national ID as masked.
  static void ExpectMasked(const v1::Member& member) {
    EXPECT_EQ(member.national_id(), "") << member.name();
    EXPECT_FALSE(member.has_birth_date()) << member.name();
    EXPECT_NE(
        std::find(member.masked_fields().begin(), member.masked_fields().end(), "national_id"),
        member.masked_fields().end())
        << member.name();
    EXPECT_NE(std::find(member.masked_fields().begin(), member.masked_fields().end(), "birth_date"),
              member.masked_fields().end())
        << member.name();
  }

  static void ExpectUnmasked(const v1::Member& member, int n) {
    EXPECT_EQ(member.national_id(), absl::StrFormat("080085%06d", n)) << member.name();
    EXPECT_TRUE(member.has_birth_date()) << member.name();
    EXPECT_TRUE(member.masked_fields().empty()) << member.name();
  }
};

TEST_F(RecordsAuthTest, RefusedCallsGetTheRightCodeAndWriteNothing) {
  const uint64_t head = Head();
  const v1::AdmitMemberRequest admit = AdmitRequest(1, "nghiep-vu", "Nguyễn Văn Hùng");
  v1::Member member;

  grpc::Status no_token = stub_->AdmitMember(As("").get(), admit, &member);
  EXPECT_EQ(no_token.error_code(), grpc::StatusCode::UNAUTHENTICATED) << no_token.error_message();
  grpc::Status wrong = stub_->AdmitMember(As("not-a-known-token").get(), admit, &member);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED) << wrong.error_message();
  EXPECT_EQ(wrong.error_message(), no_token.error_message()) << "never says which part was wrong";
  grpc::Status viewer = stub_->AdmitMember(As(kViewerToken).get(), admit, &member);
  EXPECT_EQ(viewer.error_code(), grpc::StatusCode::PERMISSION_DENIED) << viewer.error_message();

  // Permission comes before validation and existence.
  v1::AdmitMemberRequest invalid = admit;
  invalid.set_parent("organizations/missing");
  invalid.mutable_member()->set_national_id("bad");
  EXPECT_EQ(stub_->AdmitMember(As(kViewerToken).get(), invalid, &member).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetMemberRequest missing;
  missing.set_name("organizations/missing/members/nobody");
  EXPECT_EQ(stub_->GetMember(As("").get(), missing, &member).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  EXPECT_EQ(GetMember(kAdminToken, "organizations/hq/members/m-0001", &member).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Head(), head) << "a refused call wrote to the change log";
}

TEST_F(RecordsAuthTest, TokenRemovedFromTheFileAfterStartIsRefused) {
  v1::Member member;
  ASSERT_TRUE(stub_
                  ->AdmitMember(As(kEditorToken).get(),
                                AdmitRequest(1, "nghiep-vu", "Nguyễn Văn Hùng"), &member)
                  .ok());
  WriteTokens({{kAdminToken, "ops-admin admin"}, {kViewerToken, "ops-viewer viewer"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // re-read at most once a second
  const uint64_t head = Head();

  grpc::Status s = stub_->AdmitMember(As(kEditorToken).get(),
                                      AdmitRequest(2, "nghiep-vu", "Trần Thị Lan"), &member);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  EXPECT_EQ(GetMember(kAdminToken, "organizations/hq/members/m-0002", &member).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Head(), head);
  EXPECT_TRUE(GetMember(kViewerToken, "organizations/hq/members/m-0001", &member).ok())
      << "the tokens still in the file keep working";
}

TEST_F(RecordsAuthTest, ViewerNeverSeesNationalIdsAdminDoes) {
  v1::Member admitted;
  ASSERT_TRUE(stub_
                  ->AdmitMember(As(kEditorToken).get(),
                                AdmitRequest(1, "nghiep-vu", "Nguyễn Văn Hùng"), &admitted)
                  .ok());
  ExpectMasked(admitted);  // an editor has no pii.read: the write's reply is masked too

  v1::Member member;
  ASSERT_TRUE(GetMember(kViewerToken, "organizations/hq/members/m-0001", &member).ok());
  ExpectMasked(member);
  ASSERT_TRUE(GetMember(kAdminToken, "organizations/hq/members/m-0001", &member).ok());
  ExpectUnmasked(member, 1);

  for (const char* token : {kViewerToken, kAdminToken}) {
    SCOPED_TRACE(token);
    const bool admin = std::string(token) == kAdminToken;
    v1::ListMembersRequest list;
    list.set_parent("organizations/hq");
    list.set_view(v1::MEMBER_VIEW_FULL);
    v1::ListMembersResponse listed;
    ASSERT_TRUE(stub_->ListMembers(As(token).get(), list, &listed).ok());
    ASSERT_EQ(listed.members_size(), 1);
    admin ? ExpectUnmasked(listed.members(0), 1) : ExpectMasked(listed.members(0));

    v1::ExportMembersRequest export_request;
    export_request.set_parent("organizations/hq");
    export_request.set_view(v1::MEMBER_VIEW_FULL);
    export_request.set_purpose("Kiểm tra hồ sơ");
    auto export_context = As(token);
    auto exported = stub_->ExportMembers(export_context.get(), export_request);
    int count = 0;
    while (exported->Read(&member)) {
      ++count;
      admin ? ExpectUnmasked(member, 1) : ExpectMasked(member);
    }
    EXPECT_TRUE(exported->Finish().ok());
    EXPECT_EQ(count, 1);

    v1::WatchChangesRequest watch;
    watch.set_start_after_sequence(0);
    auto watch_context = As(token);
    auto reader = stub_->WatchChanges(watch_context.get(), watch);
    v1::ChangeEvent event;
    int members_seen = 0;
    while (reader->Read(&event) && !event.heartbeat()) {
      if (!event.has_member()) continue;
      ++members_seen;
      admin ? ExpectUnmasked(event.member(), 1) : ExpectMasked(event.member());
    }
    EXPECT_TRUE(event.heartbeat());
    EXPECT_EQ(members_seen, 1);
    watch_context->TryCancel();
    (void)reader->Finish();

    // Looking a member up by national ID needs pii.read as well.
    list.set_filter("national_id = \"080085000001\"");
    grpc::Status by_id = stub_->ListMembers(As(token).get(), list, &listed);
    EXPECT_EQ(by_id.error_code(),
              admin ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_F(RecordsAuthTest, WritingPersonalDataNeedsPiiRead) {
  v1::Member member;
  ASSERT_TRUE(stub_
                  ->AdmitMember(As(kEditorToken).get(),
                                AdmitRequest(1, "nghiep-vu", "Nguyễn Văn Hùng"), &member)
                  .ok());
  const uint64_t head = Head();
  v1::UpdateMemberRequest update;
  update.mutable_member()->set_name("organizations/hq/members/m-0001");
  update.mutable_member()->set_hometown("Xã An Thạnh, huyện Bến Lức, tỉnh Long An");
  update.mutable_update_mask()->add_paths("hometown");
  update.set_reason("Bổ sung hồ sơ năm 2024");
  grpc::Status s = stub_->UpdateMember(As(kEditorToken).get(), update, &member);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_EQ(Head(), head);

  update.mutable_update_mask()->set_paths(0, "*");
  EXPECT_EQ(stub_->UpdateMember(As(kEditorToken).get(), update, &member).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  update.mutable_update_mask()->Clear();
  update.mutable_member()->clear_hometown();
  update.mutable_member()->set_ethnicity("Kinh");
  s = stub_->UpdateMember(As(kEditorToken).get(), update, &member);
  EXPECT_TRUE(s.ok()) << "a non-personal field needs no pii.read: " << s.error_message();

  // An admin may; the PROFILE_UPDATED event's values are personal data as well.
  update.mutable_member()->clear_ethnicity();
  update.mutable_member()->set_hometown("Xã An Thạnh, huyện Bến Lức, tỉnh Long An");
  s = stub_->UpdateMember(As(kAdminToken).get(), update, &member);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (const char* token : {kViewerToken, kAdminToken}) {
    SCOPED_TRACE(token);
    ASSERT_TRUE(GetMember(token, "organizations/hq/members/m-0001", &member).ok());
    const v1::LifecycleEvent& last = *member.history().rbegin();
    ASSERT_EQ(last.profile_changes_size(), 1);
    EXPECT_EQ(last.profile_changes(0).field(), "hometown");
    if (std::string(token) == kAdminToken) {
      EXPECT_EQ(member.hometown(), "Xã An Thạnh, huyện Bến Lức, tỉnh Long An");
      EXPECT_EQ(last.profile_changes(0).new_value(), "Xã An Thạnh, huyện Bến Lức, tỉnh Long An");
    } else {
      EXPECT_EQ(member.hometown(), "");
      EXPECT_EQ(last.profile_changes(0).new_value(), "");
      EXPECT_NE(std::find(member.masked_fields().begin(), member.masked_fields().end(), "hometown"),
                member.masked_fields().end());
    }
  }
}

// A uniqueness conflict on personal data (the national ID) tells a caller without pii.read that
// the value is taken, never by whom: not in the message, ErrorInfo or any other detail, on every
// path that can report it (AdmitMember, ReceiveMember, ImportMembers with and without
// validate_only). A caller with pii.read is told the holder. Every refused conflict is audited
// with its principal and reason, so probing shows in the audit log.
TEST_F(RecordsAuthTest, ConflictOnANationalIdNamesTheHolderOnlyToPiiReaders) {
  v1::Member member;
  ASSERT_TRUE(stub_
                  ->AdmitMember(As(kAdminToken).get(),
                                AdmitRequest(1, "nghiep-vu", "Nguyễn Văn Hùng"), &member)
                  .ok());
  const std::string holder = "organizations/hq/members/m-0001";
  const std::string taken = "080085000001";
  const uint64_t head = Head();
  // Everything a refused call tells its caller: the message and the google.rpc.Status details.
  auto told = [](const grpc::Status& s) { return s.error_message() + s.error_details(); };

  v1::AdmitMemberRequest admit = AdmitRequest(2, "nghiep-vu", "Phạm Văn Đức");
  admit.mutable_member()->set_national_id(taken);
  grpc::Status s = stub_->AdmitMember(As(kEditorToken).get(), admit, &member);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  EXPECT_EQ(ReasonOf(s), "MEMBER_NATIONAL_ID_TAKEN");
  EXPECT_NE(s.error_message().find("national_id"), std::string::npos) << s.error_message();
  EXPECT_EQ(told(s).find("m-0001"), std::string::npos) << "AdmitMember: " << s.error_message();

  v1::ReceiveMemberRequest receive;
  receive.set_parent("organizations/hq");
  receive.set_member_id("m-0003");
  receive.set_kind(v1::ReceiveMemberRequest::OFFICIAL);
  receive.set_cell("organizations/hq/cells/nghiep-vu");
  *receive.mutable_decision() = Decision("GGT-15", Day(2024, 2, 1));
  *receive.mutable_effective_date() = Day(2024, 2, 5);
  receive.mutable_from_organization()->set_display_name("Đảng bộ phường 3, thành phố Tân An");
  *receive.mutable_member() = admit.member();
  receive.mutable_member()->set_party_card_number("51000003");
  *receive.mutable_admission_date() = Day(2015, 4, 1);
  *receive.mutable_party_entry_date() = Day(2015, 4, 10);
  *receive.mutable_full_membership_date() = Day(2016, 4, 10);
  s = stub_->ReceiveMember(As(kEditorToken).get(), receive, &member);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  EXPECT_EQ(told(s).find("m-0001"), std::string::npos) << "ReceiveMember: " << s.error_message();

  for (const bool validate_only : {true, false}) {
    SCOPED_TRACE(validate_only ? "validate_only" : "import");
    auto context = As(kEditorToken);
    v1::ImportMembersResponse response;
    auto writer = stub_->ImportMembers(context.get(), &response);
    v1::ImportMembersRequest message;
    message.mutable_header()->set_parent("organizations/hq");
    message.mutable_header()->set_validate_only(validate_only);
    ASSERT_TRUE(writer->Write(message));
    v1::ImportMemberRow* row = message.mutable_row();
    row->set_row(7);
    row->set_member_id("m-0004");
    row->set_cell("organizations/hq/cells/nghiep-vu");
    *row->mutable_member() = admit.member();
    row->mutable_member()->set_party_card_number("51000004");
    *row->mutable_admission_decision() = Decision("4-QĐ/ĐU", Day(2012, 3, 1));
    *row->mutable_party_entry_date() = Day(2012, 3, 10);
    ASSERT_TRUE(writer->Write(message));
    writer->WritesDone();
    s = writer->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(response.errors_size(), 1);
    EXPECT_EQ(response.errors(0).row(), 7);
    EXPECT_EQ(response.errors(0).code(), static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
    EXPECT_EQ(response.errors(0).reason(), "MEMBER_NATIONAL_ID_TAKEN");
    EXPECT_EQ(response.errors(0).SerializeAsString().find("m-0001"), std::string::npos)
        << response.errors(0).message();
  }
  EXPECT_EQ(Head(), head) << "a refused call wrote to the change log";

  // A correction can make a record hold its national ID again: voiding the transfer out of a
  // member whose ID another member has taken since.
  v1::TransferMemberRequest out;
  out.set_name("organizations/hq/members/m-0006");
  out.set_kind(v1::TransferMemberRequest::OFFICIAL_OUT);
  out.mutable_destination()->set_display_name("Đảng bộ phường 3, thành phố Tân An");
  *out.mutable_decision() = Decision("12-QĐ/ĐU", Day(2020, 3, 1));
  *out.mutable_effective_date() = Day(2020, 3, 1);
  v1::AdmitMemberRequest leaver = AdmitRequest(6, "nghiep-vu", "Lê Văn Tám");
  ASSERT_TRUE(stub_->AdmitMember(As(kAdminToken).get(), leaver, &member).ok());
  ASSERT_TRUE(stub_->TransferMember(As(kAdminToken).get(), out, &member).ok());
  v1::AdmitMemberRequest successor = AdmitRequest(7, "nghiep-vu", "Lê Văn Bảy");
  successor.mutable_member()->set_national_id(leaver.member().national_id());
  ASSERT_TRUE(stub_->AdmitMember(As(kAdminToken).get(), successor, &member).ok());
  v1::CorrectMemberEventRequest void_transfer;
  void_transfer.set_name("organizations/hq/members/m-0006");
  *void_transfer.mutable_basis() = Decision("50-QĐ/ĐU", Day(2024, 5, 1));
  void_transfer.set_reason("Quyết định chuyển sinh hoạt bị hủy");
  void_transfer.set_event_id("e2");
  void_transfer.set_voids_event(true);
  s = stub_->CorrectMemberEvent(As(kEditorToken).get(), void_transfer, &member);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  EXPECT_EQ(ReasonOf(s), "MEMBER_NATIONAL_ID_TAKEN");
  EXPECT_EQ(told(s).find("m-0007"), std::string::npos)
      << "CorrectMemberEvent: " << s.error_message();

  // A caller with pii.read may be told who holds the value.
  admit.set_member_id("m-0005");
  s = stub_->AdmitMember(As(kAdminToken).get(), admit, &member);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(s.error_message().find(holder), std::string::npos) << s.error_message();

  // Each refused conflict is in the audit log with its principal and reason, and the log tells
  // an operator no more than the caller was told (audit entries of refused calls are written
  // after the reply: wait for them).
  std::vector<v1::AuditEvent> refused;
  for (int attempt = 0; attempt < 50 && refused.size() < 5; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    v1::ListAuditEventsRequest request;
    request.set_filter(
        "principal = \"ops-editor\" AND result = FAILED AND reason = \"MEMBER_NATIONAL_ID_TAKEN\"");
    v1::ListAuditEventsResponse response;
    s = stub_->ListAuditEvents(As(kAdminToken).get(), request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    refused.assign(response.audit_events().begin(), response.audit_events().end());
  }
  std::multiset<std::string> methods;
  for (const v1::AuditEvent& e : refused) {
    methods.insert(e.method());
    EXPECT_EQ(e.status_code(), static_cast<int>(grpc::StatusCode::ALREADY_EXISTS)) << e.summary();
    EXPECT_NE(e.summary().find("national_id"), std::string::npos) << e.summary();
    EXPECT_EQ(e.reason(), "MEMBER_NATIONAL_ID_TAKEN");
    EXPECT_EQ(e.summary().find("m-0001"), std::string::npos) << e.summary();
    EXPECT_EQ(e.summary().find("m-0007"), std::string::npos) << e.summary();
    if (e.method() == "ImportMembers") {
      EXPECT_NE(e.summary().find("ImportMembers row 7"), std::string::npos) << e.summary();
      EXPECT_EQ(e.resource_name(), "organizations/hq/members/m-0004");
    }
  }
  EXPECT_EQ(methods, (std::multiset<std::string>{"AdmitMember", "ReceiveMember", "ImportMembers",
                                                 "ImportMembers", "CorrectMemberEvent"}));
}

TEST_F(RecordsAuthTest, AuditLogNamesThePrincipalOfEachChange) {
  v1::Member member;
  ASSERT_TRUE(stub_
                  ->AdmitMember(As(kEditorToken).get(),
                                AdmitRequest(1, "nghiep-vu", "Nguyễn Văn Hùng"), &member)
                  .ok());
  v1::ListAuditEventsRequest request;
  request.set_view(v1::AUDIT_EVENT_VIEW_FULL);
  v1::ListAuditEventsResponse response;
  EXPECT_EQ(stub_->ListAuditEvents(As(kViewerToken).get(), request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->ListAuditEvents(As(kEditorToken).get(), request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s = stub_->ListAuditEvents(As(kAdminToken).get(), request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::map<std::string, std::string> principal_of;
  for (const v1::AuditEvent& e : response.audit_events()) principal_of[e.method()] = e.principal();
  EXPECT_EQ(principal_of["CreateOrganization"], "ops-admin");
  EXPECT_EQ(principal_of["CreateCell"], "ops-admin");
  EXPECT_EQ(principal_of["AdmitMember"], "ops-editor");

  v1::GetMemberRequest get;
  get.set_name("organizations/hq/members/m-0001");
  get.set_view(v1::MEMBER_VIEW_FULL);
  ASSERT_TRUE(stub_->GetMember(As(kAdminToken).get(), get, &member).ok());
  ASSERT_FALSE(member.history().empty());
  EXPECT_EQ(member.history(0).recorded_by(), "ops-editor");
}

TEST_F(RecordsAuthTest, ARemovedTokenEndsItsOpenWatchPromptlyWhileOtherWatchesGoOn) {
  Watch viewer = OpenWatch(kViewerToken, absl::Seconds(10));
  Watch service = OpenWatch(kServiceToken, absl::Seconds(30));
  // Changes keep being committed while the token is revoked, as in production.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int n = 1; !stop.load(); ++n) {
      v1::Member member;
      grpc::Status s = stub_->AdmitMember(As(kEditorToken).get(),
                                          AdmitRequest(n, "nghiep-vu", "Nguyễn Văn Hùng"), &member);
      EXPECT_TRUE(s.ok()) << s.error_message();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  WriteTokens(TokensWith(kViewerToken));
  const absl::Time revoked = absl::Now();
  v1::ChangeEvent event;
  int delivered_after = 0;
  while (viewer.reader->Read(&event)) ++delivered_after;
  const grpc::Status ended = viewer.reader->Finish();
  const absl::Duration took = absl::Now() - revoked;
  stop.store(true);
  writer.join();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << ended.error_message() << " (" << delivered_after << " messages after the revocation)";
  EXPECT_EQ(ReasonOf(ended), "UNAUTHENTICATED");
  EXPECT_LT(took, kRevocationBound) << delivered_after << " messages after the revocation";

  // The service's watch goes on: it receives a change committed after the viewer's ended.
  v1::Member member;
  ASSERT_TRUE(stub_
                  ->AdmitMember(As(kEditorToken).get(),
                                AdmitRequest(9999, "nghiep-vu", "Trần Thị Lan"), &member)
                  .ok());
  EXPECT_TRUE(ReadUntil(service, member.name(), &event))
      << "the watch of a principal still in the file ended: "
      << service.reader->Finish().error_message();
  service.context->TryCancel();
  (void)service.reader->Finish();
}

TEST_F(RecordsAuthTest, AWatcherThatLosesPiiReadGetsMaskedEventsFromThenOn) {
  Watch inspector = OpenWatch(kInspectorToken, absl::Seconds(20));
  v1::Member member;
  ASSERT_TRUE(stub_
                  ->AdmitMember(As(kEditorToken).get(),
                                AdmitRequest(1, "nghiep-vu", "Nguyễn Văn Hùng"), &member)
                  .ok());
  v1::ChangeEvent event;
  ASSERT_TRUE(ReadUntil(inspector, member.name(), &event));
  ExpectUnmasked(event.member(), 1);

  // Still allowed to watch, no longer to see personal data.
  WriteTokens(TokensWith(kInspectorToken, "ops-inspector viewer"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(stub_
                  ->AdmitMember(As(kEditorToken).get(),
                                AdmitRequest(2, "nghiep-vu", "Trần Thị Lan"), &member)
                  .ok());
  ASSERT_TRUE(ReadUntil(inspector, member.name(), &event))
      << inspector.reader->Finish().error_message();
  ExpectMasked(event.member());
  inspector.context->TryCancel();
  (void)inspector.reader->Finish();
}

TEST_F(RecordsAuthTest, AnImportWhosePrincipalLosesRecordsWriteStopsBeforeItsNextChunk) {
  constexpr int kChunk = 100;  // RecordsServiceOptions::import_chunk_rows
  auto context = As(kEditorToken);
  v1::ImportMembersResponse response;
  auto writer = stub_->ImportMembers(context.get(), &response);
  v1::ImportMembersRequest header;
  header.mutable_header()->set_parent("organizations/hq");
  header.mutable_header()->set_request_id("import-revoked");
  ASSERT_TRUE(writer->Write(header));
  SendRows(writer.get(), 1, 1 + kChunk);
  for (int attempt = 0; attempt < 500 && MemberCount() < kChunk; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(MemberCount(), kChunk);

  WriteTokens(TokensWith(kEditorToken, "ops-editor viewer"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  SendRows(writer.get(), 1 + kChunk, 1 + 2 * kChunk);
  writer->WritesDone();
  const grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_EQ(ReasonOf(s), "PERMISSION_DENIED");
  EXPECT_EQ(MemberCount(), kChunk) << "rows sent after the role changed were written";
}

TEST_F(RecordsAuthTest, AnExportWhoseTokenIsRemovedStopsWithUnauthenticated) {
  constexpr int kMembers = 300;
  {
    auto context = As(kEditorToken);
    v1::ImportMembersResponse response;
    auto writer = stub_->ImportMembers(context.get(), &response);
    v1::ImportMembersRequest header;
    header.mutable_header()->set_parent("organizations/hq");
    ASSERT_TRUE(writer->Write(header));
    SendRows(writer.get(), 1, 1 + kMembers);
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
    ASSERT_EQ(response.committed(), kMembers);
  }
  // A client that reads slowly: its HTTP/2 window is small (no growth from bandwidth probes),
  // so the export cannot run ahead of it.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4096);
  auto slow = v1::RecordsService::NewStub(
      grpc::CreateCustomChannel(server_->address(), grpc::InsecureChannelCredentials(), args));
  auto context = As(kViewerToken);
  v1::ExportMembersRequest request;
  request.set_parent("organizations/hq");
  request.set_purpose("Rà soát hồ sơ");
  auto reader = slow->ExportMembers(context.get(), request);
  v1::Member member;
  ASSERT_TRUE(reader->Read(&member));

  WriteTokens(TokensWith(kViewerToken));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  int received = 1;
  while (reader->Read(&member)) ++received;
  const grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  EXPECT_LT(received, kMembers) << "the export ran to its end after the token was removed";
}

}  // namespace
}  // namespace records::testing
