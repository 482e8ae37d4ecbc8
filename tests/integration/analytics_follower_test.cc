// analytics' records follower against a fake records change stream on loopback: events are
// applied once; a follower restarted mid-stream ends with exactly the statistics of one that
// never stopped; records stopping and restarting is survived by reconnecting on its own; an
// OUT_OF_RANGE resume point triggers a rebuild from a full listing; a large backlog applied
// in batches counts every resource once.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/analytics_fake_records.h"
#include "tests/integration/analytics_support.h"
#include "tests/support/process.h"

namespace analytics_testing {
namespace {

using ::dangbo::records::v1::Cell;
using ::dangbo::records::v1::LifecycleEvent;
using ::dangbo::records::v1::Member;
using testing_support::TempDir;

constexpr char kOrg[] = "organizations/hq-long-an";

void SetDate(google::type::Date* d, int y, int m, int day) {
  d->set_year(y);
  d->set_month(m);
  d->set_day(day);
}

// A member's record as records would send it: history appended event by event.
class MemberBuilder {
 public:
  explicit MemberBuilder(const std::string& id) {
    member_.set_name(std::string(kOrg) + "/members/" + id);
    member_.set_full_name("Nguyễn Văn " + id);
  }
  MemberBuilder& Event(LifecycleEvent::Kind kind, int y, int m, int d, Member::State after) {
    LifecycleEvent* e = member_.add_history();
    e->set_event_id("e" + std::to_string(member_.history_size()));
    e->set_kind(kind);
    SetDate(e->mutable_effective_date(), y, m, d);
    e->set_state_after(after);
    member_.set_state(after);
    return *this;
  }
  const Member& member() const { return member_; }

 private:
  Member member_;
};

Cell MakeCell(const std::string& id, int established) {
  Cell c;
  c.set_name(std::string(kOrg) + "/cells/" + id);
  c.set_display_name("Chi bộ " + id);
  SetDate(c.mutable_established_date(), established, 1, 10);
  c.set_state(Cell::ACTIVE);
  return c;
}

// Scripted history of an organization: the first half and the second half of its log.
void FirstHalf(FakeRecords& records) {
  records.Put(
      Organization("hq-long-an", "Đảng bộ Cục Hải quan Long An", "Đồng bằng sông Cửu Long"));
  records.Put(MakeCell("nghiep-vu", 2015));
  records.Put(MakeCell("van-phong", 2016));
  MemberBuilder a("a"), b("b"), c("c");
  records.Put(a.Event(LifecycleEvent::ADMITTED, 2019, 3, 1, Member::PROBATIONARY).member());
  records.Put(b.Event(LifecycleEvent::ADMITTED, 2018, 5, 2, Member::PROBATIONARY).member());
  records.Put(b.Event(LifecycleEvent::RECOGNIZED_FULL, 2019, 5, 2, Member::FULL).member());
  records.Put(c.Event(LifecycleEvent::TRANSFERRED_IN, 2017, 6, 1, Member::FULL).member());
}

void SecondHalf(FakeRecords& records) {
  MemberBuilder a("a"), c("c"), d("d");
  a.Event(LifecycleEvent::ADMITTED, 2019, 3, 1, Member::PROBATIONARY);
  records.Put(a.Event(LifecycleEvent::RECOGNIZED_FULL, 2020, 3, 1, Member::FULL).member());
  c.Event(LifecycleEvent::TRANSFERRED_IN, 2017, 6, 1, Member::FULL);
  records.Put(
      c.Event(LifecycleEvent::TRANSFERRED_OUT, 2020, 9, 1, Member::TRANSFERRED_OUT).member());
  records.Put(d.Event(LifecycleEvent::ADMITTED, 2020, 4, 4, Member::PROBATIONARY).member());
  records.Put(d.Event(LifecycleEvent::REMOVED, 2020, 12, 1, Member::REMOVED).member());
  Cell closed = MakeCell("van-phong", 2016);
  closed.set_state(Cell::DISSOLVED);
  SetDate(closed.mutable_end_date(), 2020, 6, 30);
  records.Put(closed);
}

v1::PartyStatistics Stats(analytics::AnalyticsServer& server, int year) {
  v1::GetPartyStatisticsRequest request;
  request.set_organization(kOrg);
  request.set_year(year);
  v1::PartyStatistics stats;
  grpc::Status s = Connect(server.port())->GetPartyStatistics(Context().get(), request, &stats);
  EXPECT_TRUE(s.ok()) << s.error_message();
  stats.clear_freshness();
  return stats;
}

bool CaughtUp(analytics::AnalyticsServer& server, const FakeRecords& records) {
  const v1::Freshness f = server.follower().GetFreshness();
  return f.last_applied_sequence() == records.head() && f.state() == v1::Freshness::CURRENT;
}

std::string AllYears(analytics::AnalyticsServer& server) {
  std::string out;
  for (int year = 2015; year <= 2021; ++year) out += Stats(server, year).ShortDebugString() + "\n";
  return out;
}

TEST(AnalyticsFollowerTest, AppliesEachEventOnceIntoYearlyStatistics) {
  FakeRecords records;
  records.Start();
  FirstHalf(records);
  SecondHalf(records);
  TempDir dir;
  auto server = StartAnalytics(dir.Sub("db"), records.target());
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*server, records); }));

  v1::PartyStatistics y2019 = Stats(*server, 2019);
  EXPECT_EQ(y2019.admissions(), 1);
  EXPECT_EQ(y2019.recognitions(), 1);
  EXPECT_EQ(y2019.members_probationary(), 1);  // a
  EXPECT_EQ(y2019.members_full(), 2);          // b, c
  EXPECT_EQ(y2019.members_total(), 3);
  EXPECT_EQ(y2019.cells(), 2);
  EXPECT_EQ(y2019.as_of().month(), 12);

  v1::PartyStatistics y2020 = Stats(*server, 2020);
  EXPECT_EQ(y2020.admissions(), 1);     // d
  EXPECT_EQ(y2020.recognitions(), 1);   // a
  EXPECT_EQ(y2020.transfers_out(), 1);  // c
  EXPECT_EQ(y2020.removals().removed(), 1);
  EXPECT_EQ(y2020.removals().total(), 1);
  EXPECT_EQ(y2020.members_full(), 2);  // a, b
  EXPECT_EQ(y2020.members_probationary(), 0);
  EXPECT_EQ(y2020.cells(), 1);  // van-phong dissolved on 30/06/2020
  EXPECT_EQ(Stats(*server, 2017).transfers_in(), 1);

  // The same resource sent again (e.g. a re-delivered event) changes nothing.
  const std::string before = AllYears(*server);
  MemberBuilder d("d");
  d.Event(LifecycleEvent::ADMITTED, 2020, 4, 4, Member::PROBATIONARY);
  records.Put(d.Event(LifecycleEvent::REMOVED, 2020, 12, 1, Member::REMOVED).member());
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*server, records); }));
  EXPECT_EQ(AllYears(*server), before);
}

