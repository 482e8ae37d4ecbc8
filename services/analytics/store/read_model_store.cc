#include "services/analytics/store/read_model_store.h"

#include <algorithm>
#include <iterator>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
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

// A stored rm_stats record: the year's counters and the year-end stock counts through it.
struct StatsRecord {
  Counters values{};
  Counters year_end{};        // stock fields only; the others 0
  bool has_year_end = false;  // false: written before year_end existed
};

absl::StatusOr<StatsRecord> Decode(const rocksdb::Slice& value) {
  StatsRecord record;
  dangbo::analytics::storage::v1::Counters stored;
  RETURN_IF_ERROR(common::ParseStoredMessage(value, "party statistics record", &stored));
  for (int i = 0; i < stored.values_size() && i < kNumStatFields; ++i) {
    record.values[i] = stored.values(i);
  }
  record.has_year_end = stored.year_end_size() > 0;
  for (int i = 0; i < stored.year_end_size() && i < kNumStatFields; ++i) {
    if (IsStockField(i)) record.year_end[i] = stored.year_end(i);
  }
  return record;
}

std::string Encode(const Counters& values, const Counters& year_end) {
  dangbo::analytics::storage::v1::Counters stored;
  for (int64_t v : values) stored.add_values(v);
  for (int64_t v : year_end) stored.add_year_end(v);
  return stored.SerializeAsString();
}

// Adds the stock fields of a year's `changes` to the year-end counts `year_end`.
void AddStocks(const Counters& changes, Counters* year_end) {
  for (int i = 0; i < kNumStatFields; ++i) {
    if (IsStockField(i)) (*year_end)[i] += changes[i];
  }
}

bool AllZero(const Counters& counters) {
  return std::all_of(counters.begin(), counters.end(), [](int64_t v) { return v == 0; });
}

// Adds `moves` (year -> difference) to the organization's records in `batch`, with the
// year-end counts of every record that changes (a moved stock changes every later year's).
// Reads the organization's records once; a read error fails the batch.
absl::Status MoveStatistics(const common::Store& db, rocksdb::ColumnFamilyHandle* cf,
                            const std::string& org, const std::map<int, const Counters*>& moves,
                            rocksdb::WriteBatch* batch) {
  std::map<int, StatsRecord> records;  // by year; four-digit keys sort like their years
  const std::string prefix = StatsPrefix(org);
  std::unique_ptr<rocksdb::Iterator> it = db.NewIterator(cf);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    int year = 0;
    const rocksdb::Slice key = it->key();
    if (!absl::SimpleAtoi(absl::string_view(key.data() + prefix.size(), key.size() - prefix.size()),
                          &year)) {
      return absl::DataLossError(absl::StrCat("corrupt party statistics key of ", org));
    }
    ASSIGN_OR_RETURN(records[year], Decode(it->value()));
  }
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "read party statistics"));
  for (const auto& [year, difference] : moves) records.try_emplace(year);
  Counters year_end{};
  for (auto& [year, record] : records) {
    auto move = moves.find(year);
    if (move != moves.end()) {
      for (int i = 0; i < kNumStatFields; ++i) record.values[i] += (*move->second)[i];
    }
    AddStocks(record.values, &year_end);
    const bool changed = move != moves.end();
    if (AllZero(record.values)) {
      if (changed) batch->Delete(cf, StatsKey(org, year));
    } else if (changed || !record.has_year_end || record.year_end != year_end) {
      batch->Put(cf, StatsKey(org, year), Encode(record.values, year_end));
    }
  }
  return absl::OkStatus();
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
  // The counters that move, by organization then year (key order), plus their difference.
  std::map<std::string, std::map<int, const Counters*>> moves;
  for (const auto& [key, d] : delta) {
    if (!AllZero(d)) moves[key.first][key.second] = &d;
  }
  for (const auto& [org, years] : moves) {
    RETURN_IF_ERROR(MoveStatistics(*db_, stats_cf, org, years, &batch));
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
  Counters year_end{};
  for (auto it = totals.begin(); it != totals.end(); ++it) {
    if (it == totals.begin() || it->first.first != std::prev(it)->first.first) year_end = {};
    AddStocks(it->second, &year_end);
    batch.Put(db_->cf(kStatsFamily), StatsKey(it->first.first, it->first.second),
              Encode(it->second, year_end));
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

absl::StatusOr<std::optional<int>> ReadModelStore::FirstStatisticsYear(
    absl::string_view org) const {
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(db_->cf(kStatsFamily));
  const std::string prefix = StatsPrefix(org);
  it->Seek(prefix);
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    RETURN_IF_ERROR(common::FromRocksDb(it->status(), "look up party statistics"));
    return std::nullopt;
  }
  int year = 0;
  const rocksdb::Slice key = it->key();
  if (!absl::SimpleAtoi(absl::string_view(key.data() + prefix.size(), key.size() - prefix.size()),
                        &year)) {
    return absl::DataLossError(absl::StrCat("corrupt party statistics key of ", org));
  }
  return year;
}

absl::StatusOr<Counters> ReadModelStore::StatisticsFor(absl::string_view org, int year) const {
  Counters out{};
  const std::string prefix = StatsPrefix(org);
  const std::string key = StatsKey(org, year);
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(db_->cf(kStatsFamily));
  // The organization's last record up to `year`: its year-end counts are `year`'s stocks.
  it->SeekForPrev(key);
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    RETURN_IF_ERROR(common::FromRocksDb(it->status(), "read party statistics"));
    return out;
  }
  ASSIGN_OR_RETURN(const StatsRecord last, Decode(it->value()));
  if (last.has_year_end) {
    const bool this_year = it->key() == rocksdb::Slice(key);
    for (int i = 0; i < kNumStatFields; ++i) {
      out[i] = IsStockField(i) ? last.year_end[i] : this_year ? last.values[i] : 0;
    }
    return out;
  }
  // Records written before year_end existed: the sum of every year's changes up to `year`.
  for (it->Seek(prefix); it->Valid() && it->key().compare(rocksdb::Slice(key)) <= 0; it->Next()) {
    ASSIGN_OR_RETURN(const StatsRecord record, Decode(it->value()));
    const bool this_year = it->key() == rocksdb::Slice(key);
    for (int i = 0; i < kNumStatFields; ++i) {
      if (IsStockField(i) || this_year) out[i] += record.values[i];
    }
  }
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "scan party statistics"));
  return out;
}

}  // namespace analytics
