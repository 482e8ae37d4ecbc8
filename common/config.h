// File: common/config.h
//
// Configuration: absl flags, each with an environment-variable fallback (12-factor, for
// Kubernetes ConfigMaps): flag --block_cache_mb is also read from DANGBO_BLOCK_CACHE_MB.
// Precedence: command line > environment > default. An unknown DANGBO_* variable or an
// invalid value stops the process before it serves anything, with a message naming the
// variable or flag and the rule.
//
//   int main(int argc, char** argv) {
//     common::InitFlags(argc, argv, "records: ...");
//     absl::StatusOr<common::ServerConfig> config = common::ServerConfigFromFlags("records", 50051, ".data/records");
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/logging.h"

ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(int32_t, port);
ABSL_DECLARE_FLAG(std::string, data_dir);
ABSL_DECLARE_FLAG(std::string, port_file);
ABSL_DECLARE_FLAG(int64_t, max_message_bytes);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_grace);
ABSL_DECLARE_FLAG(absl::Duration, drain_delay);
ABSL_DECLARE_FLAG(absl::Duration, keepalive_time);
ABSL_DECLARE_FLAG(absl::Duration, keepalive_timeout);
ABSL_DECLARE_FLAG(absl::Duration, max_connection_age);
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(int64_t, block_cache_mb);
ABSL_DECLARE_FLAG(int64_t, memory_limit_mb);
ABSL_DECLARE_FLAG(double, block_cache_fraction);
ABSL_DECLARE_FLAG(bool, sync_writes);
ABSL_DECLARE_FLAG(int32_t, metrics_port);
ABSL_DECLARE_FLAG(std::string, metrics_port_file);

namespace common {

inline constexpr char kEnvPrefix[] = "DANGBO_";

// "block_cache_mb" -> "DANGBO_BLOCK_CACHE_MB".
std::string EnvVarForFlag(absl::string_view flag_name);

// Sets flags from DANGBO_* entries of `env` (name -> value). Fails on a variable that names
// no flag or holds a value the flag cannot parse.
absl::Status ApplyEnvironment(const std::map<std::string, std::string>& env);

// The process environment's DANGBO_* entries.
std::map<std::string, std::string> DangboEnvironment();

// ApplyEnvironment(DangboEnvironment()) then absl::ParseCommandLine. Exits with status 2 and
// a message on stderr when either fails. Returns the positional arguments. Also turns off
// Abseil's mutex deadlock detection: Debian builds Abseil without NDEBUG, so every
// absl::Mutex lock (gRPC's included) otherwise goes through a process-wide lock-order graph.
std::vector<char*> InitFlags(int argc, char** argv, absl::string_view usage);

// Settings every dangbo server shares, validated.
struct ServerConfig {
  std::string service;          // "records" or "analytics"
  std::string listen;           // host or IP to bind
  int port = 0;                 // 0 picks a free port (tests)
  std::string data_dir;         // RocksDB directory
  std::string port_file;        // when set, the bound port is written there
  int64_t max_message_bytes = 0;
  absl::Duration shutdown_grace;
  absl::Duration drain_delay;
  absl::Duration keepalive_time;
  absl::Duration keepalive_timeout;
  absl::Duration max_connection_age;  // zero: unlimited
  LogLevel log_level = LogLevel::kInfo;
  // The RocksDB block cache in MiB: --block_cache_mb when set, else --block_cache_fraction
  // of --memory_limit_mb (Kubernetes passes the container's limit), else 256.
  int64_t block_cache_mb = 0;
  int64_t memory_limit_mb = 0;  // 0: unknown
  double block_cache_fraction = 0.4;
  bool sync_writes = true;
  // Prometheus /metrics endpoint (common/metrics_http.h) on `listen`: unset = off; 0 = a
  // free port (reported in the "serving" log line and metrics_port_file).
  std::optional<int> metrics_port;
  std::string metrics_port_file;  // when set, the bound metrics port is written there

  // "127.0.0.1:50051"; IPv6 literals are bracketed.
  std::string Address() const;
  // True when `listen` is a loopback address (plaintext is only allowed there).
  bool IsLoopback() const;
};

// The default Prometheus metrics port of a service: records 9091, analytics 9092 (so both run
// side by side in `make run`), 0 for others (none).
int DefaultMetricsPort(absl::string_view service);

// Reads and validates the shared flags; the defaults apply when --port is -1 and --data_dir
// is empty. --metrics_port: -1 (default) is DefaultMetricsPort(service), or a free port when
// --port is 0 (tests and scripts that pick free ports must not collide on 9091); 0 turns the
// endpoint off. Errors are INVALID_ARGUMENT naming every bad flag.
absl::StatusOr<ServerConfig> ServerConfigFromFlags(absl::string_view service, int default_port,
                                                   absl::string_view default_data_dir);

}  // namespace common
