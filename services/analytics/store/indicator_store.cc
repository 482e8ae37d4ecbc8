#include "services/analytics/store/indicator_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/analytics/domain/decimal.h"
#include "services/analytics/store/analytics_db.h"

namespace analytics {
namespace {

std::string IndicatorKey(absl::string_view org, absl::string_view id) {
  return absl::StrCat(org, "/", id);
}

std::string ObservationPrefix(absl::string_view org, absl::string_view id) {
  return id.empty() ? absl::StrCat(org, "/") : absl::StrCat(org, "/", id, "/");
}

std::string ObservationKey(absl::string_view org, absl::string_view id, int year) {
  return absl::StrFormat("%s/%s/%04d", org, id, year);
}

template <typename Fn>
void ScanPrefix(const common::Store& db, rocksdb::ColumnFamilyHandle* cf, const std::string& prefix,
                Fn fn) {
  std::unique_ptr<rocksdb::Iterator> it = db.NewIterator(cf);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (!fn(it->key().ToString(), it->value())) break;
  }
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

std::vector<Indicator> IndicatorStore::ListIndicators(absl::string_view org) const {
  std::vector<Indicator> out;
  ScanPrefix(*db_, db_->cf(kIndicatorsFamily), absl::StrCat(org, "/"),
             [&](const std::string&, const rocksdb::Slice& value) {
               Indicator indicator;
               if (indicator.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                 out.push_back(std::move(indicator));
               }
               return true;
             });
  return out;
}

bool IndicatorStore::HasObservations(absl::string_view org, absl::string_view id) const {
  bool found = false;
  ScanPrefix(*db_, db_->cf(kObservationsFamily), ObservationPrefix(org, id),
             [&](const std::string&, const rocksdb::Slice&) {
               found = true;
               return false;
             });
  return found;
}

std::optional<Observation> IndicatorStore::GetObservation(absl::string_view org,
                                                          absl::string_view id, int year) const {
  absl::StatusOr<std::string> raw =
      db_->Get(db_->cf(kObservationsFamily), ObservationKey(org, id, year));
  Observation observation;
  if (!raw.ok() || !observation.ParseFromString(*raw)) return std::nullopt;
  return observation;
}

std::vector<Observation> IndicatorStore::ListObservations(absl::string_view org,
                                                          absl::string_view id, int from_year,
                                                          int to_year) const {
  std::vector<Observation> out;
  ScanPrefix(*db_, db_->cf(kObservationsFamily), ObservationPrefix(org, id),
             [&](const std::string&, const rocksdb::Slice& value) {
               Observation observation;
               if (observation.ParseFromArray(value.data(), static_cast<int>(value.size())) &&
                   observation.year() >= from_year && observation.year() <= to_year) {
                 out.push_back(std::move(observation));
               }
               return true;
             });
  return out;
}

Series IndicatorStore::LoadSeries(absl::string_view org, absl::string_view id) const {
  Series series;
  for (const Observation& o : ListObservations(org, id, 0, 99999)) {
    YearData& year = series[o.year()];
    if (o.has_actual()) {
      absl::StatusOr<int64_t> micros = ParseDecimal(o.actual().value(), "actual");
      if (micros.ok()) year.actual = Actual{*micros, o.value_kind()};
    }
    for (const Target& target : o.targets()) {
      absl::StatusOr<int64_t> micros = ParseDecimal(target.value().value(), "target");
      if (micros.ok()) year.targets[target.type()] = *micros;
    }
  }
  return series;
}

std::optional<dangbo::analytics::storage::v1::RequestRecord> IndicatorStore::GetRequest(
    absl::string_view method, absl::string_view request_id) const {
  absl::StatusOr<std::string> raw =
      db_->Get(db_->cf(kRequestsFamily), absl::StrCat(method, "/", request_id));
  dangbo::analytics::storage::v1::RequestRecord record;
  if (!raw.ok() || !record.ParseFromString(*raw)) return std::nullopt;
  return record;
}

void IndicatorStore::PutIndicator(rocksdb::WriteBatch* batch, absl::string_view org,
                                  absl::string_view id, const Indicator& indicator) {
  batch->Put(db_->cf(kIndicatorsFamily), IndicatorKey(org, id), indicator.SerializeAsString());
}

void IndicatorStore::DeleteIndicator(rocksdb::WriteBatch* batch, absl::string_view org,
                                     absl::string_view id) {
  batch->Delete(db_->cf(kIndicatorsFamily), IndicatorKey(org, id));
}

void IndicatorStore::PutObservation(rocksdb::WriteBatch* batch, absl::string_view org,
                                    absl::string_view id, const Observation& observation) {
  batch->Put(db_->cf(kObservationsFamily), ObservationKey(org, id, observation.year()),
             observation.SerializeAsString());
}

void IndicatorStore::DeleteObservations(rocksdb::WriteBatch* batch, absl::string_view org,
                                        absl::string_view id) {
  ScanPrefix(*db_, db_->cf(kObservationsFamily), ObservationPrefix(org, id),
             [&](const std::string& key, const rocksdb::Slice&) {
               batch->Delete(db_->cf(kObservationsFamily), key);
               return true;
             });
}

void IndicatorStore::PutRequest(rocksdb::WriteBatch* batch, absl::string_view method,
                                absl::string_view request_id,
                                const dangbo::analytics::storage::v1::RequestRecord& record) {
  batch->Put(db_->cf(kRequestsFamily), absl::StrCat(method, "/", request_id),
             record.SerializeAsString());
}

absl::Status IndicatorStore::Commit(rocksdb::WriteBatch* batch) { return db_->Write(batch); }

}  // namespace analytics
