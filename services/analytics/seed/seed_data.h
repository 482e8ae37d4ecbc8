// File: services/analytics/seed/seed_data.h
//
// The analytics demo dataset: the Long An Customs Department's party committee
// (organizations/hq-long-an) with its four indicators and observations 2015–2024, and four
// peer customs departments of the Mekong Delta with their revenue, so that the seed unit
// ranks first in its region ("leading unit in the region").
//
// Exact figures from the seed article (../shared/seed/README.md): revenue 2015 2,103.4 and
// 2019 3,802.3 billion VND, 2019 legal target 2,440 and striving target 3,700; enterprises
// 1,072 and 2,031; declarations 203,482 and 496,444. Every other number is plausible but
// invented and says so in its source ("illustrative"); turnover is known only as "+91.9 %
// over the term", so 2019 / 2015 = 1.919 exactly.
//
// Organization metadata (display name, region, parent) is records' business: analytics
// learns it from records' change stream. kSeedOrganizations lists what records' seed must
// create for the ranking to work (same ids and region).
#pragma once

#include <string>
#include <vector>

#include "dangbo/analytics/v1/analytics_service.pb.h"

namespace analytics::seed {

inline constexpr char kRegion[] = "Đồng bằng sông Cửu Long";
inline constexpr char kSeedOrganization[] = "organizations/hq-long-an";

struct SeedOrganization {
  std::string name;          // "organizations/hq-long-an"
  std::string code;          // "DBHQLA"
  std::string display_name;  // "Đảng bộ Cục Hải quan Long An"
};

// The seed unit first, then its peers; all in kRegion.
const std::vector<SeedOrganization>& SeedOrganizations();

// Each declares its value domain: counts (enterprises, declarations) whole and
// non-negative, money (revenue, turnover) non-negative.
struct SeedIndicator {
  std::string organization;  // resource name
  std::string id;            // "state-budget-revenue"
  dangbo::analytics::v1::Indicator indicator;
};
std::vector<SeedIndicator> SeedIndicators();

// One RecordObservations request per organization (request ids fixed, so loading twice
// writes nothing the second time).
std::vector<dangbo::analytics::v1::RecordObservationsRequest> SeedObservations();

}  // namespace analytics::seed
