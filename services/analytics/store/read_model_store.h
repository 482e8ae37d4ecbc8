// File: services/analytics/store/read_model_store.h
//
// The read model of records on analytics' RocksDB:
//   rm_orgs     "{org}"                 -> records' Organization (as last seen)
//   rm_stats    "{org}\0{yyyy}"         -> Counters of that organization and year, with the
//                                         year-end stock counts through that year
//   rm_contrib  "{resource name}"       -> Contribution of that resource (as last seen)
//   meta        "follower"              -> FollowerState (last applied sequence, log id)
// Every applied change writes the resource's new contribution, the counters it moves and the
// follower position in ONE WriteBatch, so the statistics always correspond exactly to the
// position (no double counting or skipping after a restart).
//
// Writers: the follower only (one thread). Readers: any thread (point-in-time reads).
// Does not own the common::Store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/cancellation.h"
#include "common/store.h"
#include "dangbo/analytics/storage/v1/storage.pb.h"
#include "dangbo/records/v1/organization.pb.h"
#include "services/analytics/domain/stat_fields.h"

namespace analytics {

using ::dangbo::analytics::storage::v1::FollowerState;

// How stored contributions were computed (FollowerState.counting_rules, stamped on every
// write of the position): 1: members folded from their histories here; 2: members counted
// from records' Member.statistics; 3: dues remittances, meetings and cells' meeting
// requirements counted too. A read model of older rules is rebuilt by the follower.
inline constexpr int kCountingRules = 3;

// True when `position` is of a read model whose contributions follow older counting rules.
inline bool NeedsRecount(const FollowerState& position) {
  return !position.log_id().empty() && position.counting_rules() < kCountingRules;
}

// One resource's change, to apply atomically with the follower position.
struct ReadModelChange {
  std::string resource_name;
  ContributionMap contribution;  // the resource's contribution now (empty when deleted)
  // For organizations: the new metadata, or delete_organization.
  std::optional<dangbo::records::v1::Organization> organization;
  bool delete_organization = false;
};

class ReadModelStore {
 public:
  explicit ReadModelStore(common::Store* db);

  absl::StatusOr<FollowerState> LoadFollowerState() const;
  // Stores the position alone (e.g. the log id learned before the first event).
  absl::Status SaveFollowerState(const FollowerState& state);

  // Applies `changes` in order (each: the resource's old contribution out, the new one in)
  // and stores `state`, all in one WriteBatch: a follower batches many events per write
  // (one sync instead of one per event) and the statistics still move with the position.
  absl::Status Apply(const std::vector<ReadModelChange>& changes, const FollowerState& state);

  // Replaces the whole read model (after a relist) and the position, in one WriteBatch.
  absl::Status ReplaceAll(const std::vector<dangbo::records::v1::Organization>& organizations,
                          const std::map<std::string, ContributionMap>& contributions,
                          const FollowerState& state);

  // Reads fail (UNAVAILABLE, DATA_LOSS...) on a read error or a corrupt record: an answer is
  // never silently short or zero.
  //
  // nullopt when the read model does not hold the organization.
  absl::StatusOr<std::optional<dangbo::records::v1::Organization>> GetOrganization(
      absl::string_view org) const;
  // Every organization, by id. With `stop`, each one read ticks it (a ranking's scan stops
  // when its call ends).
  absl::StatusOr<std::vector<dangbo::records::v1::Organization>> ListOrganizations(
      common::Cancellation* stop = nullptr) const;
  // True when the read model knows the organization (metadata or any statistics).
  absl::StatusOr<bool> KnowsOrganization(absl::string_view org) const;
  // True when the read model holds statistics of the organization for any year.
  absl::StatusOr<bool> HasStatistics(absl::string_view org) const;
  // The first year the read model holds statistics of the organization for; nullopt when
  // none. Before it StatisticsFor answers zeros that mean "nothing known", not a zero count.
  absl::StatusOr<std::optional<int>> FirstStatisticsYear(absl::string_view org) const;

  // Counters of `year`: its flows and the year-end stocks (changes summed up to `year`), read
  // from one record: the organization's last up to `year`.
  absl::StatusOr<Counters> StatisticsFor(absl::string_view org, int year) const;

 private:
  common::Store* db_;
};

}  // namespace analytics
