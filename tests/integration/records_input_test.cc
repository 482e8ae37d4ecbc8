// Input a careless or hostile client sends to records, one case per defect found by trying it
// as an attacker would (the hostile_input_test walks every RPC of both services with the same
// kinds of input): errors that echoed their input whole, control and bidi characters stored,
// invalid UTF-8 answered UNIMPLEMENTED with no message, page tokens accepted by another
// method.
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

class RecordsInputTest : public RecordsFixture {
 protected:
  void SetUp() override {
    RecordsFixture::SetUp();
    CreateOrganization("hq");
    CreateCell("c1", "Chi bộ Nghiệp vụ");
    CreateCell("c2", "Chi bộ Kiểm soát");
    Admit(1, "c1", "Nguyễn Văn An");
    Admit(2, "c1", "Trần Thị Bình");
  }

  uint64_t Head() {
    v1::GetChangeLogStateResponse state;
    EXPECT_TRUE(stub_->GetChangeLogState(Context().get(), {}, &state).ok());
    return state.last_sequence();
  }

  // Violations of a failed call's BadRequest.
  static std::vector<std::pair<std::string, std::string>> Violations(const grpc::Status& s) {
    return common::FieldViolationsOf(common::FromGrpcStatus(s));
  }
};

// A 64 KB order_by came back whole in the message and in the BadRequest: grpc-js then waited
// for its deadline (trailers over its 8 KiB header limit).
TEST_F(RecordsInputTest, AnErrorDoesNotEchoAHugeInput) {
  v1::ListMembersRequest request;
  request.set_parent("organizations/hq");
  request.set_order_by(std::string(64 * 1024 - 100, 'z'));
  v1::ListMembersResponse response;
  grpc::Status s = stub_->ListMembers(Context().get(), request, &response);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(s.error_message().size(), 512u);
  EXPECT_LE(s.error_details().size(), 2048u);
  EXPECT_LE(s.error_message().size() + s.error_details().size(), 4096u);
  ASSERT_FALSE(Violations(s).empty());
  EXPECT_EQ(Violations(s)[0].first, "order_by");
}

// NUL, ESC ("\u001b[2J") and U+202E were stored in full_name, position and decision fields.
TEST_F(RecordsInputTest, ControlAndBidiCharactersAreRefusedNamingTheField) {
  const uint64_t head = Head();
  const std::vector<std::string> bad = {std::string("Nguy\0n Văn C", 13), "\x1b[2JNguyễn Văn C",
                                        "Nguyễn \xE2\x80\xAE" "C nav"};
  int n = 10;
  for (const std::string& text : bad) {
    v1::AdmitMemberRequest name = AdmitRequest(++n, "c1", text);
    v1::Member member;
    grpc::Status s = stub_->AdmitMember(Context().get(), name, &member);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    ASSERT_FALSE(Violations(s).empty()) << s.error_message();
    EXPECT_EQ(Violations(s)[0].first, "member.full_name");

    v1::AdmitMemberRequest position = AdmitRequest(++n, "c1", "Lê Văn Cường");
    position.mutable_member()->set_position(text);
    s = stub_->AdmitMember(Context().get(), position, &member);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    ASSERT_FALSE(Violations(s).empty());
    EXPECT_EQ(Violations(s)[0].first, "member.position");

    v1::AdmitMemberRequest decision = AdmitRequest(++n, "c1", "Lê Văn Cường");
    decision.mutable_decision()->set_number(text);
    s = stub_->AdmitMember(Context().get(), decision, &member);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    ASSERT_FALSE(Violations(s).empty());
    EXPECT_EQ(Violations(s)[0].first, "decision.number");
  }
  EXPECT_EQ(Head(), head) << "nothing was written";
}

