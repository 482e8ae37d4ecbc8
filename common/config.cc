#include "common/config.h"

#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"

extern char** environ;

ABSL_FLAG(std::string, listen, "127.0.0.1",
          "Address to bind. Use 0.0.0.0 in a pod (the kubelet probes the pod IP).");
ABSL_FLAG(int32_t, port, -1, "gRPC port; 0 picks a free one. -1: the service's default.");
ABSL_FLAG(std::string, data_dir, "", "RocksDB data directory (created if missing).");
ABSL_FLAG(std::string, port_file, "", "If set, the bound port is written to this file.");
ABSL_FLAG(int64_t, max_message_bytes, 16 << 20,
          "Largest gRPC message received or sent, in bytes (1 MiB to 256 MiB).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "On SIGTERM, how long in-flight RPCs may run before they are cancelled.");
ABSL_FLAG(absl::Duration, drain_delay, absl::ZeroDuration(),
          "On SIGTERM, how long to report NOT_SERVING before closing listeners "
          "(5s in Kubernetes, so endpoints update first).");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Seconds(60), "Server keepalive ping interval.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20), "Keepalive ping ack timeout.");
ABSL_FLAG(absl::Duration, max_connection_age, absl::ZeroDuration(),
          "Close client connections after this age so clients re-resolve (0: never).");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");
ABSL_FLAG(int64_t, block_cache_mb, 0,
          "RocksDB block cache size in MiB. 0: --block_cache_fraction of --memory_limit_mb "
          "when that is set, else 256.");
ABSL_FLAG(int64_t, memory_limit_mb, 0,
          "The memory the process may use, in MiB (Kubernetes: the container's memory limit "
          "through the downward API, resourceFieldRef limits.memory, divisor 1Mi); 0: unknown. "
          "Sizes the block cache when --block_cache_mb is 0.");
ABSL_FLAG(double, block_cache_fraction, 0.4,
          "Share of --memory_limit_mb given to the block cache (memtables included) when "
          "--block_cache_mb is 0; 0.05 to 0.8.");
ABSL_FLAG(bool, sync_writes, true,
          "Sync the RocksDB WAL before acknowledging a write (durable). Turn off only for "
          "throwaway data.");
ABSL_FLAG(int32_t, metrics_port, -1,
          "Port of the Prometheus /metrics endpoint (HTTP, on --listen). -1: the service's "
          "default (records 9091, analytics 9092), or a free port when --port=0; 0: off.");
ABSL_FLAG(std::string, metrics_port_file, "",
          "If set, the bound metrics port is written to this file.");

namespace common {

std::string EnvVarForFlag(absl::string_view flag_name) {
  return absl::StrCat(kEnvPrefix, absl::AsciiStrToUpper(flag_name));
}

absl::Status ApplyEnvironment(const std::map<std::string, std::string>& env) {
  for (const auto& [name, value] : env) {
    if (!absl::StartsWith(name, kEnvPrefix)) {
      continue;
    }
    const std::string flag_name = absl::AsciiStrToLower(name.substr(sizeof(kEnvPrefix) - 1));
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(flag_name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("environment variable ", name, " names no flag (--", flag_name,
                       " does not exist); remove it or fix its name"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("environment variable ", name, "=\"",
                                                     value, "\" is invalid: ", error));
    }
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> DangboEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view kv(*entry);
    if (!absl::StartsWith(kv, kEnvPrefix)) {
      continue;
    }
    const size_t eq = kv.find('=');
    if (eq == absl::string_view::npos) {
      continue;
    }
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::vector<char*> InitFlags(int argc, char** argv, absl::string_view usage) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(usage);
  // --help lists the flags of the files whose name matches the program's by default; dangbo's
  // flags live in common/ and services/, so name those (third-party flags stay under
  // --helpfull).
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "common/") || absl::StrContains(file, "services/");
  };
  usage_config.contains_helpshort_flags = usage_config.contains_help_flags;
  absl::SetFlagsUsageConfig(usage_config);
  if (absl::Status s = ApplyEnvironment(DangboEnvironment()); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], std::string(s.message()).c_str());
    std::exit(2);
  }
  return absl::ParseCommandLine(argc, argv);  // exits with a message on a bad flag
}

std::string ServerConfig::Address() const {
  if (listen.find(':') != std::string::npos && listen.front() != '[') {
    return absl::StrCat("[", listen, "]:", port);
  }
  return absl::StrCat(listen, ":", port);
}

bool ServerConfig::IsLoopback() const {
  return listen == "localhost" || absl::StartsWith(listen, "127.") || listen == "::1" ||
         listen == "[::1]";
}

int DefaultMetricsPort(absl::string_view service) {
  if (service == "records") {
    return 9091;
  }
  if (service == "analytics") {
    return 9092;
  }
  return 0;
}