// The backlog is applied many events per write: a member changed twice inside one batch,
// or once in one batch and again in a later one, still counts once, in the right years.
TEST(AnalyticsFollowerTest, ALargeBacklogAppliedInBatchesCountsEachResourceOnce) {
  constexpr int kRecognized = 3000;  // admitted in a first pass, recognized in a second one
  constexpr int kRemoved = 200;      // admitted and removed back to back
  FakeRecords records;
  records.Start();
  records.Put(
      Organization("hq-long-an", "Đảng bộ Cục Hải quan Long An", "Đồng bằng sông Cửu Long"));
  std::vector<MemberBuilder> members;
  for (int i = 0; i < kRecognized; ++i) {
    members.emplace_back("m" + std::to_string(i));
    records.Put(
        members.back().Event(LifecycleEvent::ADMITTED, 2019, 3, 1, Member::PROBATIONARY).member());
  }
  for (int i = 0; i < kRemoved; ++i) {
    MemberBuilder r("r" + std::to_string(i));
    records.Put(r.Event(LifecycleEvent::ADMITTED, 2020, 4, 4, Member::PROBATIONARY).member());
    records.Put(r.Event(LifecycleEvent::REMOVED, 2020, 12, 1, Member::REMOVED).member());
  }
  for (MemberBuilder& m : members) {
    records.Put(m.Event(LifecycleEvent::RECOGNIZED_FULL, 2020, 3, 1, Member::FULL).member());
  }
  TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  auto server = StartAnalytics(dir.Sub("db"), records.target());
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*server, records); }, std::chrono::seconds(60)));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("follower: %llu events caught up in %.2f s\n",
              static_cast<unsigned long long>(records.head()), seconds);

  v1::PartyStatistics y2019 = Stats(*server, 2019);
  EXPECT_EQ(y2019.admissions(), kRecognized);
  EXPECT_EQ(y2019.members_probationary(), kRecognized);
  EXPECT_EQ(y2019.members_total(), kRecognized);
  v1::PartyStatistics y2020 = Stats(*server, 2020);
  EXPECT_EQ(y2020.admissions(), kRemoved);
  EXPECT_EQ(y2020.recognitions(), kRecognized);
  EXPECT_EQ(y2020.members_full(), kRecognized);
  EXPECT_EQ(y2020.members_probationary(), 0);
  EXPECT_EQ(y2020.removals().removed(), kRemoved);
  EXPECT_EQ(y2020.members_total(), kRecognized);
}