// Invalid UTF-8 in a string field answered UNIMPLEMENTED with an empty message.
TEST_F(RecordsInputTest, InvalidUtf8IsInvalidArgumentNamingTheField) {
  const uint64_t head = Head();
  v1::AdmitMemberRequest request = AdmitRequest(20, "c1", "Nguyễn Văn Đức");
  request.mutable_member()->set_full_name("Nguy\xff\xfe");
  const std::string bytes = request.SerializeAsString();  // a careless client's library sends it
  grpc::Slice slice(bytes);
  grpc::ByteBuffer in(&slice, 1), out;
  grpc::GenericStub generic(channel_);
  std::unique_ptr<grpc::ClientContext> context = Context();
  std::promise<grpc::Status> done;
  generic.UnaryCall(context.get(), "/dangbo.records.v1.RecordsService/AdmitMember",
                    grpc::StubOptions(), &in, &out,
                    [&](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status s = done.get_future().get();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_FALSE(s.error_message().empty());
  EXPECT_EQ(ReasonOf(s), "REQUEST_NOT_PARSED");
  ASSERT_FALSE(Violations(s).empty());
  EXPECT_EQ(Violations(s)[0].first, "member.full_name");
  EXPECT_EQ(Head(), head);
}

// In ImportMembers, a row that did not parse ended the reads like the end of the stream: the
// rows before it were committed and the import reported success.
TEST_F(RecordsInputTest, AnImportRowThatDoesNotParseFailsTheImport) {
  const uint64_t head = Head();
  auto row = [](int n, const std::string& full_name) {
    v1::ImportMembersRequest message;
    v1::ImportMemberRow* r = message.mutable_row();
    r->set_row(n + 1);
    r->set_member_id(absl::StrCat("imp-", n));
    r->set_cell("organizations/hq/cells/c1");
    v1::Member* m = r->mutable_member();
    m->set_full_name(full_name);
    m->set_gender(v1::Member::FEMALE);
    *m->mutable_birth_date() = Day(1990, 2, 3);
    m->set_national_id(absl::StrFormat("0801900%05d", n));
    *r->mutable_admission_decision() = Decision(absl::StrCat(n, "-QĐ/ĐU"), Day(2015, 3, 1));
    *r->mutable_party_entry_date() = Day(2015, 3, 10);
    return message;
  };
  auto context = Context();
  v1::ImportMembersResponse response;
  auto writer = stub_->ImportMembers(context.get(), &response);
  v1::ImportMembersRequest header;
  header.mutable_header()->set_parent("organizations/hq");
  ASSERT_TRUE(writer->Write(header));
  ASSERT_TRUE(writer->Write(row(1, "Võ Thị Hoa")));
  writer->Write(row(2, "V\xf5 Th\xef Lan"));  // Windows-1258 bytes, not UTF-8
  writer->WritesDone();
  const grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(ReasonOf(s), "REQUEST_NOT_PARSED");
  ASSERT_FALSE(Violations(s).empty());
  EXPECT_EQ(Violations(s)[0].first, "row.member.full_name");
  EXPECT_EQ(Head(), head) << "the row before it was not committed";
}

// A ListMembers next_page_token sent to ListCells or ListInspectionPlans was accepted and the
// listing silently restarted at the first item.
TEST_F(RecordsInputTest, APageTokenWorksOnlyForTheMethodThatIssuedIt) {
  v1::ListMembersRequest members;
  members.set_parent("organizations/hq");
  members.set_page_size(1);
  v1::ListMembersResponse page;
  ASSERT_TRUE(stub_->ListMembers(Context().get(), members, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());

  v1::ListCellsRequest cells;
  cells.set_parent("organizations/hq");
  cells.set_page_token(page.next_page_token());
  v1::ListCellsResponse cell_page;
  grpc::Status s = stub_->ListCells(Context().get(), cells, &cell_page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_FALSE(Violations(s).empty());
  EXPECT_EQ(Violations(s)[0].first, "page_token");

  v1::ListInspectionPlansRequest plans;
  plans.set_parent("organizations/hq");
  plans.set_page_token(page.next_page_token());
  v1::ListInspectionPlansResponse plan_page;
  s = stub_->ListInspectionPlans(Context().get(), plans, &plan_page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_FALSE(Violations(s).empty());
  EXPECT_EQ(Violations(s)[0].first, "page_token");

  // Its own method still takes it.
  members.set_page_token(page.next_page_token());
  v1::ListMembersResponse next;
  EXPECT_TRUE(stub_->ListMembers(Context().get(), members, &next).ok());
  ASSERT_EQ(next.members_size(), 1);
  EXPECT_NE(next.members(0).name(), page.members(0).name());
}

}  // namespace
}  // namespace records::testing
