// Bulk import and export through the real server: valid rows commit, bad rows are reported
// with their row number and field, a resent import commits nothing twice; an export streams
// the list a page at a time and is audited with its purpose; a cancelled import (client
// cancel or deadline) keeps exactly its whole committed chunks and reports how far it got.
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "services/records/storage/keys.h"
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

// A resent import resumes: its committed rows are skipped. A row that is not the row committed
// under that request_id and row number is another request reusing the id: REQUEST_ID_REUSED,
// as for every other write, and nothing is written for it.
TEST_F(RecordsImportTest, ARowOtherThanTheOneCommittedUnderItsRequestIdIsRefused) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
  grpc::Status s;
  v1::ImportMembersResponse first = Import({Row(0), Row(1)}, "import-7", &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(first.committed(), 2);

  v1::ImportMemberRow other = Row(5);
  other.set_row(Row(1).row());  // the row number of a committed row, another member
  v1::ImportMembersResponse again = Import({Row(0), other}, "import-7", &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.already_committed(), 1) << "the same row is skipped";
  EXPECT_EQ(again.committed(), 0);
  ASSERT_EQ(again.errors_size(), 1);
  EXPECT_EQ(again.errors(0).row(), other.row());
  EXPECT_EQ(again.errors(0).reason(), "REQUEST_ID_REUSED") << again.errors(0).message();
  v1::GetMemberRequest get;
  get.set_name("organizations/hq/members/imp-0005");
  v1::Member m;
  EXPECT_EQ(stub_->GetMember(Context().get(), get, &m).error_code(), grpc::StatusCode::NOT_FOUND);
}

// A chunk commits as one write. Two rows of one chunk naming the same member id (each with
// identifiers of its own) cannot both be written: the chunk falls back to row-by-row commits:
// the first row is written, the second is reported as taken (as before the bulk path), and
// the rest of the chunk is written as usual.
TEST_F(RecordsImportTest, TwoRowsOfOneChunkNamingOneMemberCommitTheFirstAndReportTheSecond) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
  std::vector<v1::ImportMemberRow> rows;
  for (int i = 0; i < 10; ++i) rows.push_back(Row(i));
  rows[6].set_member_id(rows[2].member_id());
  grpc::Status status;
  v1::ImportMembersResponse response = Import(rows, "import-dup-id", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.committed(), 9);
  ASSERT_EQ(response.errors_size(), 1);
  EXPECT_EQ(response.errors(0).row(), rows[6].row());
  EXPECT_EQ(response.errors(0).reason(), "MEMBER_IDENTIFIER_TAKEN") << response.errors(0).message();
  v1::GetMemberRequest get;
  get.set_name("organizations/hq/members/" + rows[2].member_id());
  v1::Member m;
  ASSERT_TRUE(stub_->GetMember(Context().get(), get, &m).ok());
  EXPECT_EQ(m.full_name(), rows[2].member().full_name());
  v1::ListMembersRequest list;
  list.set_parent("organizations/hq");
  v1::ListMembersResponse members;
  ASSERT_TRUE(stub_->ListMembers(Context().get(), list, &members).ok());
  EXPECT_EQ(members.total_size(), 9);
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

// Writes the header and rows [begin, end) of `rows` on an open import stream.
void SendRows(grpc::ClientWriter<v1::ImportMembersRequest>* writer,
              const std::vector<v1::ImportMemberRow>& rows, int begin, int end) {
  v1::ImportMembersRequest message;
  for (int i = begin; i < end; ++i) {
    *message.mutable_row() = rows[i];
    ASSERT_TRUE(writer->Write(message)) << "row " << i;
  }
}

class RecordsImportCancelTest : public RecordsImportTest {
 protected:
  static constexpr int kChunk = 100;  // RecordsServiceOptions::import_chunk_rows

  void SetUp() override {
    RecordsImportTest::SetUp();
    CreateOrganization();
    CreateCell("a", "Chi bộ Văn phòng");
    CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
    for (int i = 0; i < 350; ++i) rows_.push_back(Row(i));
  }

  int MemberCount() {
    v1::ListMembersRequest list;
    list.set_parent("organizations/hq");
    list.set_page_size(1);
    v1::ListMembersResponse members;
    EXPECT_TRUE(stub_->ListMembers(Context().get(), list, &members).ok());
    return members.total_size();
  }

