// File: services/analytics/store/analytics_db.h
//
// Opens analytics' own RocksDB (common::Store) with its column families and checks its
// identity record (meta/"identity" = {service "analytics", schema 2}). A directory that
// belongs to another service (records' column families, another identity) or to a newer
// schema fails fast with FAILED_PRECONDITION naming the directory, before anything is
// written to it.
//
// Column families: meta (identity, follower positions, indicator log state), indicators,
// observations, requests (idempotency), indicator_log, rm_orgs / rm_stats / rm_contrib (the read
// model of records).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/store.h"

namespace analytics {

inline constexpr char kServiceName[] = "analytics";
// 2: the indicator log (IndicatorStore::OpenLog upgrades a schema-1 directory in place).
inline constexpr int kSchemaVersion = 2;

inline constexpr char kMetaFamily[] = "meta";
inline constexpr char kIndicatorsFamily[] = "indicators";
inline constexpr char kObservationsFamily[] = "observations";
inline constexpr char kRequestsFamily[] = "requests";
inline constexpr char kIndicatorLogFamily[] = "indicator_log";
inline constexpr char kOrgsFamily[] = "rm_orgs";
inline constexpr char kStatsFamily[] = "rm_stats";
inline constexpr char kContribFamily[] = "rm_contrib";

// `options.column_families` is ignored (analytics' families are used).
absl::StatusOr<std::unique_ptr<common::Store>> OpenAnalyticsDb(common::StoreOptions options);

}  // namespace analytics
