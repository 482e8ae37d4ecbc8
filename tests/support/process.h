// File: tests/support/process.h
//
// Real server binaries as child processes, for integration tests on loopback:
//
//   TempDir dir;
//   auto records = ServerProcess::Start(RECORDS_SERVER_BINARY, {"--data_dir=" + dir.path()});
//   ASSERT_TRUE(records.ok());
//   auto channel = grpc::CreateChannel((*records)->address(), ...);
//   EXPECT_EQ((*records)->Stop(SIGTERM), 0);   // exit code
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace testing_support {

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A port that was free a moment ago on 127.0.0.1 (for a server that must come back on the
// same port after a restart).
int FreePort();

class ServerProcess {
 public:
  // Starts `binary` with `args` plus --port_file (and --port=0 unless `args` has --port=); returns once the server has
  // written its port (it is serving), or an error with the tail of its log.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& binary, std::vector<std::string> args,
      absl::Duration timeout = absl::Seconds(30));

  ~ServerProcess();  // SIGKILLs a process still running

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

  // Sends `signal` and waits for the exit. Returns the exit code, or 128 + signal number when
  // the process died of a signal, or -1 on timeout (then it is killed).
  int Stop(int signal, absl::Duration timeout = absl::Seconds(60));
  // SIGKILL, as a crash.
  void Kill();
  // True while the process has not exited.
  bool Running();
  // The server's log so far.
  std::string Log() const;

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
  int exit_status_ = 0;
  std::string log_path_;
  std::unique_ptr<TempDir> scratch_;
};

}  // namespace testing_support
