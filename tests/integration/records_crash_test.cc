// Nothing acknowledged is ever lost: writers admit and recognize members through the real
// records server while it is killed with SIGKILL at a random moment, five times in a row,
// and restarted on the same data directory. After each restart every acknowledged write is
// there with its acknowledged etag, the change log has no gaps, and the member list (an
// index) holds exactly the members the change log created.
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace {

namespace rv1 = ::dangbo::records::v1;
using testing_support::FreePort;
using testing_support::ServerProcess;
using testing_support::TempDir;

constexpr int kWriters = 8;
constexpr int kCycles = 5;

google::type::Date Day(int y, int m, int d) {
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

std::unique_ptr<grpc::ClientContext> Context(int seconds = 10) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  c->AddMetadata("x-dangbo-principal", "crash-test");
  return c;
}

struct Acked {
  std::string etag;
  bool in_flight = false;  // a later write was under way at the kill: either state is fine
};

class RecordsCrashTest : public ::testing::Test {
 protected:
  void Start() {
    auto records = ServerProcess::Start(
        RECORDS_SERVER_BINARY, {"--data_dir=" + dir_.Sub("records"), "--metrics_port=0",
                                "--port=" + std::to_string(port_), "--sync_writes=true"});
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = std::move(*records);
    stub_ = rv1::RecordsService::NewStub(
        grpc::CreateChannel(records_->address(), grpc::InsecureChannelCredentials()));
  }

  void CreateOrganizationAndCell() {
    rv1::CreateOrganizationRequest org;
    org.set_organization_id("hq");
    org.mutable_organization()->set_code("HQ");
    org.mutable_organization()->set_display_name("Đảng bộ Cục Hải quan Long An");
    *org.mutable_organization()->mutable_valid_from() = Day(2005, 1, 1);
    rv1::Organization o;
    ASSERT_TRUE(stub_->CreateOrganization(Context().get(), org, &o).ok());
    rv1::CreateCellRequest cell;
    cell.set_parent("organizations/hq");
    cell.set_cell_id("c1");
    cell.mutable_cell()->set_display_name("Chi bộ 1");
    *cell.mutable_cell()->mutable_established_date() = Day(2005, 3, 1);
    rv1::Cell c;
    ASSERT_TRUE(stub_->CreateCell(Context().get(), cell, &c).ok());
  }

  // One writer: admit members and recognize each, recording every acknowledged etag, until
  // a call fails (the server is gone).
  void Writer(int cycle, int writer) {
    for (int i = 0;; ++i) {
      const int n = (cycle * kWriters + writer) * 10000 + i;
      const std::string id = absl::StrFormat("m-%07d", n);
      rv1::AdmitMemberRequest admit;
      admit.set_parent("organizations/hq");
      admit.set_member_id(id);
      admit.set_cell("organizations/hq/cells/c1");
      admit.mutable_member()->set_full_name(absl::StrFormat("Trần Văn Số%d", n));
      admit.mutable_member()->set_gender(rv1::Member::MALE);
      *admit.mutable_member()->mutable_birth_date() = Day(1980, 1, 15);
      admit.mutable_member()->set_national_id(absl::StrFormat("080080%06d", n % 1000000));
      admit.mutable_member()->set_party_card_number(absl::StrFormat("%08d", 30000000 + n));
      admit.mutable_decision()->set_number(absl::StrFormat("%d-QĐ/ĐU", n));
      *admit.mutable_decision()->mutable_date() = Day(2010, 5, 10);
      admit.mutable_decision()->set_issuing_body("Đảng ủy");
      *admit.mutable_ceremony_date() = Day(2010, 5, 19);
      rv1::Member member;
      const std::string name = "organizations/hq/members/" + id;
      if (!stub_->AdmitMember(Context().get(), admit, &member).ok()) {
        return;  // not acknowledged: may or may not exist
      }
      Record(name, member.etag(), /*in_flight=*/true);
      rv1::RecognizeFullMemberRequest recognize;
      recognize.set_name(name);
      recognize.mutable_decision()->set_number(absl::StrFormat("%d-CT/ĐU", n));
      *recognize.mutable_decision()->mutable_date() = Day(2011, 6, 1);
      recognize.mutable_decision()->set_issuing_body("Đảng ủy");
      if (!stub_->RecognizeFullMember(Context().get(), recognize, &member).ok()) {
        return;  // the admission stays acknowledged; the recognition is in flight
      }
      Record(name, member.etag(), /*in_flight=*/false);
    }
  }

  void Record(const std::string& name, const std::string& etag, bool in_flight) {
    std::lock_guard<std::mutex> lock(mu_);
    acked_[name] = Acked{etag, in_flight};
    ++acknowledged_writes_;
  }

  // Verifies everything acknowledged so far; returns the number of writes checked.
  void Verify() {
    for (const auto& [name, acked] : acked_) {
      rv1::GetMemberRequest get;
      get.set_name(name);
      rv1::Member member;
      grpc::Status s = stub_->GetMember(Context().get(), get, &member);
      ASSERT_TRUE(s.ok()) << name << " was acknowledged but is gone: " << s.error_message();
      if (!acked.in_flight) {
        EXPECT_EQ(member.etag(), acked.etag) << name;
      }
    }
    // The change log: sequences 1..head, no gap, no repeat.
    rv1::GetChangeLogStateResponse state;
    ASSERT_TRUE(stub_->GetChangeLogState(Context().get(), {}, &state).ok());
    rv1::WatchChangesRequest watch;
    auto context = Context(60);
    auto reader = stub_->WatchChanges(context.get(), watch);
    rv1::ChangeEvent event;
    uint64_t expected = 1;
    std::set<std::string> created;
    while (expected <= state.last_sequence() && reader->Read(&event)) {
      if (event.heartbeat()) continue;
      ASSERT_EQ(event.sequence(), expected) << "gap or repeat in the change log";
      if (event.resource_type() == rv1::ChangeEvent::MEMBER &&
          event.change_kind() == rv1::ChangeEvent::CREATED) {
        created.insert(event.resource_name());
      }
      ++expected;
    }
    context->TryCancel();
    reader->Finish();
    EXPECT_EQ(expected, state.last_sequence() + 1);
    // The member index lists exactly the members the change log created.
    std::set<std::string> listed;
    rv1::ListMembersRequest list;
    list.set_parent("organizations/hq");
    list.set_page_size(1000);
    do {
      rv1::ListMembersResponse page;
      grpc::Status s = stub_->ListMembers(Context().get(), list, &page);
      ASSERT_TRUE(s.ok()) << s.error_message();
      for (const auto& m : page.members()) listed.insert(m.name());
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());
    EXPECT_EQ(listed, created);
    for (const auto& [name, acked] : acked_) {
      EXPECT_TRUE(listed.count(name)) << name << " is missing from the member list";
    }
  }

  TempDir dir_;
  int port_ = FreePort();
  std::unique_ptr<ServerProcess> records_;
  std::unique_ptr<rv1::RecordsService::Stub> stub_;
  std::mutex mu_;
  std::map<std::string, Acked> acked_;
  int acknowledged_writes_ = 0;
};

TEST_F(RecordsCrashTest, AcknowledgedWritesSurviveRepeatedSigkill) {
  Start();
  ASSERT_NO_FATAL_FAILURE(CreateOrganizationAndCell());
  std::mt19937 random(20261127);
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([this, cycle, w] { Writer(cycle, w); });
    }
    absl::SleepFor(absl::Milliseconds(200 + random() % 600));
    records_->Kill();  // SIGKILL: no flush, no clean shutdown
    for (auto& t : writers) t.join();
    ASSERT_NO_FATAL_FAILURE(Start());
    ASSERT_NO_FATAL_FAILURE(Verify());
  }
  std::printf("crash test: %d acknowledged writes (%zu members) verified across %d SIGKILL "
              "restarts\n",
              acknowledged_writes_, acked_.size(), kCycles);
  EXPECT_GT(acknowledged_writes_, 100);
}

}  // namespace