  // Polls until `n` members are stored (the chunks sent so far are durable).
  void AwaitMembers(int n) {
    for (int attempt = 0; attempt < 500 && MemberCount() < n; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(MemberCount(), n);
  }

  // The audit entry of the stopped import (written after the call ends).
  v1::AuditEvent AwaitStopReport() {
    v1::ListAuditEventsRequest audit;
    audit.set_filter("method = \"ImportMembers\" AND result = FAILED");
    v1::ListAuditEventsResponse events;
    for (int attempt = 0; attempt < 500 && events.audit_events_size() == 0; ++attempt) {
      EXPECT_TRUE(stub_->ListAuditEvents(Context().get(), audit, &events).ok());
      if (events.audit_events_size() == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    EXPECT_EQ(events.audit_events_size(), 1);
    return events.audit_events_size() > 0 ? events.audit_events(0) : v1::AuditEvent();
  }

  // Checks the stored state: exactly rows_[0, n) are members, each complete — the member,
  // its unique and list index entries, one CREATED change event and one SUCCEEDED audit
  // entry — and nothing of the other rows is anywhere.
  void ExpectExactlyTheFirstRowsStored(int n) {
    RecordsDb* db = server_->db();
    std::set<std::string> stored;
    std::unique_ptr<rocksdb::Iterator> it =
        db->store()->NewIterator(db->cf(keys::kMembers), nullptr);
    for (it->SeekToFirst(); it->Valid(); it->Next()) stored.insert(it->key().ToString());
    std::map<std::string, int> created, audited;
    it = db->store()->NewIterator(db->cf(keys::kChanges), nullptr);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      v1::ChangeEvent e;
      ASSERT_TRUE(e.ParseFromString(it->value().ToString()));
      if (e.resource_type() == v1::ChangeEvent::MEMBER) ++created[e.resource_name()];
    }
    it = db->store()->NewIterator(db->cf(keys::kAudit), nullptr);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      v1::AuditEvent e;
      ASSERT_TRUE(e.ParseFromString(it->value().ToString()));
      if (e.method() == "ImportMembers" && e.result() == v1::AuditEvent::SUCCEEDED) {
        ++audited[e.resource_name()];
      }
    }
    for (int i = 0; i < static_cast<int>(rows_.size()); ++i) {
      const v1::ImportMemberRow& row = rows_[i];
      const std::string name = absl::StrCat("organizations/hq/members/", row.member_id());
      const bool want = i < n;
      SCOPED_TRACE(absl::StrCat("row ", row.row(), want ? " (committed)" : " (not committed)"));
      EXPECT_EQ(stored.count(keys::MemberKey("hq", row.member_id())), want ? 1u : 0u);
      absl::StatusOr<std::string> holder = db->store()->Get(
          db->cf(keys::kIndex),
          keys::UniqueKey(keys::Index::kUniqueNationalId, row.member().national_id()));
      EXPECT_EQ(holder.ok(), want);
      if (holder.ok()) {
        EXPECT_EQ(*holder, name);
      }
      EXPECT_EQ(created[name], want ? 1 : 0);
      EXPECT_EQ(audited[name], want ? 1 : 0);
    }
    EXPECT_EQ(stored.size(), static_cast<size_t>(n));
    v1::ListMembersRequest list;  // the cell index agrees
    list.set_parent("organizations/hq");
    list.set_filter("cell = \"organizations/hq/cells/a\"");
    v1::ListMembersResponse members;
    ASSERT_TRUE(stub_->ListMembers(Context().get(), list, &members).ok());
    EXPECT_EQ(members.total_size(), n / 2);
  }

  std::vector<v1::ImportMemberRow> rows_;
};

TEST_F(RecordsImportCancelTest, ACancelledImportKeepsWholeChunksAndReportsHowFarItGot) {
  auto context = Context("importer");
  v1::ImportMembersResponse response;
  auto writer = stub_->ImportMembers(context.get(), &response);
  v1::ImportMembersRequest header;
  header.mutable_header()->set_parent("organizations/hq");
  header.mutable_header()->set_request_id("import-cancelled");
  ASSERT_TRUE(writer->Write(header));
  SendRows(writer.get(), rows_, 0, 2 * kChunk);  // two whole chunks
  AwaitMembers(2 * kChunk);
  SendRows(writer.get(), rows_, 2 * kChunk, 2 * kChunk + 60);   // and part of a third
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the server read them
  context->TryCancel();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);

  const v1::AuditEvent report = AwaitStopReport();
  EXPECT_EQ(report.status_code(), static_cast<int>(absl::StatusCode::kCancelled));
  EXPECT_EQ(report.principal(), "importer");
  EXPECT_EQ(report.request_id(), "import-cancelled");
  EXPECT_EQ(report.resource_name(), "organizations/hq");
  EXPECT_NE(report.summary().find("200 rows committed by this call (last committed row 201)"),
            std::string::npos)
      << report.summary();
  EXPECT_NE(report.summary().find("60 rows received after the last committed chunk not written"),
            std::string::npos)
      << report.summary();
  ExpectExactlyTheFirstRowsStored(2 * kChunk);

