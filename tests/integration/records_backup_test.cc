// Backups of the records database end to end: CreateBackup while writers commit, restore with
// the records_restore binary into a new directory, a server on the restored directory holds
// exactly the backed-up state (under a new log_id); ListBackups, VerifyBackup, DeleteBackup,
// idempotency, validation, and the admin-only permission.
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/auth.h"
#include "dangbo/records/v1/admin_service.grpc.pb.h"
#include "services/records/storage/records_db.h"
#include "services/records/storage/revision.h"
#include "tests/integration/records_fixture.h"

#ifndef RECORDS_RESTORE_BINARY
#error "RECORDS_RESTORE_BINARY must name the records_restore binary"
#endif

namespace records::testing {
namespace {

RecordsConfig BaseConfig(const std::string& data_dir, const std::string& backup_dir) {
  RecordsConfig config;
  config.server.service = "records";
  config.server.listen = "127.0.0.1";
  config.server.port = 0;
  config.server.data_dir = data_dir;
  config.server.max_message_bytes = 16 << 20;
  config.server.shutdown_grace = absl::Seconds(5);
  config.server.keepalive_time = absl::Seconds(60);
  config.server.keepalive_timeout = absl::Seconds(20);
  config.server.block_cache_mb = 8;
  config.server.sync_writes = false;
  config.retention_interval = absl::Hours(1);
  config.backup_dir = backup_dir;
  return config;
}

// Runs records_restore with `args`; its exit code.
int RunRestore(const std::vector<std::string>& args) {
  std::string command = RECORDS_RESTORE_BINARY;
  for (const std::string& a : args) command += " '" + a + "'";
  command += " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class RecordsBackupTest : public RecordsFixture {
 protected:
  void SetUp() override { Start(dir_.Sub("db")); }

  void Start(const std::string& data_dir) {
    common::SetLogLevel(common::LogLevel::kWarning);
    RecordsConfig config = BaseConfig(data_dir, dir_.Sub("backups"));
    config.backup_retention = retention_;
    auto server = RecordsServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::RecordsService::NewStub(channel_);
    admin_ = v1::RecordsAdminService::NewStub(channel_);
  }

  void Stop() {
    stub_.reset();
    admin_.reset();
    ASSERT_TRUE(server_->Shutdown().ok());
    server_.reset();
  }

  v1::GetChangeLogStateResponse LogState() {
    v1::GetChangeLogStateResponse state;
    grpc::Status s =
        stub_->GetChangeLogState(Context().get(), v1::GetChangeLogStateRequest(), &state);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return state;
  }

  std::set<std::string> MemberNames() {
    std::set<std::string> names;
    v1::ListMembersRequest req;
    req.set_parent("organizations/hq");
    req.set_page_size(1000);
    do {
      v1::ListMembersResponse resp;
      grpc::Status s = stub_->ListMembers(Context().get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const auto& m : resp.members()) names.insert(m.name());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return names;
  }

  v1::Backup CreateBackup(const std::string& description, const std::string& request_id = "") {
    v1::CreateBackupRequest req;
    req.set_description(description);
    req.set_request_id(request_id);
    v1::Backup backup;
    grpc::Status s = admin_->CreateBackup(Context("ops-admin").get(), req, &backup);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return backup;
  }

  v1::ListBackupsResponse ListBackups(int page_size = 0, const std::string& token = "") {
    v1::ListBackupsRequest req;
    req.set_page_size(page_size);
    req.set_page_token(token);
    v1::ListBackupsResponse resp;
    grpc::Status s = admin_->ListBackups(Context().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  std::unique_ptr<v1::RecordsAdminService::Stub> admin_;
  BackupRetention retention_;  // --backup_keep, --backup_max_age of the next Start()
};

TEST_F(RecordsBackupTest, BackupTakenDuringWritesRestoresExactlyItsState) {
  CreateOrganization();
  CreateCell("nghiep-vu", "Chi bộ Nghiệp vụ");
  // Every admitted member with the change-log sequence that created it.
  std::mutex mu;
  std::map<std::string, uint64_t> created;
  auto admit = [&](int n) {
    v1::Member m;
    grpc::Status s = stub_->AdmitMember(
        Context().get(), AdmitRequest(n, "nghiep-vu", absl::StrCat("Nguyễn Văn ", n)), &m);
    ASSERT_TRUE(s.ok()) << s.error_message();
    uint64_t revision = 0;
    ASSERT_TRUE(RevisionFromEtag(m.etag(), &revision)) << m.etag();
    std::lock_guard<std::mutex> lock(mu);
    created[m.name()] = revision;
  };
  for (int n = 1; n <= 20; ++n) admit(n);

  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int n = 100000 + w * 400000; !stop.load(); ++n) {  // disjoint ids, not 1..20, 9000
        admit(n);
        ++written;
      }
    });
  }
  while (written.load() < 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const uint64_t acknowledged = LogState().last_sequence();
  const v1::Backup backup = CreateBackup("before upgrade to 0.2", "cron-backup-1");
  const int written_at_backup = written.load();
  while (written.load() < written_at_backup + 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  for (std::thread& t : writers) t.join();

  const v1::GetChangeLogStateResponse source = LogState();
  EXPECT_GT(backup.backup_id(), 0u);
  EXPECT_GE(backup.last_sequence(), acknowledged) << "every acknowledged write is in the backup";
  EXPECT_LT(backup.last_sequence(), source.last_sequence()) << "writes went on after it";
  EXPECT_EQ(backup.log_id(), source.log_id());
  EXPECT_EQ(backup.schema_version(), kSchemaVersion);
  EXPECT_EQ(backup.description(), "before upgrade to 0.2");
  EXPECT_EQ(backup.created_by(), "ops-admin");
  EXPECT_GT(backup.size_bytes(), 0);
  EXPECT_GT(backup.file_count(), 0);
  EXPECT_GT(backup.create_time().seconds(), 0);
  EXPECT_FALSE(backup.has_verify_time());

  std::set<std::string> expected;
  for (const auto& [name, sequence] : created) {
    if (sequence <= backup.last_sequence()) expected.insert(name);
  }
  ASSERT_LT(expected.size(), created.size());
  Stop();

  const std::string restored = dir_.Sub("restored");
  const std::vector<std::string> restore_args = {"--backup_dir=" + dir_.Sub("backups"),
                                                 absl::StrCat("--backup_id=", backup.backup_id()),
                                                 "--data_dir=" + restored};
  ASSERT_EQ(RunRestore(restore_args), 0);
  EXPECT_EQ(RunRestore(restore_args), 1) << "a non-empty data directory is never overwritten";
  EXPECT_EQ(RunRestore({"--backup_dir=" + dir_.Sub("backups"), "--backup_id=99",
                        "--data_dir=" + dir_.Sub("other")}),
            1)
      << "unknown backup_id";
  EXPECT_EQ(RunRestore({"--backup_dir=" + dir_.Sub("backups"), "--data_dir=" + dir_.Sub("x")}), 2)
      << "--backup_id is required";

  Start(restored);
  const v1::GetChangeLogStateResponse state = LogState();
  EXPECT_EQ(state.last_sequence(), backup.last_sequence());
  EXPECT_FALSE(state.log_id().empty());
  EXPECT_NE(state.log_id(), backup.log_id()) << "a restore starts a new change log identity";
  EXPECT_EQ(MemberNames(), expected);

  // The restored server writes on from the backup's head.
  admit(9000);
  EXPECT_EQ(created["organizations/hq/members/m-9000"], backup.last_sequence() + 1);
}

// CreateBackup keeps the request_id contract of every other write (AIP-155): the same request
// again returns the first backup; another request under the same id, or an id another write
// used, is INVALID_ARGUMENT REQUEST_ID_REUSED and creates nothing.
TEST_F(RecordsBackupTest, ARequestIdReusedForAnotherRequestIsRefused) {
  CreateOrganization();
  const v1::Backup first = CreateBackup("nightly", "job-7");
  v1::CreateBackupRequest other;
  other.set_description("before the upgrade");
  other.set_request_id("job-7");
  v1::Backup backup;
  grpc::Status s = admin_->CreateBackup(Context("ops-admin").get(), other, &backup);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(ReasonOf(s), "REQUEST_ID_REUSED") << s.error_message();
  EXPECT_EQ(ListBackups().total_size(), 1) << "nothing was created";
  EXPECT_EQ(CreateBackup("nightly", "job-7").backup_id(), first.backup_id())
      << "the same request is still answered with the first backup";

  // One request_id space for every write of the service, backups included.
  v1::CreateCellRequest cell;
  cell.set_parent("organizations/hq");
  cell.set_cell_id("nghiep-vu");
  cell.set_request_id("job-7");
  cell.mutable_cell()->set_display_name("Chi bộ Nghiệp vụ");
  *cell.mutable_cell()->mutable_established_date() = Day(2015, 3, 1);
  v1::Cell created;
  s = stub_->CreateCell(Context().get(), cell, &created);
  EXPECT_EQ(ReasonOf(s), "REQUEST_ID_REUSED") << s.error_message();
  cell.set_request_id("job-8");
  ASSERT_TRUE(stub_->CreateCell(Context().get(), cell, &created).ok());
  other.set_request_id("job-8");
  s = admin_->CreateBackup(Context("ops-admin").get(), other, &backup);
  EXPECT_EQ(ReasonOf(s), "REQUEST_ID_REUSED") << s.error_message();
  EXPECT_EQ(ListBackups().total_size(), 1);
}

TEST_F(RecordsBackupTest, ListVerifyDeleteAndIdempotency) {
  CreateOrganization();
  const v1::Backup first = CreateBackup("first", "job-1");
  CreateCell("nghiep-vu", "Chi bộ Nghiệp vụ");
  const v1::Backup second = CreateBackup("second", "job-2");
  EXPECT_GT(second.backup_id(), first.backup_id());
  EXPECT_EQ(second.last_sequence(), first.last_sequence() + 1);

  const v1::Backup retry = CreateBackup("first", "job-1");
  EXPECT_EQ(retry.backup_id(), first.backup_id()) << "a retried request_id creates nothing";
  EXPECT_EQ(ListBackups().total_size(), 2);

  v1::ListBackupsResponse page1 = ListBackups(1);
  ASSERT_EQ(page1.backups_size(), 1);
  EXPECT_EQ(page1.backups(0).backup_id(), second.backup_id()) << "newest first";
  EXPECT_EQ(page1.total_size(), 2);
  ASSERT_FALSE(page1.next_page_token().empty());
  v1::ListBackupsResponse page2 = ListBackups(1, page1.next_page_token());
  ASSERT_EQ(page2.backups_size(), 1);
  EXPECT_EQ(page2.backups(0).backup_id(), first.backup_id());
  EXPECT_TRUE(page2.next_page_token().empty());

  v1::VerifyBackupRequest verify;
  verify.set_backup_id(first.backup_id());
  v1::Backup verified;
  grpc::Status s = admin_->VerifyBackup(Context().get(), verify, &verified);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(verified.has_verify_time());
  EXPECT_EQ(verified.last_sequence(), first.last_sequence());
  EXPECT_TRUE(ListBackups(1, page1.next_page_token()).backups(0).has_verify_time());

  v1::DeleteBackupRequest del;
  del.set_backup_id(first.backup_id());
  google::protobuf::Empty empty;
  s = admin_->DeleteBackup(Context().get(), del, &empty);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::ListBackupsResponse after = ListBackups();
  ASSERT_EQ(after.backups_size(), 1);
  EXPECT_EQ(after.backups(0).backup_id(), second.backup_id());
  EXPECT_EQ(admin_->DeleteBackup(Context().get(), del, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(admin_->VerifyBackup(Context().get(), verify, &verified).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// --backup_keep: each CreateBackup leaves the newest N. Then the runbook's off-cluster copy
// (deploy/OPERATIONS.md): every entry of the backup directory but staging/, meta/ last, to
// another place; records_restore restores from that copy alone.
TEST_F(RecordsBackupTest, RetentionKeepsTheNewestAndACopyElsewhereRestores) {
  Stop();
  retention_.keep = 2;
  Start(dir_.Sub("db"));
  CreateOrganization();
  CreateBackup("one");
  CreateCell("nghiep-vu", "Chi bộ Nghiệp vụ");
  const v1::Backup second = CreateBackup("two");
  const v1::Backup third = CreateBackup("three");
  v1::ListBackupsResponse list = ListBackups();
  ASSERT_EQ(list.backups_size(), 2);
  EXPECT_EQ(list.backups(0).backup_id(), third.backup_id());
  EXPECT_EQ(list.backups(1).backup_id(), second.backup_id());

  namespace fs = std::filesystem;
  const fs::path offsite = dir_.Sub("offsite");
  fs::create_directories(offsite);
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(dir_.Sub("backups"))) {
    if (entry.path().filename() != "staging") entries.push_back(entry.path());
  }
  std::stable_partition(entries.begin(), entries.end(),
                        [](const fs::path& p) { return p.filename() != "meta"; });
  for (const fs::path& p : entries) {
    fs::copy(p, offsite / p.filename(), fs::copy_options::recursive);
  }
  Stop();

  const std::string restored = dir_.Sub("restored-from-offsite");
  ASSERT_EQ(RunRestore({"--backup_dir=" + offsite.string(),
                        absl::StrCat("--backup_id=", third.backup_id()), "--data_dir=" + restored}),
            0);
  EXPECT_EQ(RunRestore({"--backup_dir=" + offsite.string(), "--backup_id=1",
                        "--data_dir=" + dir_.Sub("deleted")}),
            1)
      << "backup 1 was deleted by the retention, also in the copy";
  Start(restored);
  EXPECT_EQ(LogState().last_sequence(), third.last_sequence());
}

TEST_F(RecordsBackupTest, CorruptBackupFailsVerificationWithDataLoss) {
  CreateOrganization();
  const v1::Backup backup = CreateBackup("to corrupt");
  // Truncate every shared file of the backup.
  int truncated = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir_.Sub("backups/shared_checksum"))) {
    if (!entry.is_regular_file()) continue;
    std::ofstream(entry.path(), std::ios::trunc) << "x";
    ++truncated;
  }
  ASSERT_GT(truncated, 0);
  v1::VerifyBackupRequest verify;
  verify.set_backup_id(backup.backup_id());
  v1::Backup verified;
  grpc::Status s = admin_->VerifyBackup(Context().get(), verify, &verified);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS) << s.error_message();
  EXPECT_NE(s.error_message().find(".sst"), std::string::npos) << s.error_message();
}

TEST_F(RecordsBackupTest, BadRequestsAreRefusedNamingTheField) {
  v1::CreateBackupRequest create;
  create.set_description(std::string(201, 'a'));
  v1::Backup backup;
  grpc::Status s = admin_->CreateBackup(Context().get(), create, &backup);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("description"), std::string::npos) << s.error_message();

  v1::ListBackupsRequest list;
  list.set_page_size(-1);
  v1::ListBackupsResponse resp;
  s = admin_->ListBackups(Context().get(), list, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("page_size"), std::string::npos) << s.error_message();
  EXPECT_EQ(ListBackups().total_size(), 0) << "nothing was created";
}

TEST(RecordsBackupConfigTest, WithoutABackupDirectoryCallsAreFailedPrecondition) {
  testing_support::TempDir dir;
  auto server = RecordsServer::Start(BaseConfig(dir.Sub("db"), ""));
  ASSERT_TRUE(server.ok()) << server.status();
  auto admin = v1::RecordsAdminService::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  v1::Backup backup;
  grpc::ClientContext context;
  grpc::Status s = admin->CreateBackup(&context, v1::CreateBackupRequest(), &backup);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("--backup_dir"), std::string::npos) << s.error_message();
  EXPECT_TRUE((*server)->Shutdown().ok());
}

TEST(RecordsBackupAuthTest, OnlyAdminsMayBackUp) {
  testing_support::TempDir dir;
  {
    std::ofstream out(dir.Sub("tokens"));
    out << common::HashToken("admin-token") << " ops-admin admin\n"
        << common::HashToken("editor-token") << " ops-editor editor\n"
        << common::HashToken("viewer-token") << " ops-viewer viewer\n";
  }
  RecordsConfig config = BaseConfig(dir.Sub("db"), dir.Sub("backups"));
  config.security.token_file = dir.Sub("tokens");
  auto tokens = common::LoadTokens(config.security);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  config.tokens = *tokens;
  auto server = RecordsServer::Start(config);
  ASSERT_TRUE(server.ok()) << server.status();
  auto admin = v1::RecordsAdminService::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  auto as = [](const std::string& token) {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    c->AddMetadata("authorization", "Bearer " + token);
    return c;
  };
  v1::Backup backup;
  for (const std::string token : {"viewer-token", "editor-token"}) {
    grpc::Status s = admin->CreateBackup(as(token).get(), v1::CreateBackupRequest(), &backup);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << token;
  }
  v1::ListBackupsResponse list;
  EXPECT_EQ(
      admin->ListBackups(as("viewer-token").get(), v1::ListBackupsRequest(), &list).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s = admin->CreateBackup(as("admin-token").get(), v1::CreateBackupRequest(), &backup);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(backup.created_by(), "ops-admin");
  EXPECT_TRUE((*server)->Shutdown().ok());
}

}  // namespace
}  // namespace records::testing
