#include "services/analytics/store/indicator_store.h"

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"
#include "services/analytics/domain/decimal.h"
#include "services/analytics/store/analytics_db.h"

namespace analytics {
namespace {

namespace v1 = ::dangbo::analytics::v1;
using ::dangbo::analytics::storage::v1::Identity;
using ::dangbo::analytics::storage::v1::IndicatorLogState;

constexpr char kLogStateKey[] = "indicator_log";
constexpr char kReplicaPositionKey[] = "indicator_follower";

std::string SequenceKey(uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(sequence & 0xff);
    sequence >>= 8;
  }
  return key;
}

std::string RandomLogId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  return absl::StrFormat("%016x%016x", gen(), gen());
}

std::string IndicatorName(absl::string_view org, absl::string_view id) {
  return absl::StrCat("organizations/", org, "/indicators/", id);
}

// "organizations/{org}/indicators/{id}" -> (org, id); false when malformed.
bool SplitIndicatorName(absl::string_view name, std::string* org, std::string* id) {
  constexpr absl::string_view kPrefix = "organizations/";
  constexpr absl::string_view kMiddle = "/indicators/";
  if (!absl::ConsumePrefix(&name, kPrefix)) return false;
  const size_t middle = name.find(kMiddle);
  if (middle == absl::string_view::npos || middle == 0) return false;
  *org = std::string(name.substr(0, middle));
  *id = std::string(name.substr(middle + kMiddle.size()));
  return !id->empty() && id->find('/') == std::string::npos;
}

std::string IndicatorKey(absl::string_view org, absl::string_view id) {
  return absl::StrCat(org, "/", id);
}

std::string ObservationPrefix(absl::string_view org, absl::string_view id) {
  return id.empty() ? absl::StrCat(org, "/") : absl::StrCat(org, "/", id, "/");
}

std::string ObservationKey(absl::string_view org, absl::string_view id, int year) {
  return absl::StrFormat("%s/%s/%04d", org, id, year);
}

// Calls fn(key, value) for each key under `prefix` from `first` (empty: the prefix's first)
// up to `last` (empty: the prefix's last), in key order, until it returns false or fails. A
// read error ends the scan with that error, never as if the keys had run out.
template <typename Fn>
absl::Status ScanRange(const common::Store& db, rocksdb::ColumnFamilyHandle* cf,
                       const std::string& prefix, const std::string& first, const std::string& last,
                       Fn fn) {
  std::unique_ptr<rocksdb::Iterator> it = db.NewIterator(cf);
  for (it->Seek(first.empty() ? prefix : first);
       it->Valid() && it->key().starts_with(prefix) &&
       (last.empty() || it->key().compare(rocksdb::Slice(last)) <= 0);
       it->Next()) {
    absl::StatusOr<bool> more = fn(it->key().ToString(), it->value());
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
  }
  return common::FromRocksDb(it->status(), "scan stored indicators or observations");
}

template <typename Fn>
absl::Status ScanPrefix(const common::Store& db, rocksdb::ColumnFamilyHandle* cf,
                        const std::string& prefix, Fn fn) {
  return ScanRange(db, cf, prefix, "", "", std::move(fn));
}

// Calls fn(observation) for the stored observations of one indicator (`id` non-empty) whose
// year is in [from_year, to_year], reading only those keys; or of all the organization's
// indicators (`id` empty), by indicator then year. `observation` is reused between calls.
template <typename Fn>
absl::Status ScanObservations(const common::Store& db, absl::string_view org, absl::string_view id,
                              int from_year, int to_year, Fn fn) {
  const bool one = !id.empty();
  Observation observation;
  return ScanRange(
      db, db.cf(kObservationsFamily), ObservationPrefix(org, id),
      one ? ObservationKey(org, id, std::clamp(from_year, 0, 9999)) : "",
      one ? ObservationKey(org, id, std::clamp(to_year, 0, 9999)) : "",
      [&](const std::string&, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(common::ParseStoredMessage(value, "observation", &observation));
        if (observation.year() >= from_year && observation.year() <= to_year) {
          RETURN_IF_ERROR(fn(observation));
        }
        return true;
      });
}

}  // namespace

