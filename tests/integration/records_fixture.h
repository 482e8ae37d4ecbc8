// File: tests/integration/records_fixture.h
//
// An in-process records server on 127.0.0.1 (port 0, a temp data directory) with a generated
// stub, and helpers that build valid requests, for the records_*_test.cc integration tests.
#pragma once

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/auth.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/records/records_server.h"
#include "tests/support/process.h"

namespace records::testing {

namespace v1 = ::dangbo::records::v1;

inline google::type::Date Day(int y, int m, int d) {
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

inline dangbo::common::v1::DecisionRef Decision(const std::string& number,
                                                const google::type::Date& date) {
  dangbo::common::v1::DecisionRef d;
  d.set_number(number);
  *d.mutable_date() = date;
  d.set_issuing_body("Đảng ủy Cục Hải quan Long An");
  return d;
}

class RecordsFixture : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  // Starts the server on a free port; with `token_file`, callers need a bearer token from it.
  void StartServer(absl::Duration retention = absl::Hours(24 * 7), int64_t max_events = 0,
                   const std::string& token_file = "") {
    common::SetLogLevel(common::LogLevel::kWarning);  // keep test output readable
    RecordsConfig config;
    config.server.service = "records";
    config.server.listen = "127.0.0.1";
    config.server.port = 0;
    config.server.data_dir = dir_.Sub("db");
    config.server.max_message_bytes = 16 << 20;
    config.server.shutdown_grace = absl::Seconds(5);
    config.server.keepalive_time = absl::Seconds(60);
    config.server.keepalive_timeout = absl::Seconds(20);
    config.server.block_cache_mb = 8;
    config.server.sync_writes = false;  // throwaway data: tests need no fsync
    config.change_log_retention = retention;
    config.change_log_retention_events = max_events;
    config.retention_interval = absl::Hours(1);  // tests trim explicitly
    if (!token_file.empty()) {
      config.security.token_file = token_file;
      absl::StatusOr<std::shared_ptr<common::TokenStore>> tokens =
          common::LoadTokens(config.security);
      ASSERT_TRUE(tokens.ok()) << tokens.status();
      config.tokens = *tokens;
    }
    auto server = RecordsServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::RecordsService::NewStub(channel_);
  }

  // Token file lines: a token and its "principal role".
  using TokenLines = std::vector<std::pair<std::string, std::string>>;

  // Starts the server with bearer tokens: `tokens` in the token file (hashed).
  void StartServerWithTokens(const TokenLines& tokens) {
    ASSERT_NO_FATAL_FAILURE(WriteTokens(tokens));
    StartServer(absl::Hours(24 * 7), 0, dir_.Sub("tokens"));
  }

  // Rewrites the token file atomically (write, then rename), as a Secret update does.
  void WriteTokens(const TokenLines& tokens) {
    const std::string tmp = dir_.Sub("tokens.tmp");
    {
      std::ofstream out(tmp);
      for (const auto& [token, principal_and_role] : tokens) {
        out << common::HashToken(token) << " " << principal_and_role << "\n";
      }
    }
    ASSERT_EQ(std::rename(tmp.c_str(), dir_.Sub("tokens").c_str()), 0);
  }

  // A call context with `authorization: Bearer <token>` (none when empty).
  static std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
    return c;
  }

  void TearDown() override {
    stub_.reset();
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->Shutdown().ok());
    }
  }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& principal = "tester") {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    c->AddMetadata("x-dangbo-principal", principal);
    return c;
  }

  // The context the builders below call with: Context(), and the bearer token `builder_token_`
  // when the server has tokens (set it after StartServerWithTokens).
  std::unique_ptr<grpc::ClientContext> BuilderContext() const {
    auto c = Context();
    if (!builder_token_.empty()) c->AddMetadata("authorization", "Bearer " + builder_token_);
    return c;
  }

  // --- Builders of valid requests --------------------------------------------------------
  void CreateOrganization(const std::string& id = "hq") {
    v1::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_code(absl::AsciiStrToUpper(absl::StrCat("C", id)));
    req.mutable_organization()->set_display_name("Đảng bộ Cục Hải quan Long An");
    *req.mutable_organization()->mutable_valid_from() = Day(2015, 1, 1);
    v1::Organization org;
    grpc::Status s = stub_->CreateOrganization(BuilderContext().get(), req, &org);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // Creates a cell established on 2015-03-01; the call's status.
  grpc::Status TryCreateCell(const std::string& id, const std::string& display_name,
                             const std::string& org = "hq") {
    v1::CreateCellRequest req;
    req.set_parent("organizations/" + org);
    req.set_cell_id(id);
    req.mutable_cell()->set_display_name(display_name);
    *req.mutable_cell()->mutable_established_date() = Day(2015, 3, 1);
    v1::Cell cell;
    return stub_->CreateCell(BuilderContext().get(), req, &cell);
  }

  void CreateCell(const std::string& id, const std::string& display_name,
                  const std::string& org = "hq") {
    grpc::Status s = TryCreateCell(id, display_name, org);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // A valid admission of member number `n` (distinct identifiers per n).
  static v1::AdmitMemberRequest AdmitRequest(int n, const std::string& cell,
                                             const std::string& full_name,
                                             const std::string& org = "hq") {
    v1::AdmitMemberRequest req;
    req.set_parent("organizations/" + org);
    req.set_member_id(absl::StrFormat("m-%04d", n));
    req.set_cell(absl::StrCat("organizations/", org, "/cells/", cell));
    v1::Member* m = req.mutable_member();
    m->set_full_name(full_name);
    m->set_gender(v1::Member::MALE);
    *m->mutable_birth_date() = Day(1985, 4, 30);
    m->set_national_id(absl::StrFormat("080085%06d", n));
    m->set_party_card_number(absl::StrFormat("%08d", 51000000 + n));
    *req.mutable_decision() = Decision(absl::StrCat(n, "-QĐ/ĐU"), Day(2010, 5, 10));
    *req.mutable_ceremony_date() = Day(2010, 5, 19);
    return req;
  }

  v1::Member Admit(int n, const std::string& cell, const std::string& full_name) {
    v1::Member member;
    grpc::Status s =
        stub_->AdmitMember(BuilderContext().get(), AdmitRequest(n, cell, full_name), &member);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return member;
  }

  testing_support::TempDir dir_;
  std::string builder_token_;
  std::unique_ptr<RecordsServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RecordsService::Stub> stub_;
};

// The ErrorInfo reason of a failed call ("" when absent).
inline std::string ReasonOf(const grpc::Status& status) {
  return common::ErrorReason(common::FromGrpcStatus(status));
}

// The field its first BadRequest violation names ("" when none).
inline std::string FieldOf(const grpc::Status& status) {
  const auto violations = common::FieldViolationsOf(common::FromGrpcStatus(status));
  return violations.empty() ? std::string() : violations[0].first;
}

}  // namespace records::testing
