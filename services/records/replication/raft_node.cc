#include "services/records/replication/raft_node.h"

#include <signal.h>
#include <uv.h>

// libraft's headers have no extern "C" of their own.
extern "C" {
#include <raft.h>
#include <raft/uv.h>
}

#include <cstring>
#include <deque>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace records::replication {

struct RaftNode::Loop {
  RaftNode* node = nullptr;
  uv_loop_t loop{};
  uv_async_t wake{};
  raft_uv_transport transport{};
  raft_io io{};
  raft_fsm fsm{};
  struct raft r {};
  StateMachine* state_machine = nullptr;
  bool raft_closing = false;  // raft_close() called: libraft may not be used any more

  std::mutex mu;  // guards tasks and closing
  std::deque<std::function<void()>> tasks;
  bool closing = false;
};

namespace {

using Loop = RaftNode::Loop;

absl::Status RaftError(int rv, const char* what, const char* detail) {
  return absl::FailedPreconditionError(
      absl::StrCat("raft ", what, ": ", raft_strerror(rv),
                   detail != nullptr && *detail != '\0' ? absl::StrCat(" (", detail, ")") : ""));
}

unsigned Millis(absl::Duration d) { return static_cast<unsigned>(absl::ToInt64Milliseconds(d)); }

// libraft's log segments hold each entry's bytes padded to 8 and require (an assert, off in
// Debian's build) that entries come in multiples of 8 bytes: unaligned ones are read back
// shifted after a restart. So each entry is framed: the payload's length (8 bytes, little
// endian), the payload, zeros up to a multiple of 8.
constexpr size_t kFrameHeader = 8;

size_t FramedSize(size_t payload) { return kFrameHeader + (payload + 7) / 8 * 8; }

void Frame(std::string_view payload, void* out) {
  auto* bytes = static_cast<unsigned char*>(out);
  uint64_t n = payload.size();
  for (size_t i = 0; i < kFrameHeader; ++i) bytes[i] = static_cast<unsigned char>(n >> (8 * i));
  std::memcpy(bytes + kFrameHeader, payload.data(), payload.size());
  std::memset(bytes + kFrameHeader + payload.size(), 0,
              FramedSize(payload.size()) - kFrameHeader - payload.size());
}

// The payload of a framed entry; false when the frame does not fit the entry.
bool Unframe(const raft_buffer& buf, std::string_view* payload) {
  if (buf.len < kFrameHeader) return false;
  const auto* bytes = static_cast<const unsigned char*>(buf.base);
  uint64_t n = 0;
  for (size_t i = 0; i < kFrameHeader; ++i) n |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  if (n > buf.len - kFrameHeader) return false;
  *payload = std::string_view(reinterpret_cast<const char*>(bytes + kFrameHeader), n);
  return true;
}

// The index an entry is applied at is not an argument of libraft's apply: it applies entries
// one by one, advancing last_applied after each, so the current one is last_applied + 1.
int FsmApply(raft_fsm* fsm, const raft_buffer* buf, void** result) {
  auto* loop = static_cast<Loop*>(fsm->data);
  *result = nullptr;
  const uint64_t index = raft_last_applied(&loop->r) + 1;
  std::string_view payload;
  // Every replica would refuse it alike (libraft checksums what it stores and sends), so it
  // is never applied and the replica stops applying rather than diverge.
  if (!Unframe(*buf, &payload)) return RAFT_MALFORMED;
  return loop->state_machine->Apply(index, payload).ok() ? 0 : RAFT_IOERR;
}

// libraft frees what it is given (fsm version 1): the buffers come from raft_malloc.
int FsmSnapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs) {
  auto* loop = static_cast<Loop*>(fsm->data);
  absl::StatusOr<std::string> bytes = loop->state_machine->Snapshot();
  if (!bytes.ok()) return RAFT_IOERR;
  *bufs = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
  if (*bufs == nullptr) return RAFT_NOMEM;
  (*bufs)[0].len = bytes->size();
  (*bufs)[0].base = raft_malloc(bytes->empty() ? 1 : bytes->size());
  if ((*bufs)[0].base == nullptr) {
    raft_free(*bufs);
    *bufs = nullptr;
    return RAFT_NOMEM;
  }
  std::memcpy((*bufs)[0].base, bytes->data(), bytes->size());
  *n_bufs = 1;
  return 0;
}