uint64_t Fingerprint(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

IndicatorStore::IndicatorStore(common::Store* db) : db_(db) {}

absl::Status IndicatorStore::OpenLog() {
  absl::MutexLock write_lock(&write_mu_);
  IndicatorLogState state;
  absl::StatusOr<std::string> raw = db_->Get(db_->cf(kMetaFamily), kLogStateKey);
  if (raw.ok()) {
    if (!state.ParseFromString(*raw)) return absl::DataLossError("corrupt indicator log state");
  } else if (absl::IsNotFound(raw.status())) {
    // A new database, or one from before the log: log what is stored, then say schema 2.
    state.set_log_id(RandomLogId());
    rocksdb::WriteBatch batch;
    const google::protobuf::Timestamp now =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
    auto log = [&](v1::IndicatorChange change) {
      change.set_sequence(state.last_sequence() + 1);
      change.set_log_id(state.log_id());
      *change.mutable_commit_time() = now;
      batch.Put(db_->cf(kIndicatorLogFamily), SequenceKey(change.sequence()),
                change.SerializeAsString());
      state.set_last_sequence(change.sequence());
    };
    // Each stored record of `family` as a log entry, parsed into the field `mutable_field` gives.
    auto log_family = [&](const char* family, const char* what, auto mutable_field) {
      return ScanPrefix(
          *db_, db_->cf(family), "",
          [&](const std::string&, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
            v1::IndicatorChange change;
            RETURN_IF_ERROR(common::ParseStoredMessage(value, what, (change.*mutable_field)()));
            log(std::move(change));
            return true;
          });
    };
    // Indicators first, then their observations: a replica applies them in this order.
    RETURN_IF_ERROR(
        log_family(kIndicatorsFamily, "indicator", &v1::IndicatorChange::mutable_indicator));
    RETURN_IF_ERROR(
        log_family(kObservationsFamily, "observation", &v1::IndicatorChange::mutable_observation));
    batch.Put(db_->cf(kMetaFamily), kLogStateKey, state.SerializeAsString());
    Identity identity;
    identity.set_service(kServiceName);
    identity.set_schema(kSchemaVersion);
    batch.Put(db_->cf(kMetaFamily), "identity", identity.SerializeAsString());
    RETURN_IF_ERROR(db_->Write(&batch));
  } else {
    return raw.status();
  }
  absl::MutexLock lock(&log_mu_);
  log_ = std::move(state);
  return absl::OkStatus();
}

std::string IndicatorStore::log_id() const {
  absl::MutexLock lock(&log_mu_);
  return log_.log_id();
}

uint64_t IndicatorStore::last_sequence() const {
  absl::MutexLock lock(&log_mu_);
  return log_.last_sequence();
}

absl::StatusOr<std::vector<v1::IndicatorChange>> IndicatorStore::ReadLog(uint64_t after_sequence,
                                                                         size_t max) const {
  std::vector<v1::IndicatorChange> out;
  const uint64_t head = last_sequence();
  if (after_sequence >= head) return out;
  std::unique_ptr<rocksdb::Iterator> it = db_->NewIterator(db_->cf(kIndicatorLogFamily));
  uint64_t expected = after_sequence + 1;
  for (it->Seek(SequenceKey(expected)); it->Valid() && out.size() < max && expected <= head;
       it->Next(), ++expected) {
    v1::IndicatorChange change;
    if (it->key().ToString() != SequenceKey(expected) ||
        !change.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("the indicator log is damaged at sequence ", expected));
    }
    out.push_back(std::move(change));
  }
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "read the indicator log"));
  return out;
}

absl::StatusOr<FollowerState> IndicatorStore::LoadReplicaPosition() const {
  ASSIGN_OR_RETURN(std::optional<FollowerState> position,
                   common::GetMessage<FollowerState>(*db_, db_->cf(kMetaFamily),
                                                     kReplicaPositionKey, "replica position"));
  return position.value_or(FollowerState());
}

absl::Status IndicatorStore::ApplyReplicated(const std::vector<v1::IndicatorChange>& changes,
                                             const FollowerState& position, bool reset) {
  rocksdb::WriteBatch batch;
  if (reset) {
    for (const char* family : {kIndicatorsFamily, kObservationsFamily}) {
      RETURN_IF_ERROR(
          ScanPrefix(*db_, db_->cf(family), "",
                     [&](const std::string& key, const rocksdb::Slice&) -> absl::StatusOr<bool> {
                       batch.Delete(db_->cf(family), key);
                       return true;
                     }));
    }
  }
  for (const v1::IndicatorChange& change : changes) {
    std::string org;
    std::string id;
    if (change.has_indicator()) {
      if (!SplitIndicatorName(change.indicator().name(), &org, &id)) {
        return absl::DataLossError(
            absl::StrCat("indicator log entry ", change.sequence(), " names no indicator"));
      }
      if (change.deleted()) {
        batch.Delete(db_->cf(kIndicatorsFamily), IndicatorKey(org, id));
      } else {
        batch.Put(db_->cf(kIndicatorsFamily), IndicatorKey(org, id),
                  change.indicator().SerializeAsString());
      }
    } else if (change.has_observation()) {
      const Observation& o = change.observation();
      if (!SplitIndicatorName(o.indicator(), &org, &id) || o.year() < 0 || o.year() > 9999) {
        return absl::DataLossError(
            absl::StrCat("indicator log entry ", change.sequence(), " names no observation"));
      }
      if (change.deleted()) {
        batch.Delete(db_->cf(kObservationsFamily), ObservationKey(org, id, o.year()));
      } else {
        batch.Put(db_->cf(kObservationsFamily), ObservationKey(org, id, o.year()),
                  o.SerializeAsString());
      }
    }
  }
  batch.Put(db_->cf(kMetaFamily), kReplicaPositionKey, position.SerializeAsString());
  return db_->Write(&batch);
}

