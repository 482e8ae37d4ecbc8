// RaftNode (services/records/replication) as records will run it: three members in this
// process, each with its own libuv loop, its log in a temp directory and real TCP on
// loopback. Every wait is bounded by a generous deadline (a loaded 2-core machine stalls
// threads for a while); the only timing asserted is the issue's: a new leader within 5 s
// of the old one's death.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/records/replication/raft_node.h"
#include "tests/support/process.h"

namespace records::replication {
namespace {

using Entry = std::pair<uint64_t, std::string>;

constexpr absl::Duration kWait = absl::Seconds(60);  // a bound on waits, not a timing claim

// Keeps what was applied, in order; snapshots are that list.
class RecordingMachine : public StateMachine {
 public:
  absl::Status Apply(uint64_t index, std::string_view bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!entries_.empty() && index <= entries_.back().first) return absl::OkStatus();
    entries_.emplace_back(index, std::string(bytes));
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Snapshot() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto& [index, bytes] : entries_) {
      absl::StrAppend(&out, index, " ", bytes.size(), " ", bytes);
    }
    ++snapshots_taken_;
    return out;
  }

  absl::Status Restore(std::string_view snapshot) override {
    std::vector<Entry> entries;
    while (!snapshot.empty()) {
      size_t space = snapshot.find(' ');
      uint64_t index = std::stoull(std::string(snapshot.substr(0, space)));
      snapshot.remove_prefix(space + 1);
      space = snapshot.find(' ');
      size_t size = std::stoull(std::string(snapshot.substr(0, space)));
      snapshot.remove_prefix(space + 1);
      entries.emplace_back(index, std::string(snapshot.substr(0, size)));
      snapshot.remove_prefix(size);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!entries_.empty() && !entries.empty() && entries.back().first <= entries_.back().first) {
      return absl::OkStatus();  // already past it
    }
    entries_ = std::move(entries);
    ++restores_;
    return absl::OkStatus();
  }

  std::vector<Entry> entries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_;
  }
  int snapshots_taken() const {
    std::lock_guard<std::mutex> lock(mu_);
    return snapshots_taken_;
  }
  int restores() const {
    std::lock_guard<std::mutex> lock(mu_);
    return restores_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
  int snapshots_taken_ = 0;
  int restores_ = 0;
};

// A port free on 127.0.0.1 below Linux's ephemeral range (32768 and up): a stopped node
// comes back on its port, and there no outgoing connection — of this test's nodes
// reconnecting, or of anything else on the machine — can have taken it meanwhile.
int RaftPort() {
  static std::mt19937 random(std::random_device{}());
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int port = std::uniform_int_distribution<int>(20000, 32000)(random);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free) return port;
  }
  return testing_support::FreePort();
}

// A cluster of `size` voters on loopback; node i (0-based) has id i + 1.
class Cluster {
 public:
  explicit Cluster(int size, unsigned snapshot_threshold = 0) {
    for (int i = 0; i < size; ++i) {
      peers_.push_back({static_cast<uint64_t>(i + 1), absl::StrCat("127.0.0.1:", RaftPort())});
      machines_.push_back(std::make_unique<RecordingMachine>());
      nodes_.emplace_back();
    }
    snapshot_threshold_ = snapshot_threshold;
  }