// On success the buffer is ours to free (libraft hands its ownership to the FSM).
int FsmRestore(raft_fsm* fsm, raft_buffer* buf) {
  auto* loop = static_cast<Loop*>(fsm->data);
  absl::Status restored =
      loop->state_machine->Restore(std::string_view(static_cast<const char*>(buf->base), buf->len));
  if (!restored.ok()) return RAFT_IOERR;
  raft_free(buf->base);
  return 0;
}

struct ApplyRequest {
  struct raft_apply req {};
  RaftNode::ProposeDone done;
};

void ApplyCb(struct raft_apply* req, int status, void* /*result*/) {
  auto* request = static_cast<ApplyRequest*>(req->data);
  if (status == 0) {
    request->done(static_cast<uint64_t>(req->index));
  } else {
    request->done(absl::UnknownError(absl::StrCat(
        "raft: ", raft_strerror(status), "; the entry may still be committed by the next leader")));
  }
  delete request;
}

void NotLeader(Loop* loop, const RaftNode::ProposeDone& done) {
  raft_id id = 0;
  const char* address = nullptr;
  raft_leader(&loop->r, &id, &address);
  done(absl::UnavailableError(
      id == 0 ? std::string("not the leader, and no leader is known")
              : absl::StrCat("not the leader; the leader is ", id, " at ", address)));
}

void Drain(uv_async_t* handle) {
  auto* loop = static_cast<Loop*>(handle->data);
  std::deque<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(loop->mu);
    tasks.swap(loop->tasks);
  }
  for (auto& task : tasks) task();
}

// Called once libraft has closed its I/O: frees what raft_uv_*_init allocated and closes the
// wake handle, the last one, so uv_run returns.
void RaftClosed(raft* r) {
  auto* loop = static_cast<Loop*>(r->data);
  raft_uv_close(&loop->io);
  raft_uv_tcp_close(&loop->transport);
  uv_close(reinterpret_cast<uv_handle_t*>(&loop->wake), nullptr);
}

void CloseRaft(Loop* loop) {
  if (loop->raft_closing) return;
  loop->raft_closing = true;
  raft_close(&loop->r, RaftClosed);
}

}  // namespace

RaftNode::RaftNode(Options options) : options_(std::move(options)), loop_(new Loop) {
  loop_->node = this;
  loop_->state_machine = options_.state_machine;
}

absl::StatusOr<std::unique_ptr<RaftNode>> RaftNode::Start(Options options) {
  if (options.id == 0) return absl::InvalidArgumentError("raft node id must be > 0");
  if (options.address.empty()) return absl::InvalidArgumentError("raft address is empty");
  if (options.dir.empty()) return absl::InvalidArgumentError("raft dir is empty");
  if (options.state_machine == nullptr) {
    return absl::InvalidArgumentError("raft node needs a state machine");
  }
  if (options.heartbeat_timeout <= absl::ZeroDuration() ||
      options.election_timeout <= options.heartbeat_timeout) {
    return absl::InvalidArgumentError("raft needs 0 < heartbeat_timeout < election_timeout");
  }
  std::unique_ptr<RaftNode> node(new RaftNode(std::move(options)));
  std::promise<absl::Status> started;
  std::future<absl::Status> started_future = started.get_future();
  node->thread_ = std::thread([raw = node.get(), &started] { raw->Run(&started); });
  absl::Status status = started_future.get();
  if (!status.ok()) {
    node->thread_.join();  // the loop has ended; closing is set, so Stop() has nothing to do
    return status;
  }
  return node;
}