absl::StatusOr<Indicator> IndicatorStore::GetIndicator(absl::string_view org,
                                                       absl::string_view id) const {
  absl::StatusOr<std::string> raw = db_->Get(db_->cf(kIndicatorsFamily), IndicatorKey(org, id));
  if (!raw.ok()) {
    if (absl::IsNotFound(raw.status())) {
      return absl::NotFoundError(
          absl::StrCat("indicator organizations/", org, "/indicators/", id, " does not exist"));
    }
    return raw.status();
  }
  Indicator indicator;
  if (!indicator.ParseFromString(*raw)) return absl::DataLossError("corrupt indicator record");
  return indicator;
}

absl::StatusOr<std::vector<Indicator>> IndicatorStore::ListIndicators(absl::string_view org) const {
  std::vector<Indicator> out;
  RETURN_IF_ERROR(ScanPrefix(
      *db_, db_->cf(kIndicatorsFamily), absl::StrCat(org, "/"),
      [&](const std::string&, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(common::ParseStoredMessage(value, "indicator", &out.emplace_back()));
        return true;
      }));
  return out;
}

absl::StatusOr<std::vector<Indicator>> IndicatorStore::ListAllIndicators() const {
  std::vector<Indicator> out;
  RETURN_IF_ERROR(ScanPrefix(
      *db_, db_->cf(kIndicatorsFamily), "",
      [&](const std::string&, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(common::ParseStoredMessage(value, "indicator", &out.emplace_back()));
        return true;
      }));
  return out;
}

absl::StatusOr<bool> IndicatorStore::HasObservations(absl::string_view org,
                                                     absl::string_view id) const {
  bool found = false;
  RETURN_IF_ERROR(
      ScanPrefix(*db_, db_->cf(kObservationsFamily), ObservationPrefix(org, id),
                 [&](const std::string&, const rocksdb::Slice&) -> absl::StatusOr<bool> {
                   found = true;
                   return false;
                 }));
  return found;
}

absl::StatusOr<std::optional<Observation>> IndicatorStore::GetObservation(absl::string_view org,
                                                                          absl::string_view id,
                                                                          int year) const {
  return common::GetMessage<Observation>(*db_, db_->cf(kObservationsFamily),
                                         ObservationKey(org, id, year), "observation");
}

absl::StatusOr<std::vector<Observation>> IndicatorStore::ListObservations(absl::string_view org,
                                                                          absl::string_view id,
                                                                          int from_year,
                                                                          int to_year) const {
  std::vector<Observation> out;
  RETURN_IF_ERROR(ScanObservations(*db_, org, id, from_year, to_year,
                                   [&](const Observation& observation) -> absl::Status {
                                     out.push_back(observation);
                                     return absl::OkStatus();
                                   }));
  return out;
}

absl::StatusOr<Series> IndicatorStore::LoadSeries(absl::string_view org, absl::string_view id,
                                                  const SeriesYears& years) const {
  Series series;
  SeriesYears wanted = years;
  std::sort(wanted.begin(), wanted.end());
  if (wanted.empty()) return series;
  Observation o;
  // Stored values were validated when written: one that no longer parses is corrupt.
  auto stored = [&](const dangbo::common::v1::Decimal& value,
                    const char* what) -> absl::StatusOr<int64_t> {
    absl::StatusOr<int64_t> micros = ParseDecimal(value.value(), what);
    if (!micros.ok()) {
      return absl::DataLossError(absl::StrCat("the stored ", what, " of ", o.indicator(), " in ",
                                              o.year(),
                                              " is corrupt: ", micros.status().message()));
    }
    return micros;
  };
  // One scan from the first year's key to the last's (a Next costs a fraction of a lookup by
  // key); the years between that are not wanted are skipped by their key, unparsed.
  RETURN_IF_ERROR(ScanRange(
      *db_, db_->cf(kObservationsFamily), ObservationPrefix(org, id),
      ObservationKey(org, id, wanted.front()), ObservationKey(org, id, wanted.back()),
      [&](const std::string& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        int year = 0;
        if (key.size() < 4 ||
            !absl::SimpleAtoi(absl::string_view(key).substr(key.size() - 4), &year)) {
          return absl::DataLossError(absl::StrCat("a stored observation key is corrupt: ", key));
        }
        if (!std::binary_search(wanted.begin(), wanted.end(), year)) return true;
        RETURN_IF_ERROR(common::ParseStoredMessage(value, "observation", &o));
        YearData& data = series[o.year()];
        if (o.has_actual()) {
          ASSIGN_OR_RETURN(int64_t micros, stored(o.actual(), "actual"));
          data.actual = Actual{micros, o.value_kind()};
        }
        for (const Target& target : o.targets()) {
          ASSIGN_OR_RETURN(data.targets[target.type()], stored(target.value(), "target"));
        }
        return true;
      }));
  return series;
}