  absl::Status StartAll() {
    for (size_t i = 0; i < peers_.size(); ++i) {
      if (absl::Status s = Start(i); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  // Starts node i on its directory; a fresh state machine (as after a crash of an in-memory
  // one) when `fresh_machine`.
  absl::Status Start(size_t i, bool fresh_machine = false) {
    if (fresh_machine) machines_[i] = std::make_unique<RecordingMachine>();
    RaftNode::Options o;
    o.id = peers_[i].id;
    o.address = peers_[i].address;
    o.dir = dir_.Sub(absl::StrCat("node", o.id));
    std::filesystem::create_directories(o.dir);
    o.bootstrap = peers_;
    o.state_machine = machines_[i].get();
    o.snapshot_threshold = snapshot_threshold_;
    o.snapshot_trailing = 4;
    auto node = RaftNode::Start(std::move(o));
    if (!node.ok()) return node.status();
    nodes_[i] = std::move(*node);
    return absl::OkStatus();
  }

  void Stop(size_t i) { nodes_[i].reset(); }
  RaftNode* node(size_t i) { return nodes_[i].get(); }
  RecordingMachine* machine(size_t i) { return machines_[i].get(); }
  size_t size() const { return peers_.size(); }

  // The running node every running node agrees leads (same term), once there is one.
  std::optional<size_t> WaitForLeader(absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      std::optional<size_t> leader;
      bool agreed = true;
      uint64_t term = 0;
      for (size_t i = 0; i < size() && agreed; ++i) {
        if (!nodes_[i]) continue;
        absl::StatusOr<NodeState> s = nodes_[i]->State();
        if (!s.ok() || s->leader_id == 0 || (term != 0 && s->term != term)) {
          agreed = false;
          break;
        }
        term = s->term;
        size_t named = s->leader_id - 1;
        if (named >= size() || !nodes_[named] || (leader && *leader != named)) agreed = false;
        leader = named;
      }
      if (agreed && leader) {
        absl::StatusOr<NodeState> s = nodes_[*leader]->State();
        if (s.ok() && s->role == Role::kLeader && s->term == term) return leader;
      }
      absl::SleepFor(absl::Milliseconds(20));  // polling, not a timing assumption
    }
    return std::nullopt;
  }

 private:
  testing_support::TempDir dir_;
  std::vector<Peer> peers_;
  std::vector<std::unique_ptr<RecordingMachine>> machines_;
  std::vector<std::unique_ptr<RaftNode>> nodes_;
  unsigned snapshot_threshold_ = 0;
};

// A started cluster; a port may be taken before libraft binds it, so a cluster that cannot
// start is made again on new ports.
std::unique_ptr<Cluster> StartCluster(int size, unsigned snapshot_threshold = 0) {
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto cluster = std::make_unique<Cluster>(size, snapshot_threshold);
    last = cluster->StartAll();
    if (last.ok()) return cluster;
  }
  ADD_FAILURE() << "cluster did not start: " << last;
  return nullptr;
}

// Proposes payloads `prefix`-0 .. -(count-1) from `threads` threads at once, pipelined, to
// the leader. A proposal that fails because leadership moved (a loaded machine can stall a
// loop past the election timeout) is proposed again to the new leader: after UNKNOWN the
// first copy may commit too, which the callers allow (they check that every payload is
// there and that all nodes agree, not that each is there once). Returns the number of
// payloads that committed; each failure to commit within kWait is a test failure.
int ProposeConcurrently(Cluster* cluster, const std::string& prefix, int count, int threads) {
  std::mutex mu;
  int committed = 0;
  std::vector<std::thread> workers;
  const absl::Time deadline = absl::Now() + kWait;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<std::string> pending;
      for (int i = t; i < count; i += threads) pending.push_back(absl::StrCat(prefix, "-", i));
      std::string last_error;
      while (!pending.empty() && absl::Now() < deadline) {
        std::optional<size_t> leader = cluster->WaitForLeader(deadline - absl::Now());
        if (!leader) break;
        std::vector<std::future<absl::StatusOr<uint64_t>>> futures;
        for (const std::string& payload : pending) {
          futures.push_back(cluster->node(*leader)->Propose(payload));
        }
        std::vector<std::string> again;
        for (size_t i = 0; i < futures.size(); ++i) {
          absl::StatusOr<uint64_t> index =
              futures[i].wait_until(absl::ToChronoTime(deadline)) == std::future_status::ready
                  ? futures[i].get()
                  : absl::DeadlineExceededError("no answer");
          if (index.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            ++committed;
          } else {
            last_error = index.status().ToString();
            again.push_back(pending[i]);
          }
        }
        pending.swap(again);
      }
      std::lock_guard<std::mutex> lock(mu);
      for (const std::string& payload : pending) {
        ADD_FAILURE() << payload << " never committed; last error: " << last_error;
      }
    });
  }
  for (auto& w : workers) w.join();
  return committed;
}

// The first difference between two applied lists, for failure messages.
std::string Diff(const std::vector<Entry>& got, const std::vector<Entry>& want) {
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    if (i >= got.size()) return absl::StrCat("missing from position ", i);
    if (i >= want.size()) return absl::StrCat("extra from position ", i);
    if (got[i] != want[i]) {
      return absl::StrCat("at position ", i, ": (", got[i].first, ", ", got[i].second,
                          ") instead of (", want[i].first, ", ", want[i].second, ")");
    }
  }
  return "none";
}

bool Contains(const std::vector<Entry>& entries, const std::string& payload) {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const Entry& e) { return e.second == payload; });
}

std::vector<std::string> Payloads(const std::string& prefix, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(absl::StrCat(prefix, "-", i));
  return out;
}

