#include "services/analytics/config.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "common/config.h"
#include "common/security.h"

ABSL_FLAG(std::string, records_target, "",
          "records service to follow (WatchChanges), e.g. 127.0.0.1:50051 or "
          "dns:///records.dangbo.svc:50051; empty: do not follow");
ABSL_FLAG(absl::Duration, follower_max_backoff, absl::Seconds(30),
          "longest wait between reconnection attempts to records");
ABSL_FLAG(std::string, records_tls_ca, "",
          "CA (PEM) that records' certificate must chain to; set to talk TLS to records");
ABSL_FLAG(std::string, records_tls_cert, "",
          "client certificate (PEM) presented to records (mTLS), with --records_tls_key");
ABSL_FLAG(std::string, records_tls_key, "", "private key (PEM) of --records_tls_cert");
ABSL_FLAG(std::string, records_tls_server_name, "",
          "name records' certificate carries, when it differs from the target's host");
ABSL_FLAG(std::string, records_token_file, "",
          "file holding the bearer token analytics presents to records (a service token)");

ABSL_FLAG(std::string, role, "writer",
          "writer: owns the indicators (one per deployment, on a persistent volume) and serves "
          "WatchIndicatorChanges; replica: a read replica that follows the writer's indicator "
          "log and forwards writes to it (its data may live on an emptyDir)");
ABSL_FLAG(std::string, writer_target, "",
          "replicas: the writer to follow, e.g. dns:///analytics-writer.dangbo.svc:50052");
ABSL_FLAG(std::string, writer_tls_ca, "",
          "CA (PEM) the writer's certificate must chain to; empty: --records_tls_ca");
ABSL_FLAG(std::string, writer_tls_server_name, "",
          "name the writer's certificate carries, when it differs from the target's host");
ABSL_FLAG(std::string, writer_token_file, "",
          "file holding the bearer token a replica presents to the writer (a service token); "
          "empty: --records_token_file");

namespace analytics {

absl::StatusOr<AnalyticsConfig> AnalyticsConfigFromFlags() {
  absl::StatusOr<common::ServerConfig> server =
      common::ServerConfigFromFlags("analytics", 50052, ".data/analytics");
  if (!server.ok()) return server.status();
  AnalyticsConfig config;
  config.server = *server;
  config.follower.records_target = absl::GetFlag(FLAGS_records_target);
  config.follower.max_backoff = absl::GetFlag(FLAGS_follower_max_backoff);
  absl::StatusOr<common::SecurityConfig> security = common::SecurityConfigFromFlags(*server);
  absl::StatusOr<std::shared_ptr<common::TokenStore>> tokens =
      security.ok() ? common::LoadTokens(*security) : security.status();
  if (!tokens.ok()) return tokens.status();
  config.security = *security;
  config.tokens = *tokens;
  absl::StatusOr<std::string> records_token =
      common::ReadTokenFile(absl::GetFlag(FLAGS_records_token_file), "--records_token_file");
  const std::string ca = absl::GetFlag(FLAGS_records_tls_ca);
  const std::string cert = absl::GetFlag(FLAGS_records_tls_cert);
  const std::string key = absl::GetFlag(FLAGS_records_tls_key);
  if (!records_token.ok()) return records_token.status();
  if (cert.empty() != key.empty() || (!cert.empty() && ca.empty())) {
    return absl::InvalidArgumentError(
        "--records_tls_cert and --records_tls_key go together, and need --records_tls_ca");
  }
  config.follower.bearer_token = *records_token;
  config.follower.tls_server_name = absl::GetFlag(FLAGS_records_tls_server_name);
  if (!ca.empty()) {
    config.follower.credentials = common::ClientCredentials(ca, cert, key);
  }

  const std::string role = absl::GetFlag(FLAGS_role);
  const std::string writer = absl::GetFlag(FLAGS_writer_target);
  std::string problem;
  if (role != "writer" && role != "replica") {
    problem = "--role must be writer or replica, got \"" + role + "\"";
  } else if (role == "replica" && writer.empty()) {
    problem = "--role=replica needs --writer_target (the analytics writer to follow)";
  } else if (role == "writer" && !writer.empty()) {
    problem = "--writer_target is for --role=replica; a writer owns its indicators";
  }
  absl::StatusOr<std::string> writer_token =
      common::ReadTokenFile(absl::GetFlag(FLAGS_writer_token_file), "--writer_token_file");
  if (problem.empty() && !writer_token.ok()) {
    problem = std::string(writer_token.status().message());
  }
  if (!problem.empty()) return absl::InvalidArgumentError(problem);
  if (role == "replica") {
    config.writer = config.follower;  // deadlines, backoff, keepalive as for records
    config.writer.records_target = writer;
    if (!absl::GetFlag(FLAGS_writer_token_file).empty()) config.writer.bearer_token = *writer_token;
    const std::string writer_ca = absl::GetFlag(FLAGS_writer_tls_ca);
    if (!writer_ca.empty())
      config.writer.credentials = common::ClientCredentials(writer_ca, cert, key);
    config.writer.tls_server_name = absl::GetFlag(FLAGS_writer_tls_server_name);
  }
  return config;
}

}  // namespace analytics
