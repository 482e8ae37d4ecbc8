// Records with bearer tokens: refused calls (no token, wrong token, a viewer writing, a token
// removed from the file after start) get UNAUTHENTICATED / PERMISSION_DENIED and write
// nothing; a viewer never sees a national ID on any read path while an admin does; the audit
// log names the principal of each change.
#include <cstdio>
#include <fstream>
#include <thread>

#include "common/auth.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

constexpr char kAdminToken[] = "admin-secret-token";
constexpr char kEditorToken[] = "editor-secret-token";
constexpr char kViewerToken[] = "viewer-secret-token";

class RecordsAuthTest : public RecordsFixture {
 protected:
  void SetUp() override {
    WriteTokens({{kAdminToken, "ops-admin admin"},
                 {kEditorToken, "ops-editor editor"},
                 {kViewerToken, "ops-viewer viewer"}});
    RecordsConfig config;
    config.server.service = "records";
    config.server.listen = "127.0.0.1";
    config.server.port = 0;
    config.server.data_dir = dir_.Sub("db");
    config.server.max_message_bytes = 16 << 20;
    config.server.shutdown_grace = absl::Seconds(5);
    config.server.keepalive_time = absl::Seconds(60);
    config.server.keepalive_timeout = absl::Seconds(20);
    config.server.block_cache_mb = 8;
    config.server.sync_writes = false;
    config.retention_interval = absl::Hours(1);
    config.security.token_file = dir_.Sub("tokens");
    absl::StatusOr<std::shared_ptr<common::TokenStore>> tokens =
        common::LoadTokens(config.security);
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    config.tokens = *tokens;
    auto server = RecordsServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::RecordsService::NewStub(channel_);

    v1::CreateOrganizationRequest org;
    org.set_organization_id("hq");
    org.mutable_organization()->set_code("CHQ");
    org.mutable_organization()->set_display_name("Đảng bộ Cục Hải quan Long An");
    *org.mutable_organization()->mutable_valid_from() = Day(2015, 1, 1);
    v1::Organization created_org;
    ASSERT_TRUE(stub_->CreateOrganization(As(kAdminToken).get(), org, &created_org).ok());
    v1::CreateCellRequest cell;
    cell.set_parent("organizations/hq");
    cell.set_cell_id("nghiep-vu");
    cell.mutable_cell()->set_display_name("Chi bộ Nghiệp vụ");
    *cell.mutable_cell()->mutable_established_date() = Day(2015, 3, 1);
    v1::Cell created_cell;
    ASSERT_TRUE(stub_->CreateCell(As(kAdminToken).get(), cell, &created_cell).ok());
  }

  // Rewrites the token file atomically (write, then rename), as a Secret update does.
  void WriteTokens(const std::vector<std::pair<std::string, std::string>>& tokens) {
    const std::string tmp = dir_.Sub("tokens.tmp");
    {
      std::ofstream out(tmp);
      for (const auto& [token, principal_and_role] : tokens) {
        out << common::HashToken(token) << " " << principal_and_role << "\n";
      }
    }
    ASSERT_EQ(std::rename(tmp.c_str(), dir_.Sub("tokens").c_str()), 0);
  }

  // A call context with `authorization: Bearer <token>` (none when empty).
  static std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
    return c;
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

}  // namespace
}  // namespace records::testing