// Waits until every running node has applied the same list, holding every payload of
// `expected`, and returns that list; nullopt at the deadline, with what differed in `why`.
std::optional<std::vector<Entry>> WaitForAgreement(Cluster* cluster,
                                                   const std::vector<std::string>& expected,
                                                   std::string* why) {
  const absl::Time deadline = absl::Now() + kWait;
  while (true) {
    std::vector<std::vector<Entry>> lists;
    for (size_t i = 0; i < cluster->size(); ++i) {
      if (cluster->node(i) != nullptr) lists.push_back(cluster->machine(i)->entries());
    }
    *why = "";
    for (const std::string& payload : expected) {
      if (!Contains(lists[0], payload)) *why = absl::StrCat("the first node lacks ", payload);
    }
    for (size_t i = 1; i < lists.size() && why->empty(); ++i) {
      if (lists[i] != lists[0])
        *why = absl::StrCat("node lists differ: ", Diff(lists[i], lists[0]));
    }
    if (why->empty()) return lists[0];
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(20));  // polling, not a timing assumption
  }
}

void ExpectStrictlyIncreasing(const std::vector<Entry>& entries) {
  for (size_t i = 1; i < entries.size(); ++i) {
    ASSERT_LT(entries[i - 1].first, entries[i].first) << "at position " << i;
  }
}

TEST(RecordsReplicationTest, ThreeNodesApplyTheSameEntriesAndSurviveTheLeader) {
  std::unique_ptr<Cluster> cluster = StartCluster(3);
  ASSERT_NE(cluster, nullptr);
  std::optional<size_t> leader = cluster->WaitForLeader(kWait);
  ASSERT_TRUE(leader.has_value()) << "no leader elected";

  // A follower refuses, naming the leader: nothing was appended, so a retry is safe.
  size_t follower = (*leader + 1) % cluster->size();
  absl::StatusOr<uint64_t> refused = cluster->node(follower)->Propose("to a follower").get();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_NE(refused.status().message().find("the leader is "), std::string::npos)
      << refused.status();

  ASSERT_EQ(ProposeConcurrently(cluster.get(), "a", 200, 4), 200);

  // Every node applies the same (index, bytes) list, in the same order.
  std::string why;
  std::optional<std::vector<Entry>> applied =
      WaitForAgreement(cluster.get(), Payloads("a", 200), &why);
  ASSERT_TRUE(applied.has_value()) << why;
  ExpectStrictlyIncreasing(*applied);
  leader = cluster->WaitForLeader(kWait);
  ASSERT_TRUE(leader.has_value());

  // The leader dies: the two others elect one of themselves within 5 s and go on committing.
  size_t dead = *leader;
  cluster->Stop(dead);
  absl::Time died = absl::Now();
  std::optional<size_t> next = cluster->WaitForLeader(kWait);
  absl::Duration took = absl::Now() - died;
  ASSERT_TRUE(next.has_value()) << "no new leader";
  EXPECT_NE(*next, dead);
  EXPECT_LT(took, absl::Seconds(5)) << "a new leader took " << took;
  std::cout << "a new leader " << took << " after the old one stopped\n";

  ASSERT_EQ(ProposeConcurrently(cluster.get(), "b", 40, 2), 40);
  std::vector<std::string> all = Payloads("a", 200);
  for (const std::string& b : Payloads("b", 40)) all.push_back(b);
  applied = WaitForAgreement(cluster.get(), all, &why);
  ASSERT_TRUE(applied.has_value()) << why;
  ExpectStrictlyIncreasing(*applied);

  // The dead node comes back on its log with an empty state machine and replays it all
  // (entries of 3 to 5 bytes: what libraft pads must come back unpadded).
  ASSERT_TRUE(cluster->Start(dead, /*fresh_machine=*/true).ok());
  std::optional<std::vector<Entry>> replayed = WaitForAgreement(cluster.get(), all, &why);
  ASSERT_TRUE(replayed.has_value()) << why;
  EXPECT_EQ(*replayed, *applied);
}