// The loop thread: sets libraft up, reports through `started`, then runs until Stop().
void RaftNode::Run(std::promise<absl::Status>* started) {
  // libuv writes to sockets with write(2): a peer that has gone would raise SIGPIPE and kill
  // the process. Blocked on this thread only (the sockets are written here), the write fails
  // with EPIPE instead and the process's own disposition is untouched.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  Loop* loop = loop_.get();
  if (int rv = uv_loop_init(&loop->loop); rv != 0) {
    std::lock_guard<std::mutex> lock(loop->mu);
    loop->closing = true;
    started->set_value(absl::FailedPreconditionError(absl::StrCat("uv: ", uv_strerror(rv))));
    return;
  }
  absl::Status status = Init();
  if (status.ok()) {
    started->set_value(absl::OkStatus());
  } else {
    std::lock_guard<std::mutex> lock(loop->mu);
    loop->closing = true;
  }
  uv_run(&loop->loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop->loop);
  if (!status.ok()) started->set_value(status);
}

// On the loop thread, its loop initialized. On failure, leaves the loop with only closing
// handles, so uv_run returns once they have closed.
absl::Status RaftNode::Init() {
  Loop* loop = loop_.get();
  const Options& o = options_;
  loop->wake.data = loop;
  uv_async_init(&loop->loop, &loop->wake, Drain);
  auto fail_early = [&](absl::Status status) {
    uv_close(reinterpret_cast<uv_handle_t*>(&loop->wake), nullptr);
    return status;
  };
  if (int rv = raft_uv_tcp_init(&loop->transport, &loop->loop); rv != 0) {
    return fail_early(RaftError(rv, "tcp transport", loop->transport.errmsg));
  }
  if (int rv = raft_uv_init(&loop->io, &loop->loop, o.dir.c_str(), &loop->transport); rv != 0) {
    absl::Status status = RaftError(rv, "log directory", loop->io.errmsg);
    raft_uv_tcp_close(&loop->transport);
    return fail_early(status);
  }
  loop->fsm.version = 1;
  loop->fsm.data = loop;
  loop->fsm.apply = FsmApply;
  loop->fsm.snapshot = FsmSnapshot;
  loop->fsm.restore = FsmRestore;
  if (int rv = raft_init(&loop->r, &loop->io, &loop->fsm, o.id, o.address.c_str()); rv != 0) {
    absl::Status status = RaftError(rv, "init", loop->r.errmsg);
    raft_uv_close(&loop->io);
    raft_uv_tcp_close(&loop->transport);
    return fail_early(status);
  }
  loop->r.data = loop;
  raft_set_election_timeout(&loop->r, Millis(o.election_timeout));
  raft_set_heartbeat_timeout(&loop->r, Millis(o.heartbeat_timeout));
  // Pre-vote: a replica cut off from the others does not raise the term, so it cannot
  // depose a healthy leader when it comes back.
  raft_set_pre_vote(&loop->r, true);
  raft_set_snapshot_threshold(&loop->r, o.snapshot_threshold == 0
                                            ? std::numeric_limits<unsigned>::max()
                                            : o.snapshot_threshold);
  raft_set_snapshot_trailing(&loop->r, o.snapshot_trailing);

  absl::Status status;
  if (!o.bootstrap.empty()) {
    raft_configuration conf;
    raft_configuration_init(&conf);
    int rv = 0;
    for (const Peer& peer : o.bootstrap) {
      rv = raft_configuration_add(&conf, peer.id, peer.address.c_str(), RAFT_VOTER);
      if (rv != 0) break;
    }
    if (rv == 0) rv = raft_bootstrap(&loop->r, &conf);
    raft_configuration_close(&conf);
    // CANTBOOTSTRAP: the directory has state already, which wins over the list.
    if (rv != 0 && rv != RAFT_CANTBOOTSTRAP) {
      status = RaftError(rv, "bootstrap", loop->r.errmsg);
    }
  }
  if (status.ok()) {
    if (int rv = raft_start(&loop->r); rv != 0) status = RaftError(rv, "start", loop->r.errmsg);
  }
  if (!status.ok()) CloseRaft(loop);
  return status;
}

bool RaftNode::Post(std::function<void()> task) {
  Loop* loop = loop_.get();
  {
    std::lock_guard<std::mutex> lock(loop->mu);
    if (loop->closing) return false;
    loop->tasks.push_back(std::move(task));
    // Under the lock: the wake handle is closed only after Stop() has set `closing`.
    uv_async_send(&loop->wake);
  }
  return true;
}

