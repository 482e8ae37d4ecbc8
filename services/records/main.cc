// records: the system of record for party organizations, cells, members and inspection plans.
#include <cstdio>
#include <string>

#include "common/config.h"
#include "common/logging.h"
#include "common/server.h"
#include "services/records/config.h"
#include "services/records/records_server.h"

int main(int argc, char** argv) {
  common::BlockTerminationSignals();
  common::InitFlags(argc, argv,
                    "records: party organizations, cells, members and inspection plans.\n"
                    "Every flag also reads DANGBO_<FLAG> from the environment.");
  absl::StatusOr<records::RecordsConfig> config = records::RecordsConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "records: invalid configuration: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  common::SetLogLevel(config->server.log_level);
  common::InstallGrpcLogHandler();  // before anything starts gRPC
  return records::RunRecordsServer(*config);
}