TEST(RecordsReplicationTest, ALoneNodeCommitsNothing) {
  std::unique_ptr<Cluster> cluster = StartCluster(3);
  ASSERT_NE(cluster, nullptr);
  std::optional<size_t> leader = cluster->WaitForLeader(kWait);
  ASSERT_TRUE(leader.has_value());
  ASSERT_EQ(ProposeConcurrently(cluster.get(), "before", 1, 1), 1);
  leader = cluster->WaitForLeader(kWait);
  ASSERT_TRUE(leader.has_value());

  // The majority goes away. Whatever the lone node believes when asked, the entry must not
  // commit: refused at once (no longer leader), or appended and failed when it steps down.
  for (size_t i = 0; i < cluster->size(); ++i) {
    if (i != *leader) cluster->Stop(i);
  }
  RaftNode* lone = cluster->node(*leader);
  auto orphan = lone->Propose("without a majority");
  ASSERT_EQ(orphan.wait_for(absl::ToChronoMilliseconds(kWait)), std::future_status::ready)
      << "the proposal was never answered";
  absl::StatusOr<uint64_t> result = orphan.get();
  ASSERT_FALSE(result.ok()) << "committed at " << *result << " without a majority";
  EXPECT_TRUE(result.status().code() == absl::StatusCode::kUnknown ||
              result.status().code() == absl::StatusCode::kUnavailable)
      << result.status();

  // It has stepped down (a leader that cannot reach a majority does so within an election
  // timeout) and refuses further writes at once.
  absl::StatusOr<NodeState> state = lone->State();
  ASSERT_TRUE(state.ok());
  EXPECT_NE(state->role, Role::kLeader);
  absl::StatusOr<uint64_t> refused = lone->Propose("still alone").get();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_FALSE(Contains(cluster->machine(*leader)->entries(), "without a majority"));
  EXPECT_FALSE(Contains(cluster->machine(*leader)->entries(), "still alone"));
}

TEST(RecordsReplicationTest, AFollowerFarBehindCatchesUpFromASnapshot) {
  // A snapshot every 16 entries, 4 kept behind it: a follower away for 100 entries can only
  // catch up by installing the leader's snapshot.
  std::unique_ptr<Cluster> cluster = StartCluster(3, /*snapshot_threshold=*/16);
  ASSERT_NE(cluster, nullptr);
  std::optional<size_t> leader = cluster->WaitForLeader(kWait);
  ASSERT_TRUE(leader.has_value());
  size_t away = (*leader + 1) % cluster->size();
  cluster->Stop(away);

  ASSERT_EQ(ProposeConcurrently(cluster.get(), "s", 100, 2), 100);
  leader = cluster->WaitForLeader(kWait);
  ASSERT_TRUE(leader.has_value());
  EXPECT_GT(cluster->machine(*leader)->snapshots_taken(), 0);
  // libraft stores a snapshot in the background and only then drops the log behind it
  // (all but the 4 trailing entries): wait until both running nodes have stored one, so that
  // whichever leads no longer has the entries the returning node lacks. (The first comes at
  // 16; another only once 16 more entries are applied after it was stored.)
  absl::Time deadline = absl::Now() + kWait;
  for (size_t i = 0; i < cluster->size(); ++i) {
    if (i == away) continue;
    absl::StatusOr<NodeState> state = cluster->node(i)->State();
    while (state.ok() && state->snapshot_index < 16 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));  // polling, not a timing assumption
      state = cluster->node(i)->State();
    }
    ASSERT_TRUE(state.ok()) << state.status();
    ASSERT_GE(state->snapshot_index, 16u) << "node " << i + 1;
  }

  ASSERT_TRUE(cluster->Start(away, /*fresh_machine=*/true).ok());
  std::string why;
  std::optional<std::vector<Entry>> applied =
      WaitForAgreement(cluster.get(), Payloads("s", 100), &why);
  ASSERT_TRUE(applied.has_value()) << why;
  ExpectStrictlyIncreasing(*applied);
  EXPECT_GT(cluster->machine(away)->restores(), 0);
}

TEST(RecordsReplicationTest, AOneVoterClusterCommitsAloneAndItsAddressCannotBeReused) {
  std::unique_ptr<Cluster> cluster = StartCluster(1);
  ASSERT_NE(cluster, nullptr);
  ASSERT_EQ(ProposeConcurrently(cluster.get(), "solo", 10, 1), 10);

  // A second node on the same address does not start, and says why.
  testing_support::TempDir dir;
  RecordingMachine machine;
  RaftNode::Options o;
  o.id = 2;
  o.address = cluster->node(0)->address();
  o.dir = dir.path();
  o.bootstrap = {{2, o.address}};
  o.state_machine = &machine;
  absl::StatusOr<std::unique_ptr<RaftNode>> clash = RaftNode::Start(std::move(o));
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kFailedPrecondition) << clash.status();

  // The first one is unharmed.
  ASSERT_EQ(ProposeConcurrently(cluster.get(), "after", 1, 1), 1);
}

}  // namespace
}  // namespace records::replication
