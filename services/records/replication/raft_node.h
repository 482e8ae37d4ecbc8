// File: services/records/replication/raft_node.h
//
// One member of a Raft cluster: Debian's libraft (C, libuv I/O: the log in `dir`, peers over
// TCP) driving a StateMachine. README.md in this folder says why libraft and how records will
// use it.
//
// Threading: the node owns one thread running a libuv loop; libraft, its disk and network
// I/O and every StateMachine call run there. Other threads talk to it through a queue the
// loop drains when woken (uv_async), so every public method may be called from any thread.
// Propose callbacks also run on the loop thread (on the caller's, when refused before being
// queued: empty, or the node stopped): they must be short and never wait for another
// proposal (proposing from one is fine).
//
// Proposals: Propose() asks the leader to append the bytes as one log entry. The callback
// gets the entry's index once a majority has stored it (each replica writes its log with
// O_DSYNC before it answers) and the leader's StateMachine has applied it. Failures:
//   UNAVAILABLE  nothing was appended (this node is not the leader — the message names the
//                leader when one is known —, or it is stopping): retrying is safe;
//   UNKNOWN      appended, then leadership was lost before the entry was known committed: it
//                may still commit under the next leader, so retry only what is idempotent;
//   INVALID_ARGUMENT, RESOURCE_EXHAUSTED  refused before anything was appended.
// Every proposal's callback runs exactly once, at the latest when Stop() returns.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/records/replication/state_machine.h"

namespace records::replication {

struct Peer {
  uint64_t id = 0;      // > 0, stable for the life of the replica's data
  std::string address;  // "ipv4:port", where the others reach it
};

enum class Role { kUnavailable, kFollower, kCandidate, kLeader };

// What the node knows, read on the loop thread at one instant.
struct NodeState {
  Role role = Role::kUnavailable;
  uint64_t term = 0;
  uint64_t leader_id = 0;  // 0: no leader known
  std::string leader_address;
  uint64_t commit_index = 0;
  uint64_t last_applied = 0;
  // The last snapshot stored (0: none); the log before it, less the trailing entries, is gone.
  uint64_t snapshot_index = 0;
};

class RaftNode {
 public:
  struct Options {
    uint64_t id = 0;
    std::string address;  // this node's "ipv4:port" as the peers know it; also bound
    std::string dir;      // libraft's log, metadata and snapshots; must exist
    // The voters of a new cluster. When `dir` holds no Raft state yet, it is written there
    // as the first log entry (every founding member is started with the same list); when
    // `dir` has state, this is ignored. Empty: start without bootstrapping (a replica that
    // will be added to a running cluster, or one restarting on its data).
    std::vector<Peer> bootstrap;
    StateMachine* state_machine = nullptr;  // not owned; outlives the node
    // A follower hearing no leader for election_timeout (randomized up to twice that)
    // stands for election; the leader sends heartbeats every heartbeat_timeout.
    absl::Duration election_timeout = absl::Seconds(1);
    absl::Duration heartbeat_timeout = absl::Milliseconds(100);
    // 0: no snapshots (the log grows). Otherwise a snapshot every that many applied
    // entries, keeping snapshot_trailing entries behind it for slow followers.
    unsigned snapshot_threshold = 0;
    unsigned snapshot_trailing = 128;
  };

  // Starts the loop thread, loads (or bootstraps) the state in `dir` and begins listening.
  // INVALID_ARGUMENT for bad options, FAILED_PRECONDITION when libraft refuses to start
  // (the message is libraft's: the address in use, an unreadable log, ...).
  static absl::StatusOr<std::unique_ptr<RaftNode>> Start(Options options);

  ~RaftNode();  // Stop()
  RaftNode(const RaftNode&) = delete;
  RaftNode& operator=(const RaftNode&) = delete;

  using ProposeDone = std::function<void(absl::StatusOr<uint64_t> index)>;
  // Never blocks on I/O; see the file comment for what `done` is told.
  void Propose(std::string bytes, ProposeDone done);
  std::future<absl::StatusOr<uint64_t>> Propose(std::string bytes);

  // Read on the loop thread; DEADLINE_EXCEEDED if it does not answer within `timeout`,
  // UNAVAILABLE once stopped.
  absl::StatusOr<NodeState> State(absl::Duration timeout = absl::Seconds(5));
  bool IsLeader() {
    auto state = State();
    return state.ok() && state->role == Role::kLeader;
  }
  uint64_t id() const { return options_.id; }
  const std::string& address() const { return options_.address; }

  // Leaves the cluster's traffic (closes the log, the sockets and the loop) and joins the
  // thread; proposals still pending fail (UNKNOWN: they may commit without this node).
  // The state in `dir` stays: Start() on it again rejoins. Idempotent.
  void Stop();

  struct Loop;  // libraft and libuv state, owned by the loop thread

 private:
  explicit RaftNode(Options options);
  void Run(std::promise<absl::Status>* started);  // the loop thread
  absl::Status Init();                            // on the loop thread
  // Runs `task` on the loop thread; false (and `task` not run) once the loop is closing.
  bool Post(std::function<void()> task);

  Options options_;
  std::unique_ptr<Loop> loop_;
  std::mutex stop_mu_;
  std::thread thread_;
};

}  // namespace records::replication