TEST(AnalyticsFollowerTest, RestartMidStreamEndsWithTheSameStatisticsAsNeverStopping) {
  FakeRecords records;
  records.Start();
  FirstHalf(records);
  TempDir restarted_dir, steady_dir;
  auto restarted = StartAnalytics(restarted_dir.Sub("db"), records.target());
  auto steady = StartAnalytics(steady_dir.Sub("db"), records.target());
  ASSERT_NE(restarted, nullptr);
  ASSERT_NE(steady, nullptr);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*restarted, records); }));
  const uint64_t stopped_at = restarted->follower().GetFreshness().last_applied_sequence();
  restarted->Shutdown();
  restarted.reset();

  SecondHalf(records);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*steady, records); }));
  // Records is away while the restarted server opens, so that what it holds is read before
  // its follower can apply anything (else the check below races the follower's thread).
  records.Stop();
  restarted = StartAnalytics(restarted_dir.Sub("db"), records.target());
  ASSERT_NE(restarted, nullptr);
  // It resumes from where it stopped (no relist) and catches up.
  EXPECT_EQ(restarted->follower().GetFreshness().last_applied_sequence(), stopped_at);
  records.Restart();
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*restarted, records); }));
  EXPECT_EQ(restarted->follower().Status().rebuilds(), 0);
  EXPECT_EQ(AllYears(*restarted), AllYears(*steady));
}

TEST(AnalyticsFollowerTest, ReconnectsByItselfWhenRecordsComesBack) {
  FakeRecords records;
  records.Start();
  FirstHalf(records);
  TempDir dir;
  auto server = StartAnalytics(dir.Sub("db"), records.target());
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*server, records); }));

  records.Stop();
  ASSERT_TRUE(WaitFor(
      [&] { return server->follower().GetFreshness().state() == v1::Freshness::DISCONNECTED; }));
  // Still answering from what it has, saying it is not following.
  EXPECT_EQ(Stats(*server, 2019).members_total(), 3);
  v1::GetFollowerStatusResponse status;
  ASSERT_TRUE(Connect(server->port())
                  ->GetFollowerStatus(Context().get(), v1::GetFollowerStatusRequest(), &status)
                  .ok());
  EXPECT_FALSE(status.freshness().following());
  EXPECT_GE(status.reconnects(), 1);
  EXPECT_FALSE(status.last_error().empty());
  EXPECT_EQ(status.records_target(), records.target());

  SecondHalf(records);  // committed while analytics could not see it
  records.Restart();
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*server, records); }));
  EXPECT_TRUE(server->follower().GetFreshness().following());
  EXPECT_EQ(Stats(*server, 2020).transfers_out(), 1);
  EXPECT_EQ(Stats(*server, 2020).members_full(), 2);
}

TEST(AnalyticsFollowerTest, OutOfRangeTriggersARebuildFromAFullListing) {
  FakeRecords records;
  records.Start();
  FirstHalf(records);
  TempDir dir;
  auto server = StartAnalytics(dir.Sub("db"), records.target());
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*server, records); }));
  server->Shutdown();
  server.reset();

  // While analytics is down, records moves on, trims its log past analytics' resume point
  // and is restored from a backup (a new log id).
  SecondHalf(records);
  records.Trim(records.head() - 1);
  records.SetLogId("log-2");
  server = StartAnalytics(dir.Sub("db"), records.target());
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*server, records); }));
  EXPECT_EQ(server->follower().Status().rebuilds(), 1);
  EXPECT_GE(records.list_calls(), 1);
  EXPECT_EQ(server->follower().GetFreshness().log_id(), "log-2");

  // Identical to a follower that saw every event.
  FakeRecords full;
  full.Start();
  FirstHalf(full);
  SecondHalf(full);
  TempDir other;
  auto reference = StartAnalytics(other.Sub("db"), full.target());
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*reference, full); }));
  EXPECT_EQ(AllYears(*server), AllYears(*reference));
}

TEST(AnalyticsFollowerTest, NewFollowerOfATrimmedLogRelists) {
  FakeRecords records;
  records.Start();
  FirstHalf(records);
  records.Trim(3);
  TempDir dir;
  auto server = StartAnalytics(dir.Sub("db"), records.target());
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(*server, records); }));
  EXPECT_EQ(server->follower().Status().rebuilds(), 1);
  EXPECT_EQ(Stats(*server, 2019).members_total(), 3);
}

}  // namespace
}  // namespace analytics_testing
