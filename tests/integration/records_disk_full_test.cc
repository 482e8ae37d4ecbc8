// Disk full: the real records server on a small tmpfs that the test mounts (CI runs as root).
// While the disk is full every write is refused with RESOURCE_EXHAUSTED, reason DISK_FULL —
// never OK, never a crash or INTERNAL — and reads keep working. When space returns, writes
// succeed again without a restart, and after a restart every acknowledged write is there.
// Killed while the disk is full, records comes back intact once there is space: a WAL or
// MANIFEST cut short by the full disk does not corrupt the database.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/integration/records_workload.h"
#include "tests/support/process.h"

namespace reliability {
namespace {

using testing_support::FreePort;
using testing_support::ServerProcess;
using testing_support::TempDir;

constexpr int kDiskMiB = 24;
constexpr int64_t kHeadroomBytes = 512 << 10;  // left free by the ballast
constexpr int kWriters = 4;

int64_t FreeBytes(const std::string& path) {
  struct statvfs fs {};
  if (statvfs(path.c_str(), &fs) != 0) return -1;
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

// Fills the file system of `path` with the file `path` until writes fail with ENOSPC, then
// gives `headroom` bytes back. Returns the ballast's size.
int64_t WriteBallast(const std::string& path, int64_t headroom) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  EXPECT_GE(fd, 0) << path << ": " << std::strerror(errno);
  if (fd < 0) return 0;
  const std::string chunk(64 << 10, 'x');
  int64_t size = 0;
  for (;;) {
    const ssize_t n = write(fd, chunk.data(), chunk.size());
    if (n <= 0) {
      EXPECT_EQ(errno, ENOSPC) << std::strerror(errno);
      break;
    }
    size += n;
  }
  size = std::max<int64_t>(0, size - headroom);
  EXPECT_EQ(ftruncate(fd, size), 0) << std::strerror(errno);
  close(fd);
  return size;
}

class RecordsDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    disk_ = dir_.Sub("disk");
    ASSERT_EQ(mkdir(disk_.c_str(), 0755), 0) << std::strerror(errno);
    const std::string options = absl::StrCat("size=", kDiskMiB, "m");
    if (mount("tmpfs", disk_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      FAIL() << "cannot mount a " << kDiskMiB << " MiB tmpfs at " << disk_ << ": "
             << std::strerror(errno)
             << ". This test fills a small disk of its own and needs root (CAP_SYS_ADMIN), as "
                "CI has; run it as root.";
    }
    mounted_ = true;
  }

  void TearDown() override {
    if (records_ != nullptr) records_->Kill();
    records_.reset();
    if (mounted_ && umount2(disk_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "cannot unmount " << disk_ << ": " << std::strerror(errno);
    }
  }

  std::string DataDir() const { return disk_ + "/records"; }
  std::string Ballast() const { return disk_ + "/ballast"; }

  absl::StatusOr<std::unique_ptr<ServerProcess>> Launch() {
    return ServerProcess::Start(
        RECORDS_SERVER_BINARY,
        {"--data_dir=" + DataDir(), "--port=" + std::to_string(port_), "--metrics_port=0",
         "--sync_writes=true", "--backup_dir=none", "--block_cache_mb=8"});
  }

  void Start() {
    auto records = Launch();
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = std::move(*records);
    stub_ = rv1::RecordsService::NewStub(
        grpc::CreateChannel(records_->address(), grpc::InsecureChannelCredentials()));
  }

  // Admits member n; records the outcome. True when acknowledged.
  bool Admit(int n, grpc::Status* status) {
    rv1::Member member;
    *status = stub_->AdmitMember(Context("disk-full").get(), AdmitRequest(n, 2015, "c1"), &member);
    if (status->ok()) {
      ledger_.Acknowledged(member.name(), member.etag());
      return true;
    }
    return false;
  }

  // A refused write must say why, in the agreed way.
  void ExpectDiskFullRefusal(const grpc::Status& s) {
    std::lock_guard<std::mutex> lock(mu_);
    ++refusals_[s.error_code()];
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << "a write on a full disk: " << s.error_code() << " " << s.error_message();
    EXPECT_EQ(ReasonOf(s), "DISK_FULL") << s.error_message();
    EXPECT_NE(s.error_message().find("disk is full"), std::string::npos) << s.error_message();
  }

  // kWriters threads admit new members until each has been refused `refusals` times in a
  // row. Every refusal must be a clean DISK_FULL.
  void WriteUntilFull(int refusals) {
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([this, w, refusals] {
        int in_a_row = 0;
        const absl::Time deadline = absl::Now() + absl::Seconds(90);
        while (in_a_row < refusals && absl::Now() < deadline) {
          grpc::Status s;
          if (Admit(next_member_.fetch_add(1), &s)) {
            in_a_row = 0;
          } else {
            ExpectDiskFullRefusal(s);
            ++in_a_row;
            absl::SleepFor(absl::Milliseconds(20));
          }
        }
        EXPECT_GE(in_a_row, refusals) << "writer " << w << ": the disk never filled";
      });
    }
    for (auto& t : writers) t.join();
  }

