// Bulk import and export through the real server: valid rows commit, bad rows are reported
// with their row number and field, a resent import commits nothing twice; an export streams
// the list and is audited with its purpose.
#include <set>
#include <thread>
#include <vector>

#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

class RecordsImportTest : public RecordsFixture {
 protected:
  static v1::ImportMemberRow Row(int i) {
    v1::ImportMemberRow row;
    row.set_row(i + 2);  // a spreadsheet line; the header is line 1
    row.set_member_id(absl::StrFormat("imp-%04d", i));
    row.set_cell(i % 2 == 0 ? "organizations/hq/cells/a" : "organizations/hq/cells/b");
    v1::Member* m = row.mutable_member();
    static const char* kFamilies[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh"};
    static const char* kGiven[] = {"An", "Bảo", "Cường", "Duy", "Hải", "Khang", "Long"};
    m->set_full_name(absl::StrCat(kFamilies[i % 5], " Văn ", kGiven[i % 7], " ", i));
    m->set_gender(v1::Member::MALE);
    *m->mutable_birth_date() = Day(1980 + i % 10, 1 + i % 12, 1 + i % 28);
    m->set_national_id(absl::StrFormat("0800%02d%06d", 80 + i % 10, i));
    m->set_party_card_number(absl::StrFormat("%08d", 60000000 + i));
    m->set_member_file_number(absl::StrFormat("%06dLA", 100000 + i));
    *row.mutable_admission_decision() = Decision(absl::StrCat(i, "-QĐ/ĐU"), Day(2012, 3, 1));
    *row.mutable_party_entry_date() = Day(2012, 3, 10);
    *row.mutable_recognition_decision() = Decision(absl::StrCat(i, "-QĐ/ĐU"), Day(2013, 3, 15));
    return row;
  }

  v1::ImportMembersResponse Import(const std::vector<v1::ImportMemberRow>& rows,
                                   const std::string& request_id, grpc::Status* status) {
    auto context = Context();
    v1::ImportMembersResponse response;
    auto writer = stub_->ImportMembers(context.get(), &response);
    v1::ImportMembersRequest message;
    message.mutable_header()->set_parent("organizations/hq");
    message.mutable_header()->set_request_id(request_id);
    EXPECT_TRUE(writer->Write(message));
    for (const auto& row : rows) {
      *message.mutable_row() = row;
      if (!writer->Write(message)) break;
    }
    writer->WritesDone();
    *status = writer->Finish();
    return response;
  }
};

TEST_F(RecordsImportTest, ImportsTheValidRowsAndReportsTheBadOnes) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
  std::vector<v1::ImportMemberRow> rows;
  for (int i = 0; i < 1000; ++i) rows.push_back(Row(i));
  // Ten bad rows of different kinds, spread over the chunks.
  std::set<int> bad;
  auto spoil = [&](int i, auto change) {
    change(&rows[i]);
    bad.insert(rows[i].row());
  };
  spoil(3, [](v1::ImportMemberRow* r) { r->mutable_member()->set_national_id("12345"); });
  spoil(120, [](v1::ImportMemberRow* r) {  // 10 years old on admission
    *r->mutable_member()->mutable_birth_date() = Day(2002, 1, 1);
    r->mutable_member()->set_national_id("080202000120");
  });
  spoil(240, [](v1::ImportMemberRow* r) { r->set_cell("organizations/hq/cells/nope"); });
  spoil(360, [&](v1::ImportMemberRow* r) {  // the national ID of row 0 (an earlier chunk)
    r->mutable_member()->set_national_id(rows[0].member().national_id());
    *r->mutable_member()->mutable_birth_date() = rows[0].member().birth_date();
  });
  spoil(480, [](v1::ImportMemberRow* r) { r->mutable_member()->set_party_card_number("abc"); });
  spoil(600, [](v1::ImportMemberRow* r) { r->mutable_member()->clear_full_name(); });
  spoil(720, [](v1::ImportMemberRow* r) { *r->mutable_party_entry_date() = Day(2012, 2, 1); });
  spoil(840, [](v1::ImportMemberRow* r) {
    r->mutable_member()->set_gender(v1::Member::GENDER_UNSPECIFIED);
  });
  spoil(900, [](v1::ImportMemberRow* r) { r->mutable_member()->set_member_file_number("12AB"); });
  spoil(999, [](v1::ImportMemberRow* r) {  // probation not over on the recognition date
    *r->mutable_recognition_decision()->mutable_date() = Day(2012, 9, 1);
  });
  ASSERT_EQ(bad.size(), 10u);

