#include "services/records/seed/long_an_dues.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "services/records/seed/long_an_dataset.h"

namespace records::seed {
namespace {

constexpr int kYear = 2026;
constexpr int kLastMonth = 11;  // the data runs to November 2026

struct SeedCell {
  const char* id;
  int first_member;  // index of its first member (dv-001 is 0), as long_an_dataset.cc numbers
  int size;
};
constexpr SeedCell kCells[] = {{"van-phong", 0, 14}, {"to-chuc-can-bo", 14, 9}};

std::string CellOf(const SeedCell& c) { return absl::StrCat(kOrganizationName, "/cells/", c.id); }
std::string MemberOf(int index) {
  return absl::StrFormat("%s/members/dv-%03d", kOrganizationName, index + 1);
}
google::type::Date Day(int year, int month, int day) {
  google::type::Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

// Illustrative salary bases: 5.400.000 đồng plus 360.000 per member of the cell.
int64_t BasisAmount(int k) { return 5'400'000 + 360'000 * static_cast<int64_t>(k); }
// 1% of it, as both seeded tables rate STATE_BODY_SALARY.
int64_t MonthlyDue(int k) { return (BasisAmount(k) * 100 + 5000) / 10000; }

void AddDues(DuesAndMeetings* d) {
  for (const SeedCell& cell : kCells) {
    int64_t january = 0;
    for (int k = 0; k < cell.size; ++k) {
      const int index = cell.first_member + k;
      const std::string member = MemberOf(index);
      v1::CreateDuesBasisRequest basis;
      basis.set_parent(member);
      basis.set_request_id(absl::StrFormat("seed-dues-basis-dv-%03d", index + 1));
      basis.mutable_dues_basis()->set_category(v1::STATE_BODY_SALARY);
      basis.mutable_dues_basis()->set_basis_amount(BasisAmount(k));
      basis.mutable_dues_basis()->mutable_effective_from()->set_year(kYear);
      basis.mutable_dues_basis()->mutable_effective_from()->set_month(1);
      d->bases.push_back(std::move(basis));
      for (int month = 1; month <= kLastMonth; ++month) {
        // dv-004 leaves August to October unpaid without a reason (flagged).
        if (index == 3 && month >= 8 && month <= 10) continue;
        v1::RecordDuesPaymentRequest pay;
        pay.set_parent(member);
        pay.set_request_id(
            absl::StrFormat("seed-dues-pay-dv-%03d-%04d-%02d", index + 1, kYear, month));
        v1::DuesPayment* p = pay.mutable_dues_payment();
        p->mutable_period()->set_year(kYear);
        p->mutable_period()->set_month(month);
        if (index == 6 && month == 9) {  // dv-007: deferred with a reason (not flagged)
          p->set_unpaid_reason("Chi bộ cho hoãn vì ốm dài ngày (minh họa)");
        } else {
          p->set_amount(MonthlyDue(k));
          *p->mutable_paid_date() = Day(kYear, month, 10);
          p->set_collector(MemberOf(cell.first_member));
          if (month == 1) january += MonthlyDue(k);
        }
        d->payments.push_back(std::move(pay));
      }
    }
    // January under 342-QĐ/TW, whose shares are known: the cell keeps 30%, sends the rest.
    v1::RecordDuesRemittanceRequest r;
    r.set_parent(CellOf(cell));
    r.set_request_id(absl::StrCat("seed-dues-remit-", cell.id, "-2026-01"));
    v1::DuesRemittance* rem = r.mutable_dues_remittance();
    rem->mutable_period()->set_year(kYear);
    rem->mutable_period()->set_month(1);
    rem->set_remitted_amount(january - (january * 3000 + 5000) / 10000);
    *rem->mutable_remitted_date() = Day(kYear, 2, 5);
    rem->set_recipient(kOrganizationName);
    rem->set_receipt_number(absl::StrCat("PT-2026-01-", cell.id));
    d->remittances.push_back(std::move(r));
  }
}

void AddMeetings(DuesAndMeetings* d) {
  const char* themes[] = {
      "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh (minh họa)",
      "Phòng, chống tham nhũng, tiêu cực trong công tác hải quan (minh họa)",
      "Nâng cao chất lượng sinh hoạt chi bộ (minh họa)"};
  for (const SeedCell& cell : kCells) {
    const bool office = std::string(cell.id) == "van-phong";
    for (int month = 1; month <= kLastMonth; ++month) {
      for (int thematic = 0; thematic < 2; ++thematic) {
        // Thematic meetings in March, June and September: one short of the four a year asks.
        if (thematic == 1 && month % 3 != 0) continue;
        // Tổ chức cán bộ held no regular meeting in October.
        if (thematic == 0 && !office && month == 10) continue;
        v1::CreateMeetingRequest m;
        m.set_parent(CellOf(cell));
        m.set_meeting_id(
            absl::StrFormat("%s-%04d-%02d", thematic ? "chuyen-de" : "thuong-ky", kYear, month));
        m.set_request_id(absl::StrCat("seed-meeting-", cell.id, "-", m.meeting_id()));
        v1::Meeting* meeting = m.mutable_meeting();
        meeting->set_kind(thematic ? v1::Meeting::THEMATIC : v1::Meeting::REGULAR);
        *meeting->mutable_date() = Day(kYear, month, thematic ? 20 : 5);
        meeting->set_topic(
            thematic ? themes[month / 3 - 1]
                     : absl::StrFormat("Sinh hoạt chi bộ thường kỳ tháng %02d/%04d", month, kYear));
        meeting->set_presiding_member(MemberOf(cell.first_member));
        meeting->set_minutes_reference(
            absl::StrFormat("Sổ biên bản chi bộ %04d, tr. %d", kYear, month * 2 + thematic));
        for (int k = 0; k < cell.size; ++k) {
          const int index = cell.first_member + k;
          v1::MeetingAttendance* a = meeting->add_attendance();
          a->set_member(MemberOf(index));
          a->set_status(v1::MeetingAttendance::PRESENT);
          // dv-004: absent without reason at three regular meetings (flagged).
          if (index == 3 && !thematic && (month == 2 || month == 4 || month == 7)) {
            a->set_status(v1::MeetingAttendance::ABSENT);
          }
          if (index == 5 && !thematic && month == 5) {  // dv-006: excused
            a->set_status(v1::MeetingAttendance::EXCUSED);
            a->set_reason("Đi công tác theo quyết định của Cục (minh họa)");
          }
        }
        d->meetings.push_back(std::move(m));
      }
    }
  }
}

}  // namespace

const DuesAndMeetings& LongAnDuesAndMeetings() {
  static const DuesAndMeetings* const kData = [] {
    auto* d = new DuesAndMeetings();
    v1::ListDuesRateTablesResponse tables;
    if (!google::protobuf::TextFormat::ParseFromString(DuesRateTablesText(), &tables)) {
      std::fprintf(stderr, "seed: data/dues_rate_tables.textproto does not parse\n");
      std::abort();
    }
    for (const v1::DuesRateTable& t : tables.dues_rate_tables()) {
      v1::CreateDuesRateTableRequest req;
      const size_t slash = t.name().rfind('/');
      req.set_parent(t.name().substr(0, t.name().find("/duesRateTables/")));
      req.set_dues_rate_table_id(t.name().substr(slash + 1));
      req.set_request_id(absl::StrCat("seed-dues-table-", req.dues_rate_table_id()));
      *req.mutable_dues_rate_table() = t;
      req.mutable_dues_rate_table()->clear_name();
      d->rate_tables.push_back(std::move(req));
    }
    AddDues(d);
    AddMeetings(d);
    return d;
  }();
  return *kData;
}

}  // namespace records::seed
