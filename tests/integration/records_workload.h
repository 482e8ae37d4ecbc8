// File: tests/integration/records_workload.h
//
// What the reliability tests (disk full, crashes with analytics following, soak) send to a
// real records server, and how they prove that nothing acknowledged was lost:
//   - request builders with valid, unique content (member n gets its own national ID and
//     party card number);
//   - Ledger: per resource, the etag of its last acknowledged write (thread-safe);
//   - VerifyRecords(): every acknowledged write is present with its etag; the change log runs
//     gapless from 1 to its head; each resource's last change event carries the resource's
//     current etag (resource and change log agree); the member list (an index) holds exactly
//     the members the change log created.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace reliability {

namespace rv1 = ::dangbo::records::v1;

inline constexpr char kOrganization[] = "organizations/hq";

google::type::Date Day(int year, int month, int day);
dangbo::common::v1::DecisionRef Decision(const std::string& number, const google::type::Date& d);

// A call context with a deadline and an x-dangbo-principal.
std::unique_ptr<grpc::ClientContext> Context(const std::string& principal,
                                             absl::Duration timeout = absl::Seconds(20));

// The organization "hq" and cells "c1".."c<cells>" (established 2005).
void CreateOrganizationAndCells(rv1::RecordsService::Stub* stub, int cells);

// Member n (0 <= n < 1'000'000), admitted in `year` to cell `cell` ("c1").
rv1::AdmitMemberRequest AdmitRequest(int n, int year, const std::string& cell);
std::string MemberName(int n);
rv1::RecognizeFullMemberRequest RecognizeRequest(int n, int year);
rv1::RateMemberRequest RateRequest(int n, int year, rv1::YearlyRating::Level level);
rv1::TransferMemberRequest CellTransferRequest(int n, const std::string& cell,
                                               const google::type::Date& when);
// Plan n for `year` with two items targeting cell `cell`, led by member `lead`.
rv1::CreateInspectionPlanRequest PlanRequest(int n, int year, const std::string& cell, int lead);

// The acknowledged writes, by resource name.
class Ledger {
 public:
  // A write of `name` returned OK with `etag`.
  void Acknowledged(const std::string& name, const std::string& etag);
  // A write of `name` failed: it may or may not have happened, so only presence is checked
  // from now on (unless a later write is acknowledged).
  void Uncertain(const std::string& name);

  struct Entry {
    std::string etag;
    bool uncertain = false;
  };
  std::map<std::string, Entry> Snapshot() const;
  int64_t acknowledged() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  int64_t acknowledged_ = 0;
};

struct VerifyReport {
  int64_t resources_checked = 0;  // acknowledged resources read back
  int64_t etags_checked = 0;      // of which with their exact etag
  uint64_t change_log_head = 0;   // events 1..head read, gapless
  int64_t members_listed = 0;
};

// Checks everything the file comment promises (gtest failures); `report` gets the counts.
void VerifyRecords(rv1::RecordsService::Stub* stub, const Ledger& ledger, VerifyReport* report);

// The head of the change log (0 on error, with a gtest failure).
uint64_t ChangeLogHead(rv1::RecordsService::Stub* stub);

// The ErrorInfo reason of a failed call ("" when there is none).
std::string ReasonOf(const grpc::Status& status);

}  // namespace reliability