  grpc::Status status;
  v1::ImportMembersResponse response = Import(rows, "import-2024-01", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.received(), 1000);
  EXPECT_EQ(response.committed(), 990);
  EXPECT_EQ(response.already_committed(), 0);
  std::set<int> reported;
  for (const auto& e : response.errors()) {
    reported.insert(e.row());
    EXPECT_FALSE(e.message().empty());
    EXPECT_NE(e.code(), 0);
    EXPECT_FALSE(e.reason().empty());
  }
  EXPECT_EQ(reported, bad);
  for (const auto& e : response.errors()) {
    if (e.row() == rows[3].row()) {
      EXPECT_EQ(e.field(), "member.national_id");
    }
    if (e.row() == rows[240].row()) {
      EXPECT_EQ(e.code(), 5) << "NOT_FOUND: " << e.message();
    }
    if (e.row() == rows[360].row()) {
      EXPECT_EQ(e.code(), 6) << "ALREADY_EXISTS: " << e.message();
    }
  }

  v1::ListMembersRequest list;
  list.set_parent("organizations/hq");
  v1::ListMembersResponse members;
  ASSERT_TRUE(stub_->ListMembers(Context().get(), list, &members).ok());
  EXPECT_EQ(members.total_size(), 990);
  list.set_filter("state = FULL AND cell = \"organizations/hq/cells/a\"");
  ASSERT_TRUE(stub_->ListMembers(Context().get(), list, &members).ok());
  EXPECT_GT(members.total_size(), 480);

  // Resending the same import commits nothing twice.
  v1::ImportMembersResponse again = Import(rows, "import-2024-01", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(again.committed(), 0);
  EXPECT_EQ(again.already_committed(), 990);
  EXPECT_EQ(again.errors_size(), response.errors_size());
}

TEST_F(RecordsImportTest, AStreamWithoutAHeaderOrWithRepeatedRowsIsRejected) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  auto context = Context();
  v1::ImportMembersResponse response;
  auto writer = stub_->ImportMembers(context.get(), &response);
  v1::ImportMembersRequest message;
  *message.mutable_row() = Row(0);
  writer->Write(message);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  std::vector<v1::ImportMemberRow> rows = {Row(0), Row(2)};
  rows[1].set_row(rows[0].row());
  Import(rows, "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RecordsImportTest, ExportStreamsTheFilteredListAndIsAudited) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
  std::vector<v1::ImportMemberRow> rows;
  for (int i = 0; i < 30; ++i) rows.push_back(Row(i));
  grpc::Status status;
  ASSERT_EQ(Import(rows, "", &status).committed(), 30);
  v1::ExportMembersRequest req;
  req.set_parent("organizations/hq");
  req.set_filter("cell = \"organizations/hq/cells/b\"");
  req.set_purpose("Báo cáo thống kê đảng viên năm 2024");
  auto context = Context("auditor");
  auto reader = stub_->ExportMembers(context.get(), req);
  v1::Member m;
  int count = 0;
  while (reader->Read(&m)) {
    EXPECT_EQ(m.cell(), "organizations/hq/cells/b");
    EXPECT_EQ(m.history_size(), 0) << "BASIC view by default";
    ++count;
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(count, 15);
  v1::ListAuditEventsRequest audit;
  audit.set_filter("method = \"ExportMembers\" AND principal = \"auditor\"");
  v1::ListAuditEventsResponse events;
  for (int attempt = 0; attempt < 50 && events.audit_events_size() == 0; ++attempt) {
    ASSERT_TRUE(stub_->ListAuditEvents(Context().get(), audit, &events).ok());
    if (events.audit_events_size() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(events.audit_events_size(), 1);
  EXPECT_NE(events.audit_events(0).summary().find("Báo cáo thống kê"), std::string::npos);
}

}  // namespace
}  // namespace records::testing