void RaftNode::Propose(std::string bytes, ProposeDone done) {
  if (bytes.empty()) {
    done(absl::InvalidArgumentError("a raft entry cannot be empty"));
    return;
  }
  auto shared_done = std::make_shared<ProposeDone>(std::move(done));
  Loop* loop = loop_.get();
  bool posted = Post([loop, bytes = std::move(bytes), shared_done] {
    if (loop->raft_closing) {
      (*shared_done)(absl::UnavailableError("raft node is stopping"));
      return;
    }
    if (raft_state(&loop->r) != RAFT_LEADER) {
      NotLeader(loop, *shared_done);
      return;
    }
    raft_buffer buf;
    buf.len = FramedSize(bytes.size());
    buf.base = raft_malloc(buf.len);
    if (buf.base == nullptr) {
      (*shared_done)(absl::ResourceExhaustedError("raft: out of memory for the entry"));
      return;
    }
    Frame(bytes, buf.base);
    auto* request = new ApplyRequest;
    request->req.data = request;
    request->done = std::move(*shared_done);
    int rv = raft_apply(&loop->r, &request->req, &buf, 1, ApplyCb);
    if (rv == 0) return;  // libraft owns buf now; ApplyCb completes the request
    raft_free(buf.base);
    ProposeDone failed = std::move(request->done);
    delete request;
    if (rv == RAFT_NOTLEADER) {
      NotLeader(loop, failed);
    } else {
      failed(absl::UnavailableError(absl::StrCat("raft apply: ", raft_strerror(rv))));
    }
  });
  if (!posted) (*shared_done)(absl::UnavailableError("raft node is stopped"));
}

std::future<absl::StatusOr<uint64_t>> RaftNode::Propose(std::string bytes) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<uint64_t>>>();
  std::future<absl::StatusOr<uint64_t>> future = promise->get_future();
  Propose(std::move(bytes),
          [promise](absl::StatusOr<uint64_t> index) { promise->set_value(std::move(index)); });
  return future;
}

absl::StatusOr<NodeState> RaftNode::State(absl::Duration timeout) {
  auto promise = std::make_shared<std::promise<NodeState>>();
  std::future<NodeState> future = promise->get_future();
  Loop* loop = loop_.get();
  bool posted = Post([loop, promise] {
    NodeState state;
    if (!loop->raft_closing) {
      switch (raft_state(&loop->r)) {
        case RAFT_FOLLOWER:
          state.role = Role::kFollower;
          break;
        case RAFT_CANDIDATE:
          state.role = Role::kCandidate;
          break;
        case RAFT_LEADER:
          state.role = Role::kLeader;
          break;
        default:
          state.role = Role::kUnavailable;
      }
      raft_id id = 0;
      const char* address = nullptr;
      raft_leader(&loop->r, &id, &address);
      state.leader_id = id;
      if (address != nullptr) state.leader_address = address;
      state.term = loop->r.current_term;
      state.commit_index = loop->r.commit_index;
      state.last_applied = raft_last_applied(&loop->r);
      state.snapshot_index = loop->r.log.snapshot.last_index;
    }
    promise->set_value(std::move(state));
  });
  if (!posted) return absl::UnavailableError("raft node is stopped");
  if (future.wait_for(absl::ToChronoMilliseconds(timeout)) != std::future_status::ready) {
    return absl::DeadlineExceededError("raft node did not answer in time");
  }
  return future.get();
}

void RaftNode::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  if (!thread_.joinable()) return;
  Loop* loop = loop_.get();
  {
    // The close task goes last: what was posted before it still runs (and fails or
    // completes), nothing can be posted after it.
    std::lock_guard<std::mutex> lock(loop->mu);
    loop->tasks.push_back([loop] { CloseRaft(loop); });
    loop->closing = true;
    uv_async_send(&loop->wake);
  }
  thread_.join();
}

RaftNode::~RaftNode() { Stop(); }

}  // namespace records::replication
