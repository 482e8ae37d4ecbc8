#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace testing_support {

TempDir::TempDir() {
  char tmpl[] = "/tmp/dangbo-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::abort();
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& binary, std::vector<std::string> args, absl::Duration timeout) {
  std::unique_ptr<ServerProcess> p(new ServerProcess());
  p->scratch_ = std::make_unique<TempDir>();
  const std::string port_file = p->scratch_->Sub("port");
  p->log_path_ = p->scratch_->Sub("server.log");
  args.insert(args.begin(), binary);
  const bool fixed_port = std::any_of(args.begin(), args.end(), [](const std::string& a) {
    return a.rfind("--port=", 0) == 0;
  });
  if (!fixed_port) {
    args.push_back("--port=0");
  }
  args.push_back("--port_file=" + port_file);

  p->pid_ = fork();
  if (p->pid_ < 0) {
    return absl::InternalError("fork failed");
  }
  if (p->pid_ == 0) {
    const int log = open(p->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    // The child must not inherit a blocked signal mask from a test's threads.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      p->port_ = port;
      return p;
    }
    if (!p->Running()) {
      return absl::InternalError(
          absl::StrCat(binary, " exited with status ", p->exit_status_, "; log:\n", p->Log()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat(binary, " did not start within ", absl::FormatDuration(timeout), "; log:\n",
                   p->Log()));
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && Running()) {
    Kill();
  }
}

bool ServerProcess::Running() {
  if (exited_) {
    return false;
  }
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

int ServerProcess::Stop(int signal, absl::Duration timeout) {
  if (!Running()) {
    return exit_status_;
  }
  kill(pid_, signal);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (!Running()) {
      return exit_status_;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  Kill();
  return -1;
}

void ServerProcess::Kill() {
  if (!Running()) {
    return;
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exited_ = true;
  exit_status_ = 128 + SIGKILL;
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace testing_support
