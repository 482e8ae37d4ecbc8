// File: services/records/seed/long_an_dataset.h
//
// The demo dataset from the seed article (../shared/seed): the Party Committee of the Long An
// Customs Department — organization "organizations/hq-long-an" (region Đồng bằng sông Cửu
// Long; Long An, Tiền Giang, Bến Tre; valid from 01/01/2015), 12 cells, exactly 118 members,
// each cell's committee, yearly ratings of cells (2020–2024) and full members (2022–2024),
// and an inspection plan per year of the 2020–2025 term with items at cells; plus four peer
// organizations of the region (Cần Thơ, Kiên Giang, An Giang, Cà Mau) without members.
//
// Generated deterministically (a fixed pseudo-random sequence): the same requests every time.
// Names are NFC with realistic southern family-name frequencies; national IDs use province
// codes 080 (Long An), 082 (Tiền Giang), 083 (Bến Tre) with the century/sex and year digits
// of the member's gender and birth date; party card and member file numbers are unique.
// Members admitted in 2025 stay probationary; the others are full members.
//
// The organization is not closed: closing it needs every cell merged or dissolved, which
// would take the 118 members off its active lists (see the report of issue 3).
#pragma once

#include <string>
#include <vector>

#include "dangbo/records/v1/records_service.pb.h"

namespace records::seed {

namespace v1 = ::dangbo::records::v1;

inline constexpr char kOrganizationId[] = "hq-long-an";
inline constexpr char kOrganizationName[] = "organizations/hq-long-an";
inline constexpr int kMemberCount = 118;
inline constexpr int kCellCount = 12;

struct Dataset {
  v1::CreateOrganizationRequest organization;
  // Four peer customs departments of the same region (no cells or members), so analytics can
  // rank the seed unit in its region (services/analytics/seed/seed_data.h names them).
  std::vector<v1::CreateOrganizationRequest> peers;
  std::vector<v1::CreateCellRequest> cells;
  v1::ImportMembersHeader import_header;
  std::vector<v1::ImportMemberRow> members;  // rows 2..119 (a spreadsheet with a header)
  std::vector<v1::SetCellCommitteeRequest> committees;
  std::vector<v1::RateCellRequest> cell_ratings;
  std::vector<v1::RateMemberRequest> member_ratings;
  std::vector<v1::CreateInspectionPlanRequest> inspection_plans;
  // Item transitions of past years' plans, in order (each names its plan and item).
  std::vector<v1::NotifyInspectionItemRequest> notifications;
  std::vector<v1::StartInspectionItemRequest> starts;
  std::vector<v1::ConcludeInspectionItemRequest> conclusions;
  std::vector<v1::CloseInspectionItemRequest> closings;
};

// The dataset; every write carries a fixed request_id ("seed-...") so a rerun writes nothing
// twice.
const Dataset& LongAnDataset();

}  // namespace records::seed