  TempDir dir_;
  std::string disk_;
  bool mounted_ = false;
  int port_ = FreePort();
  std::unique_ptr<ServerProcess> records_;
  std::unique_ptr<rv1::RecordsService::Stub> stub_;
  Ledger ledger_;
  std::atomic<int> next_member_{1};
  std::mutex mu_;
  std::map<int, int> refusals_;  // by status code
};

TEST_F(RecordsDiskFullTest, RefusesWritesWhileFullAndRecoversWithoutRestart) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(CreateOrganizationAndCells(stub_.get(), 2));
  for (int i = 0; i < 20; ++i) {
    grpc::Status s;
    ASSERT_TRUE(Admit(next_member_.fetch_add(1), &s)) << s.error_message();
  }

  // Fill the disk and write until every writer is refused, many times over.
  const int64_t ballast = WriteBallast(Ballast(), kHeadroomBytes);
  ASSERT_GT(ballast, 0);
  ASSERT_NO_FATAL_FAILURE(WriteUntilFull(/*refusals=*/10));
  const int64_t acked_before = ledger_.acknowledged();
  std::printf("disk full after %lld acknowledged writes; free: %lld bytes\n",
              static_cast<long long>(acked_before), static_cast<long long>(FreeBytes(disk_)));

  // Still full: the server is up, reads work and show exactly what was acknowledged.
  ASSERT_TRUE(records_->Running()) << records_->Log();
  VerifyReport report;
  ASSERT_NO_FATAL_FAILURE(VerifyRecords(stub_.get(), ledger_, &report));
  EXPECT_EQ(report.resources_checked, static_cast<int64_t>(ledger_.Snapshot().size()));

  // Space returns: writes succeed again, with no restart.
  ASSERT_EQ(unlink(Ballast().c_str()), 0) << std::strerror(errno);
  const absl::Time freed = absl::Now();
  bool recovered = false;
  while (!recovered && absl::Now() < freed + absl::Seconds(60)) {
    grpc::Status s;
    recovered = Admit(next_member_.fetch_add(1), &s);
    if (!recovered) {
      ExpectDiskFullRefusal(s);
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  ASSERT_TRUE(recovered) << "writes still refused 60 s after space returned\n" << records_->Log();
  const absl::Duration recovery = absl::Now() - freed;
  // From now on every write succeeds: the commit queue is not wedged.
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([this] {
      for (int i = 0; i < 50; ++i) {
        grpc::Status s;
        EXPECT_TRUE(Admit(next_member_.fetch_add(1), &s))
            << s.error_code() << " " << s.error_message();
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_NO_FATAL_FAILURE(VerifyRecords(stub_.get(), ledger_, &report));

  // A clean restart keeps every acknowledged write.
  EXPECT_EQ(records_->Stop(SIGTERM), 0) << records_->Log();
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(VerifyRecords(stub_.get(), ledger_, &report));
  std::printf(
      "disk full: %lld writes acknowledged (%lld verified with their etag after restart), "
      "refusals while full: %d RESOURCE_EXHAUSTED, %zu other codes; writes resumed %s after "
      "space returned\n",
      static_cast<long long>(ledger_.acknowledged()), static_cast<long long>(report.etags_checked),
      refusals_[grpc::StatusCode::RESOURCE_EXHAUSTED], refusals_.size() - 1,
      absl::FormatDuration(recovery).c_str());
}

TEST_F(RecordsDiskFullTest, KilledWhileFullComesBackIntact) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(CreateOrganizationAndCells(stub_.get(), 2));
  ASSERT_GT(WriteBallast(Ballast(), kHeadroomBytes), 0);
  ASSERT_NO_FATAL_FAILURE(WriteUntilFull(/*refusals=*/5));
  records_->Kill();  // SIGKILL with a WAL cut short by the full disk

  // Still full: records either refuses to start with a clear message, or starts and serves
  // what was acknowledged. Either way nothing is corrupted.
  {
    auto attempt = Launch();
    if (attempt.ok()) {
      records_ = std::move(*attempt);
      stub_ = rv1::RecordsService::NewStub(
          grpc::CreateChannel(records_->address(), grpc::InsecureChannelCredentials()));
      VerifyReport report;
      ASSERT_NO_FATAL_FAILURE(VerifyRecords(stub_.get(), ledger_, &report));
      std::printf("restarted on the full disk: serving %lld acknowledged writes\n",
                  static_cast<long long>(report.resources_checked));
      records_->Kill();
    } else {
      EXPECT_NE(attempt.status().message().find("disk is full"), std::string::npos)
          << attempt.status();
      std::printf("restart on the full disk refused: %s\n",
                  std::string(attempt.status().message().substr(0, 400)).c_str());
    }
  }

  ASSERT_EQ(unlink(Ballast().c_str()), 0) << std::strerror(errno);
  ASSERT_NO_FATAL_FAILURE(Start());
  VerifyReport report;
  ASSERT_NO_FATAL_FAILURE(VerifyRecords(stub_.get(), ledger_, &report));
  for (int i = 0; i < 20; ++i) {
    grpc::Status s;
    EXPECT_TRUE(Admit(next_member_.fetch_add(1), &s)) << s.error_message();
  }
  EXPECT_EQ(records_->Stop(SIGTERM), 0) << records_->Log();
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(VerifyRecords(stub_.get(), ledger_, &report));
  std::printf("killed on a full disk: %lld acknowledged writes intact, change log head %llu\n",
              static_cast<long long>(report.resources_checked),
              static_cast<unsigned long long>(report.change_log_head));
}

}  // namespace
}  // namespace reliability