  // What the report says is what a resent import skips.
  grpc::Status status;
  v1::ImportMembersResponse resumed = Import(rows_, "import-cancelled", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(resumed.already_committed(), 2 * kChunk);
  EXPECT_EQ(resumed.committed(), 350 - 2 * kChunk);
  ExpectExactlyTheFirstRowsStored(350);
}

TEST_F(RecordsImportCancelTest, AnImportPastItsDeadlineStopsAtAChunkBoundary) {
  auto context = Context("importer");
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  v1::ImportMembersResponse response;
  auto writer = stub_->ImportMembers(context.get(), &response);
  v1::ImportMembersRequest header;
  header.mutable_header()->set_parent("organizations/hq");
  ASSERT_TRUE(writer->Write(header));
  SendRows(writer.get(), rows_, 0, kChunk + 30);
  AwaitMembers(kChunk);
  // The stream stays open (no WritesDone) until the deadline passes.
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  const v1::AuditEvent report = AwaitStopReport();
  EXPECT_EQ(report.status_code(), static_cast<int>(absl::StatusCode::kDeadlineExceeded));
  EXPECT_NE(report.summary().find("deadline exceeded"), std::string::npos) << report.summary();
  EXPECT_NE(report.summary().find("100 rows committed by this call (last committed row 101)"),
            std::string::npos)
      << report.summary();
  ExpectExactlyTheFirstRowsStored(kChunk);
}

// Every event of a filter, page by page (pages may be short before the end).
std::vector<v1::AuditEvent> ListAllAuditEvents(v1::RecordsService::Stub* stub,
                                               v1::ListAuditEventsRequest request) {
  std::vector<v1::AuditEvent> all;
  do {
    v1::ListAuditEventsResponse page;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status s = stub->ListAuditEvents(&context, request, &page);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    for (const auto& e : page.audit_events()) all.push_back(e);
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

TEST_F(RecordsImportTest, AuditPagesSeekToTheirPlaceAndTimeBoundsSelectAContiguousRange) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
  std::vector<v1::ImportMemberRow> rows;
  for (int i = 0; i < 300; ++i) rows.push_back(Row(i));
  grpc::Status status;
  ASSERT_EQ(Import(rows, "", &status).committed(), 300);

  v1::ListAuditEventsRequest request;
  request.set_page_size(7);
  request.set_filter("method = \"ImportMembers\"");
  const std::vector<v1::AuditEvent> asc = ListAllAuditEvents(stub_.get(), request);
  ASSERT_EQ(asc.size(), 300u);
  for (size_t i = 1; i < asc.size(); ++i) ASSERT_LT(asc[i - 1].sequence(), asc[i].sequence());
  request.set_order_by("sequence desc");
  const std::vector<v1::AuditEvent> desc = ListAllAuditEvents(stub_.get(), request);
  ASSERT_EQ(desc.size(), 300u);
  for (size_t i = 0; i < desc.size(); ++i) EXPECT_EQ(desc[i].sequence(), asc[299 - i].sequence());

  // Unfiltered, total_size is exact: the three creations and the 300 rows.
  v1::ListAuditEventsRequest all;
  v1::ListAuditEventsResponse page;
  ASSERT_TRUE(stub_->ListAuditEvents(Context().get(), all, &page).ok());
  EXPECT_EQ(page.total_size(), 303);

  // Time bounds: the events committed between two events' times, in both orders.
  const auto time = [](const google::protobuf::Timestamp& t) {
    return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  };
  const absl::Time lower = time(asc[100].time()), upper = time(asc[200].time());
  const std::string from = absl::FormatTime(absl::RFC3339_full, lower, absl::UTCTimeZone());
  const std::string to = absl::FormatTime(absl::RFC3339_full, upper, absl::UTCTimeZone());
  std::vector<uint64_t> expected;
  for (const auto& e : asc) {
    if (time(e.time()) >= lower && time(e.time()) <= upper) expected.push_back(e.sequence());
  }
  ASSERT_GE(expected.size(), 101u);
  for (const char* order : {"", "sequence desc"}) {
    request.set_order_by(order);
    request.set_filter(absl::StrCat("method = \"ImportMembers\" AND time >= \"", from,
                                    "\" AND time <= \"", to, "\""));
    std::vector<uint64_t> got;
    for (const auto& e : ListAllAuditEvents(stub_.get(), request)) got.push_back(e.sequence());
    if (std::string(order).empty()) {
      EXPECT_EQ(got, expected);
    } else {
      EXPECT_EQ(got, std::vector<uint64_t>(expected.rbegin(), expected.rend()));
    }
  }
}

TEST_F(RecordsImportTest, ExportPagesThroughAListLongerThanAPageInOrder) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
  std::vector<v1::ImportMemberRow> rows;
  for (int i = 0; i < 700; ++i) rows.push_back(Row(i));
  grpc::Status status;
  ASSERT_EQ(Import(rows, "", &status).committed(), 700);
  // The list's order, page by page.
  std::vector<std::string> listed;
  v1::ListMembersRequest list;
  list.set_parent("organizations/hq");
  list.set_page_size(1000);
  list.set_order_by("admission_date desc");
  do {
    v1::ListMembersResponse page;
    ASSERT_TRUE(stub_->ListMembers(Context().get(), list, &page).ok());
    for (const auto& m : page.members()) listed.push_back(m.name());
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  ASSERT_EQ(listed.size(), 700u);

  v1::ExportMembersRequest req;
  req.set_parent("organizations/hq");
  req.set_order_by("admission_date desc");
  req.set_purpose("Báo cáo thống kê đảng viên năm 2024");
  auto context = Context();
  auto reader = stub_->ExportMembers(context.get(), req);
  std::vector<std::string> exported;
  v1::Member m;
  while (reader->Read(&m)) exported.push_back(m.name());
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(exported, listed);
}

}  // namespace
}  // namespace records::testing
