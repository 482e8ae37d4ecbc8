#include "services/analytics/store/read_model_store.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "services/analytics/store/analytics_db.h"

namespace analytics {
namespace {

using ::dangbo::analytics::storage::v1::Contribution;
using ::dangbo::records::v1::Organization;

constexpr char kFollowerKey[] = "follower";

std::string StatsPrefix(absl::string_view org) { return absl::StrCat(org, std::string(1, '\0')); }
std::string StatsKey(absl::string_view org, int year) {
  return absl::StrCat(StatsPrefix(org), absl::StrFormat("%04d", year));
}

absl::StatusOr<Counters> Decode(const rocksdb::Slice& value) {
  Counters counters{};
  dangbo::analytics::storage::v1::Counters stored;
  RETURN_IF_ERROR(common::ParseStoredMessage(value, "party statistics record", &stored));
  for (int i = 0; i < stored.values_size() && i < kNumStatFields; ++i) {
    counters[i] = stored.values(i);
  }
  return counters;
}

std::string Encode(const Counters& counters) {
  dangbo::analytics::storage::v1::Counters stored;
  for (int64_t v : counters) stored.add_values(v);
  return stored.SerializeAsString();
}

Contribution ToProto(const ContributionMap& map) {
  Contribution out;
  for (const auto& [key, counters] : map) {
    auto* entry = out.add_entries();
    entry->set_organization(key.first);
    entry->set_year(key.second);
    for (int64_t v : counters) entry->add_values(v);
  }
  return out;
}

ContributionMap FromProto(const Contribution& proto) {
  ContributionMap out;
  for (const auto& entry : proto.entries()) {
    Counters& counters = out[{entry.organization(), entry.year()}];
    for (int i = 0; i < entry.values_size() && i < kNumStatFields; ++i) {
      counters[i] = entry.values(i);
    }
  }
  return out;
}

std::string Trimmed(Organization organization) {
  organization.clear_etag();
  return organization.SerializeAsString();
}

}  // namespace

ReadModelStore::ReadModelStore(common::Store* db) : db_(db) {}

absl::StatusOr<FollowerState> ReadModelStore::LoadFollowerState() const {
  ASSIGN_OR_RETURN(std::optional<FollowerState> state,
                   common::GetMessage<FollowerState>(*db_, db_->cf(kMetaFamily), kFollowerKey,
                                                     "follower position"));
  return state.value_or(FollowerState());
}

absl::Status ReadModelStore::SaveFollowerState(const FollowerState& state) {
  rocksdb::WriteBatch batch;
  batch.Put(db_->cf(kMetaFamily), kFollowerKey, state.SerializeAsString());
  return db_->Write(&batch);
}

absl::Status ReadModelStore::Apply(const std::vector<ReadModelChange>& changes,
                                   const FollowerState& state) {
  rocksdb::WriteBatch batch;
  rocksdb::ColumnFamilyHandle* contrib_cf = db_->cf(kContribFamily);
  rocksdb::ColumnFamilyHandle* stats_cf = db_->cf(kStatsFamily);
  // What this batch has made of each resource's contribution and each (org, year)'s
  // counters so far: later changes in the batch read these, not the database.
  absl::flat_hash_map<std::string, ContributionMap> contributions;
  std::map<std::pair<std::string, int>, Counters> stats;
  for (const ReadModelChange& change : changes) {
    ContributionMap old;
    if (auto it = contributions.find(change.resource_name); it != contributions.end()) {
      old = std::move(it->second);
    } else {
      // What the resource contributed so far is taken out below: a read error must fail the
      // batch (the follower retries), or the statistics would count the resource twice.
      ASSIGN_OR_RETURN(
          std::optional<Contribution> stored,
          common::GetMessage<Contribution>(*db_, contrib_cf, change.resource_name,
                                           absl::StrCat("contribution of ", change.resource_name)));
      if (stored.has_value()) old = FromProto(*stored);
    }
    // The difference, per (org, year).
    std::map<std::pair<std::string, int>, Counters> delta;
    for (const auto& [key, counters] : old) {
      Counters& d = delta[key];
      for (int i = 0; i < kNumStatFields; ++i) d[i] -= counters[i];
    }
    for (const auto& [key, counters] : change.contribution) {
      Counters& d = delta[key];
      for (int i = 0; i < kNumStatFields; ++i) d[i] += counters[i];
    }
    for (const auto& [key, d] : delta) {
      bool zero = true;
      for (int64_t v : d) zero &= v == 0;
      if (zero) continue;
      auto [it, inserted] = stats.try_emplace(key);
      if (inserted) {
        it->second = Counters{};
        absl::StatusOr<std::string> raw = db_->Get(stats_cf, StatsKey(key.first, key.second));
        if (raw.ok()) {
          ASSIGN_OR_RETURN(it->second, Decode(*raw));
        } else if (!absl::IsNotFound(raw.status())) {
          return raw.status();
        }
      }
      for (int i = 0; i < kNumStatFields; ++i) it->second[i] += d[i];
    }
    contributions[change.resource_name] = change.contribution;
    if (change.organization.has_value()) {
      batch.Put(db_->cf(kOrgsFamily), OrganizationIdOf(change.organization->name()),
                Trimmed(*change.organization));
    } else if (change.delete_organization) {
      batch.Delete(db_->cf(kOrgsFamily), OrganizationIdOf(change.resource_name));
    }
  }
  for (const auto& [key, counters] : stats) {
    bool all_zero = true;
    for (int64_t v : counters) all_zero &= v == 0;
    const std::string stats_key = StatsKey(key.first, key.second);
    if (all_zero) {
      batch.Delete(stats_cf, stats_key);
    } else {
      batch.Put(stats_cf, stats_key, Encode(counters));
    }
  }
  for (const auto& [resource, contribution] : contributions) {
    if (contribution.empty()) {
      batch.Delete(contrib_cf, resource);
    } else {
      batch.Put(contrib_cf, resource, ToProto(contribution).SerializeAsString());
    }
  }
  batch.Put(db_->cf(kMetaFamily), kFollowerKey, state.SerializeAsString());
  return db_->Write(&batch);
}

absl::Status ReadModelStore::ReplaceAll(const std::vector<Organization>& organizations,
                                        const std::map<std::string, ContributionMap>& contributions,
                                        const FollowerState& state) {
  rocksdb::WriteBatch batch;
  for (const char* family : {kOrgsFamily, kStatsFamily, kContribFamily}) {
    batch.DeleteRange(db_->cf(family), "", "\xff\xff\xff\xff");
  }
  for (const Organization& organization : organizations) {
    batch.Put(db_->cf(kOrgsFamily), OrganizationIdOf(organization.name()), Trimmed(organization));
  }
  std::map<std::pair<std::string, int>, Counters> totals;
  for (const auto& [name, contribution] : contributions) {
    if (contribution.empty()) continue;
    batch.Put(db_->cf(kContribFamily), name, ToProto(contribution).SerializeAsString());
    for (const auto& [key, counters] : contribution) {
      Counters& total = totals[key];
      for (int i = 0; i < kNumStatFields; ++i) total[i] += counters[i];
    }
  }
  for (const auto& [key, counters] : totals) {
    batch.Put(db_->cf(kStatsFamily), StatsKey(key.first, key.second), Encode(counters));
  }
  batch.Put(db_->cf(kMetaFamily), kFollowerKey, state.SerializeAsString());
  return db_->Write(&batch);
}

absl::StatusOr<std::optional<Organization>> ReadModelStore::GetOrganization(
    absl::string_view org) const {
  return common::GetMessage<Organization>(*db_, db_->cf(kOrgsFamily), org,
                                          absl::StrCat("organization ", org));
}

absl::StatusOr<std::vector<Organization>> ReadModelStore::ListOrganizations(
    common::Cancellation* stop) const {
  std::vector<Organization> out;
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(db_->cf(kOrgsFamily));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (stop != nullptr) {
      RETURN_IF_ERROR(stop->Tick());
    }
    RETURN_IF_ERROR(common::ParseStoredMessage(
        it->value(), absl::StrCat("organization ", it->key().ToString()), &out.emplace_back()));
  }
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "scan organizations"));
  return out;
}

absl::StatusOr<bool> ReadModelStore::KnowsOrganization(absl::string_view org) const {
  ASSIGN_OR_RETURN(std::optional<Organization> organization, GetOrganization(org));
  if (organization.has_value()) return true;
  return HasStatistics(org);
}

absl::StatusOr<bool> ReadModelStore::HasStatistics(absl::string_view org) const {
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(db_->cf(kStatsFamily));
  const std::string prefix = StatsPrefix(org);
  it->Seek(prefix);
  if (it->Valid()) return it->key().starts_with(prefix);
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "look up party statistics"));
  return false;
}

absl::StatusOr<Counters> ReadModelStore::StatisticsFor(absl::string_view org, int year) const {
  Counters out{};
  const std::string prefix = StatsPrefix(org);
  const std::string last = StatsKey(org, year);
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(db_->cf(kStatsFamily));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string key = it->key().ToString();
    if (key > last) break;
    ASSIGN_OR_RETURN(const Counters counters, Decode(it->value()));
    const bool this_year = key == last;
    for (int i = 0; i < kNumStatFields; ++i) {
      if (IsStockField(i) || this_year) out[i] += counters[i];
    }
  }
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "scan party statistics"));
  return out;
}

}  // namespace analytics