namespace {

// --block_cache_mb when set, else the --block_cache_fraction of --memory_limit_mb when that
// is known, else 256 MiB.
void SizeBlockCache(ServerConfig* c, FieldViolations* v) {
  c->memory_limit_mb = absl::GetFlag(FLAGS_memory_limit_mb);
  c->block_cache_fraction = absl::GetFlag(FLAGS_block_cache_fraction);
  if (c->memory_limit_mb < 0) {
    v->Add("--memory_limit_mb",
           absl::StrCat("must be 0 (unknown) or positive, got ", c->memory_limit_mb));
  }
  if (!(c->block_cache_fraction >= 0.05 && c->block_cache_fraction <= 0.8)) {
    v->Add("--block_cache_fraction",
           absl::StrCat("must be 0.05..0.8, got ", c->block_cache_fraction));
  }
  c->block_cache_mb = absl::GetFlag(FLAGS_block_cache_mb);
  if (c->block_cache_mb != 0) {
    if (c->block_cache_mb < 8 || c->block_cache_mb > (1 << 20)) {
      v->Add("--block_cache_mb",
             absl::StrCat("must be 0 (derived) or 8..1048576, got ", c->block_cache_mb));
    } else if (c->memory_limit_mb > 0 && c->block_cache_mb >= c->memory_limit_mb) {
      v->Add("--block_cache_mb",
             absl::StrCat("must be below --memory_limit_mb (", c->memory_limit_mb, " MiB), got ",
                          c->block_cache_mb));
    }
    return;
  }
  if (c->memory_limit_mb <= 0) {
    c->block_cache_mb = 256;
    return;
  }
  c->block_cache_mb =
      static_cast<int64_t>(static_cast<double>(c->memory_limit_mb) * c->block_cache_fraction);
  if (c->block_cache_mb < 8) {
    v->Add("--memory_limit_mb", absl::StrCat("leaves a block cache of ", c->block_cache_mb,
                                             " MiB (", c->block_cache_fraction, " of ",
                                             c->memory_limit_mb, " MiB); it needs at least 8 MiB"));
  }
}

}  // namespace

absl::StatusOr<ServerConfig> ServerConfigFromFlags(absl::string_view service, int default_port,
                                                   absl::string_view default_data_dir) {
  ServerConfig c;
  FieldViolations v;
  c.service = std::string(service);
  c.listen = absl::GetFlag(FLAGS_listen);
  if (c.listen.empty()) {
    v.Add("--listen", "must name an address to bind, e.g. 127.0.0.1 or 0.0.0.0");
  }
  c.port = absl::GetFlag(FLAGS_port);
  if (c.port == -1) {
    c.port = default_port;
  }
  if (c.port < 0 || c.port > 65535) {
    v.Add("--port", absl::StrCat("must be 0..65535, got ", c.port));
  }
  c.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (c.data_dir.empty()) {
    c.data_dir = std::string(default_data_dir);
  }
  if (c.data_dir.empty()) {
    v.Add("--data_dir", "must name a directory for the RocksDB data");
  }
  c.port_file = absl::GetFlag(FLAGS_port_file);
  c.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (c.max_message_bytes < (1 << 20) || c.max_message_bytes > (256 << 20)) {
    v.Add("--max_message_bytes",
          absl::StrCat("must be between 1048576 (1 MiB) and 268435456 (256 MiB), got ",
                       c.max_message_bytes));
  }
  auto non_negative = [&](const char* flag, absl::Duration d) {
    if (d < absl::ZeroDuration()) {
      v.Add(flag, absl::StrCat("must not be negative, got ", absl::FormatDuration(d)));
    }
    return d;
  };
  c.shutdown_grace = non_negative("--shutdown_grace", absl::GetFlag(FLAGS_shutdown_grace));
  c.drain_delay = non_negative("--drain_delay", absl::GetFlag(FLAGS_drain_delay));
  c.keepalive_time = non_negative("--keepalive_time", absl::GetFlag(FLAGS_keepalive_time));
  c.keepalive_timeout =
      non_negative("--keepalive_timeout", absl::GetFlag(FLAGS_keepalive_timeout));
  c.max_connection_age =
      non_negative("--max_connection_age", absl::GetFlag(FLAGS_max_connection_age));
  if (!ParseLogLevel(absl::GetFlag(FLAGS_log_level), &c.log_level)) {
    v.Add("--log_level", absl::StrCat("must be debug, info, warning or error, got \"",
                                      absl::GetFlag(FLAGS_log_level), "\""));
  }
  SizeBlockCache(&c, &v);
  c.sync_writes = absl::GetFlag(FLAGS_sync_writes);
  const int metrics_port = absl::GetFlag(FLAGS_metrics_port);
  if (metrics_port < -1 || metrics_port > 65535) {
    v.Add("--metrics_port",
          absl::StrCat("must be -1 (default), 0 (off) or a port 1..65535, got ", metrics_port));
  } else if (metrics_port == -1) {
    const int fallback = DefaultMetricsPort(service);
    if (c.port == 0) {
      c.metrics_port = 0;
    } else if (fallback != 0) {
      c.metrics_port = fallback;
    }
  } else if (metrics_port > 0) {
    c.metrics_port = metrics_port;
    if (metrics_port == c.port) {
      v.Add("--metrics_port", absl::StrCat("must differ from --port (both ", c.port, ")"));
    }
  }
  c.metrics_port_file = absl::GetFlag(FLAGS_metrics_port_file);
  if (!v.empty()) {
    return v.ToStatus("INVALID_CONFIGURATION");
  }
  return c;
}

}  // namespace common
