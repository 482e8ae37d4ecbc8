// File: common/process_metrics.h
//
// The standard Prometheus process metrics, read from /proc at scrape time (Linux):
//   process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
//   process_max_fds, process_start_time_seconds, process_cpu_seconds_total, process_threads
// and dangbo_build_info{service,version} (always 1).
#pragma once

#include "absl/strings/string_view.h"
#include "common/metrics.h"

namespace common {

// Registers the process metrics (and build info) with `registry` while the returned
// registration lives. Register once per process (ServerRunner does).
[[nodiscard]] MetricsRegistration RegisterProcessMetrics(MetricsRegistry* registry,
                                                         absl::string_view service,
                                                         absl::string_view version);

}  // namespace common
