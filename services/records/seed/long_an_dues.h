// File: services/records/seed/long_an_dues.h
//
// Party dues and cell meetings for the Long An seed. The rate tables are regulation data,
// read from data/dues_rate_tables.textproto (each value with its source). Everything else is
// ILLUSTRATIVE, made up to show the features, not taken from the committee's books: the
// dues bases (salary figures), the 2026 payments of two cells (Văn phòng, Tổ chức cán bộ)
// and January's remittances, and their 2026 meetings. The illustrative data shows one member
// three months unpaid without a reason, one month unpaid with a reason, one member absent
// without reason three times, one excused absence, one month without a regular meeting and a
// year one thematic meeting short. Every write carries a fixed request_id ("seed-dues-...",
// "seed-meeting-...").
#pragma once

#include <vector>

#include "dangbo/records/v1/records_service.pb.h"

namespace records::seed {

namespace v1 = ::dangbo::records::v1;

struct DuesAndMeetings {
  std::vector<v1::CreateDuesRateTableRequest> rate_tables;
  std::vector<v1::CreateDuesBasisRequest> bases;
  std::vector<v1::RecordDuesPaymentRequest> payments;
  std::vector<v1::RecordDuesRemittanceRequest> remittances;
  std::vector<v1::CreateMeetingRequest> meetings;
};

// The dataset (built once; aborts if the embedded rate tables do not parse, which a unit
// test catches).
const DuesAndMeetings& LongAnDuesAndMeetings();

// The text of data/dues_rate_tables.textproto (a ListDuesRateTablesResponse).
const char* DuesRateTablesText();

}  // namespace records::seed
