#include "services/analytics/store/read_model_store.h"

#include <algorithm>

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

// The position as stored: with the counting rules the contributions written with it follow.
std::string Stamped(FollowerState state) {
  state.set_counting_rules(kCountingRules);
  return state.SerializeAsString();
}

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

// The values of `keys` in one MultiGet; `found[i]` false when keys[i] is absent.
absl::Status MultiGet(const common::Store& db, rocksdb::ColumnFamilyHandle* cf,
                      const std::vector<rocksdb::Slice>& keys,
                      std::vector<rocksdb::PinnableSlice>* values, std::vector<bool>* found,
                      absl::string_view what) {
  *values = std::vector<rocksdb::PinnableSlice>(keys.size());
  found->assign(keys.size(), false);
  if (keys.empty()) return absl::OkStatus();
  std::vector<rocksdb::Status> statuses(keys.size());
  db.db()->MultiGet(rocksdb::ReadOptions(), cf, keys.size(), keys.data(), values->data(),
                    statuses.data());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].ok()) {
      (*found)[i] = true;
    } else if (!statuses[i].IsNotFound()) {
      return common::FromRocksDb(statuses[i], what);
    }
  }
  return absl::OkStatus();
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
  batch.Put(db_->cf(kMetaFamily), kFollowerKey, Stamped(state));
  return db_->Write(&batch);
}

absl::Status ReadModelStore::Apply(const std::vector<ReadModelChange>& changes,
                                   const FollowerState& state) {
  rocksdb::WriteBatch batch;
  rocksdb::ColumnFamilyHandle* contrib_cf = db_->cf(kContribFamily);
  rocksdb::ColumnFamilyHandle* stats_cf = db_->cf(kStatsFamily);
  // What each resource contributed before the batch, read in one MultiGet: what it
  // contributed is taken out below, so a read error must fail the batch (the follower
  // retries), or the statistics would count the resource twice. Then what the batch has
  // made of it so far: later changes of the same resource read this, not the database.
  absl::flat_hash_map<std::string, ContributionMap> contributions;
  {
    std::vector<rocksdb::Slice> names;
    for (const ReadModelChange& change : changes) {
      if (contributions.try_emplace(change.resource_name).second) {
        names.emplace_back(change.resource_name);
      }
    }
    std::vector<rocksdb::PinnableSlice> values;
    std::vector<bool> found;
    RETURN_IF_ERROR(MultiGet(*db_, contrib_cf, names, &values, &found, "read contributions"));
    for (size_t i = 0; i < names.size(); ++i) {
      if (!found[i]) continue;
      Contribution stored;
      RETURN_IF_ERROR(common::ParseStoredMessage(
          values[i], absl::StrCat("contribution of ", names[i].ToString()), &stored));
      contributions[names[i].ToString()] = FromProto(stored);
    }
  }
  // The batch's difference per (org, year): each change takes out the resource's previous
  // contribution and adds its new one.
  std::map<std::pair<std::string, int>, Counters> delta;
  for (const ReadModelChange& change : changes) {
    ContributionMap& current = contributions[change.resource_name];
    for (const auto& [key, counters] : current) {
      Counters& d = delta.try_emplace(key, Counters{}).first->second;
      for (int i = 0; i < kNumStatFields; ++i) d[i] -= counters[i];
    }
    for (const auto& [key, counters] : change.contribution) {
      Counters& d = delta.try_emplace(key, Counters{}).first->second;
      for (int i = 0; i < kNumStatFields; ++i) d[i] += counters[i];
    }
    current = change.contribution;
    if (change.organization.has_value()) {
      batch.Put(db_->cf(kOrgsFamily), OrganizationIdOf(change.organization->name()),
                Trimmed(*change.organization));
    } else if (change.delete_organization) {
      batch.Delete(db_->cf(kOrgsFamily), OrganizationIdOf(change.resource_name));
    }
  }
  // The counters that move, read in one MultiGet (in key order), plus their difference.
  std::vector<std::string> stats_keys;
  std::vector<const Counters*> moves;
  for (const auto& [key, d] : delta) {
    if (std::all_of(d.begin(), d.end(), [](int64_t v) { return v == 0; })) continue;
    stats_keys.push_back(StatsKey(key.first, key.second));
    moves.push_back(&d);
  }
  {
    std::vector<rocksdb::Slice> keys(stats_keys.begin(), stats_keys.end());
    std::vector<rocksdb::PinnableSlice> values;
    std::vector<bool> found;
    RETURN_IF_ERROR(MultiGet(*db_, stats_cf, keys, &values, &found, "read party statistics"));
    for (size_t i = 0; i < keys.size(); ++i) {
      Counters counters{};
      if (found[i]) {
        ASSIGN_OR_RETURN(counters, Decode(values[i]));
      }
      bool all_zero = true;
      for (int f = 0; f < kNumStatFields; ++f) {
        counters[f] += (*moves[i])[f];
        all_zero &= counters[f] == 0;
      }
      if (all_zero) {
        batch.Delete(stats_cf, stats_keys[i]);
      } else {
        batch.Put(stats_cf, stats_keys[i], Encode(counters));
      }
    }
  }
  // In key order: the memtable inserts each key next to the one before.
  std::vector<const std::pair<const std::string, ContributionMap>*> sorted;
  sorted.reserve(contributions.size());
  for (const auto& entry : contributions) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : sorted) {
    if (entry->second.empty()) {
      batch.Delete(contrib_cf, entry->first);
    } else {
      batch.Put(contrib_cf, entry->first, ToProto(entry->second).SerializeAsString());
    }
  }
  batch.Put(db_->cf(kMetaFamily), kFollowerKey, Stamped(state));
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
  batch.Put(db_->cf(kMetaFamily), kFollowerKey, Stamped(state));
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
