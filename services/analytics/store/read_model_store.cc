#include "services/analytics/store/read_model_store.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

Counters Decode(const rocksdb::Slice& value) {
  Counters counters{};
  dangbo::analytics::storage::v1::Counters stored;
  if (stored.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    for (int i = 0; i < stored.values_size() && i < kNumStatFields; ++i) {
      counters[i] = stored.values(i);
    }
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

FollowerState ReadModelStore::LoadFollowerState() const {
  FollowerState state;
  absl::StatusOr<std::string> raw = db_->Get(db_->cf(kMetaFamily), kFollowerKey);
  if (raw.ok()) state.ParseFromString(*raw);
  return state;
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
    } else if (absl::StatusOr<std::string> raw = db_->Get(contrib_cf, change.resource_name);
               raw.ok()) {
      Contribution proto;
      if (proto.ParseFromString(*raw)) old = FromProto(proto);
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
        if (absl::StatusOr<std::string> raw = db_->Get(stats_cf, StatsKey(key.first, key.second));
            raw.ok()) {
          it->second = Decode(*raw);
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

std::optional<Organization> ReadModelStore::GetOrganization(absl::string_view org) const {
  absl::StatusOr<std::string> raw = db_->Get(db_->cf(kOrgsFamily), org);
  Organization organization;
  if (!raw.ok() || !organization.ParseFromString(*raw)) return std::nullopt;
  return organization;
}

std::vector<Organization> ReadModelStore::ListOrganizations() const {
  std::vector<Organization> out;
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(db_->cf(kOrgsFamily));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Organization organization;
    if (organization.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      out.push_back(std::move(organization));
    }
  }
  return out;
}

bool ReadModelStore::KnowsOrganization(absl::string_view org) const {
  if (GetOrganization(org).has_value()) return true;
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(db_->cf(kStatsFamily));
  const std::string prefix = StatsPrefix(org);
  it->Seek(prefix);
  return it->Valid() && it->key().starts_with(prefix);
}

Counters ReadModelStore::StatisticsFor(absl::string_view org, int year) const {
  Counters out{};
  const std::string prefix = StatsPrefix(org);
  const std::string last = StatsKey(org, year);
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(db_->cf(kStatsFamily));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string key = it->key().ToString();
    if (key > last) break;
    const Counters counters = Decode(it->value());
    const bool this_year = key == last;
    for (int i = 0; i < kNumStatFields; ++i) {
      if (IsStockField(i) || this_year) out[i] += counters[i];
    }
  }
  return out;
}

}  // namespace analytics