absl::StatusOr<std::optional<dangbo::analytics::storage::v1::RequestRecord>>
IndicatorStore::GetRequest(absl::string_view method, absl::string_view request_id) const {
  return common::GetMessage<dangbo::analytics::storage::v1::RequestRecord>(
      *db_, db_->cf(kRequestsFamily), absl::StrCat(method, "/", request_id), "request record");
}

void IndicatorStore::PutIndicator(IndicatorWrite* write, absl::string_view org,
                                  absl::string_view id, const Indicator& indicator) {
  write->batch_.Put(db_->cf(kIndicatorsFamily), IndicatorKey(org, id),
                    indicator.SerializeAsString());
  *write->changes_.emplace_back().mutable_indicator() = indicator;
}

absl::Status IndicatorStore::DeleteIndicator(IndicatorWrite* write, absl::string_view org,
                                             absl::string_view id) {
  write->batch_.Delete(db_->cf(kIndicatorsFamily), IndicatorKey(org, id));
  v1::IndicatorChange& tombstone = write->changes_.emplace_back();
  tombstone.mutable_indicator()->set_name(IndicatorName(org, id));
  tombstone.set_deleted(true);
  return ScanPrefix(
      *db_, db_->cf(kObservationsFamily), ObservationPrefix(org, id),
      [&](const std::string& key, const rocksdb::Slice&) -> absl::StatusOr<bool> {
        int year = 0;
        if (key.size() < 4 || !absl::SimpleAtoi(key.substr(key.size() - 4), &year)) {
          return absl::DataLossError(absl::StrCat("a stored observation key is corrupt: ", key));
        }
        write->batch_.Delete(db_->cf(kObservationsFamily), key);
        v1::IndicatorChange& gone = write->changes_.emplace_back();
        gone.mutable_observation()->set_indicator(IndicatorName(org, id));
        gone.mutable_observation()->set_year(year);
        gone.set_deleted(true);
        return true;
      });
}

void IndicatorStore::PutObservation(IndicatorWrite* write, absl::string_view org,
                                    absl::string_view id, const Observation& observation) {
  write->batch_.Put(db_->cf(kObservationsFamily), ObservationKey(org, id, observation.year()),
                    observation.SerializeAsString());
  v1::IndicatorChange& change = write->changes_.emplace_back();
  *change.mutable_observation() = observation;
  change.mutable_observation()->set_indicator(IndicatorName(org, id));
}

void IndicatorStore::PutRequest(IndicatorWrite* write, absl::string_view method,
                                absl::string_view request_id,
                                const dangbo::analytics::storage::v1::RequestRecord& record) {
  write->batch_.Put(db_->cf(kRequestsFamily), absl::StrCat(method, "/", request_id),
                    record.SerializeAsString());
}

absl::Status IndicatorStore::Commit(IndicatorWrite* write) {
  IndicatorLogState next;
  {
    absl::MutexLock lock(&log_mu_);
    next = log_;
  }
  if (!write->changes_.empty()) {
    if (next.log_id().empty()) {
      return absl::FailedPreconditionError("the indicator log is not open (a replica's store)");
    }
    const google::protobuf::Timestamp now =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
    for (v1::IndicatorChange& change : write->changes_) {
      change.set_sequence(next.last_sequence() + 1);
      change.set_log_id(next.log_id());
      *change.mutable_commit_time() = now;
      write->batch_.Put(db_->cf(kIndicatorLogFamily), SequenceKey(change.sequence()),
                        change.SerializeAsString());
      next.set_last_sequence(change.sequence());
    }
    write->batch_.Put(db_->cf(kMetaFamily), kLogStateKey, next.SerializeAsString());
  }
  RETURN_IF_ERROR(db_->Write(&write->batch_));
  if (write->changes_.empty()) return absl::OkStatus();
  {
    absl::MutexLock lock(&log_mu_);
    log_ = next;
  }
  if (listener_) listener_(next.last_sequence());
  return absl::OkStatus();
}

}  // namespace analytics
