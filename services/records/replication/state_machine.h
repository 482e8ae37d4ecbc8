// File: services/records/replication/state_machine.h
//
// What a RaftNode replicates into: every replica applies the same committed entries, in the
// same order, with the same indexes (README.md in this folder: the records database will be
// one, each entry a commit queue group's WriteBatch).
//
// Thread-safety: every method is called on the node's loop thread, one call at a time, so an
// implementation needs no lock against itself; it must not call back into the RaftNode
// synchronously (Propose is fine, it only enqueues).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace records::replication {

class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // Applies the committed command entry at `index` (strictly increasing across calls on a
  // replica, though not consecutive: membership entries take indexes too). After a restart
  // the log is replayed from the last snapshot, so an index already applied may come again:
  // keep the applied index with the state, written atomically with it, and skip what is not
  // above it. Apply must be deterministic in (index, bytes). An error means "not applied,
  // try again": the entry is offered again when the commit index next advances, and nothing
  // after it is applied meanwhile, so return one only for failures that can pass (I/O),
  // never for content every replica would refuse alike.
  virtual absl::Status Apply(uint64_t index, std::string_view bytes) = 0;

  // The state up to the last applied index, as bytes Restore() accepts, for a replica too
  // far behind the log. Called only when RaftNode::Options::snapshot_threshold is set.
  virtual absl::StatusOr<std::string> Snapshot() {
    return absl::UnimplementedError("this state machine takes no snapshots");
  }

  // Replaces the state with a Snapshot()'s bytes (taken on this or another replica). Also
  // called at start with the newest snapshot kept on disk: a state already past it stays.
  virtual absl::Status Restore(std::string_view snapshot) {
    return absl::UnimplementedError("this state machine takes no snapshots");
  }
};

}  // namespace records::replication
