// The Long An demo dataset loaded through the public RPCs: 118 active members in 12 cells,
// committees, ratings, inspection plans; diacritic-insensitive name search with exact
// diacritics first; loading again changes nothing.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/vi_text.h"
#include "gmock/gmock.h"
#include "services/records/seed/seed_loader.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

class RecordsSeedTest : public RecordsFixture {
 protected:
  void SetUp() override {
    RecordsFixture::SetUp();
    absl::StatusOr<seed::LoadResult> loaded = seed::LoadLongAnSeed(stub_.get());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_FALSE(loaded->already_present);
    ASSERT_EQ(loaded->members, 118);
  }

  v1::ListMembersResponse List(const std::string& filter, int page_size = 1000) {
    v1::ListMembersRequest req;
    req.set_parent("organizations/hq-long-an");
    req.set_filter(filter);
    req.set_page_size(page_size);
    v1::ListMembersResponse resp;
    grpc::Status s = stub_->ListMembers(Context().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }
};

TEST_F(RecordsSeedTest, TheOrganizationHas118ActiveMembersIn12Cells) {
  v1::ListMembersResponse all = List("");
  EXPECT_EQ(all.members_size(), 118);
  EXPECT_EQ(all.total_size(), 118);
  EXPECT_EQ(List("active = true").total_size(), 118);
  EXPECT_GT(List("state = PROBATIONARY").total_size(), 0) << "some are probationary";
  for (const auto& m : all.members()) {
    EXPECT_EQ(m.full_name(), common::ToNfc(m.full_name()).value());
    EXPECT_EQ(m.national_id().size(), 12u);
  }
  // Default order: Vietnamese collation by given name first.
  for (int i = 1; i < all.members_size(); ++i) {
    EXPECT_LE(common::NameCollationKey(all.members(i - 1).full_name()),
              common::NameCollationKey(all.members(i).full_name()));
  }

  v1::ListCellsRequest cells_req;
  cells_req.set_parent("organizations/hq-long-an");
  v1::ListCellsResponse cells;
  ASSERT_TRUE(stub_->ListCells(Context().get(), cells_req, &cells).ok());
  ASSERT_EQ(cells.cells_size(), 12);
  int headcount = 0;
  for (const auto& c : cells.cells()) {
    headcount += c.headcount();
    EXPECT_FALSE(c.committee().secretary().empty()) << c.name();
    EXPECT_EQ(c.ratings_size(), 5) << "2020–2024";
  }
  EXPECT_EQ(headcount, 118);

  v1::ListOrganizationsRequest orgs_req;
  orgs_req.set_filter("region = \"Đồng bằng sông Cửu Long\"");
  v1::ListOrganizationsResponse orgs;
  ASSERT_TRUE(stub_->ListOrganizations(Context().get(), orgs_req, &orgs).ok());
  EXPECT_EQ(orgs.total_size(), 5) << "the seed unit and its four peers";

  v1::ListInspectionPlansRequest plans_req;
  plans_req.set_parent("organizations/hq-long-an");
  v1::ListInspectionPlansResponse plans;
  ASSERT_TRUE(stub_->ListInspectionPlans(Context().get(), plans_req, &plans).ok());
  ASSERT_EQ(plans.inspection_plans_size(), 6) << "one a year of the 2020–2025 term";
  EXPECT_EQ(plans.inspection_plans(0).year(), 2025) << "newest first";
  EXPECT_EQ(plans.inspection_plans(0).state(), v1::InspectionPlan::OPEN);
  EXPECT_EQ(plans.inspection_plans(5).state(), v1::InspectionPlan::COMPLETED);
}

// Every word of `query` is a prefix of some word of `name` (both already folded or exact).
bool EveryWordPrefixes(const std::string& query, const std::string& name) {
  std::vector<std::string> q = absl::StrSplit(query, ' ', absl::SkipEmpty());
  std::vector<std::string> n = absl::StrSplit(name, ' ', absl::SkipEmpty());
  for (const std::string& w : q) {
    bool found = false;
    for (const std::string& x : n) found |= x.rfind(w, 0) == 0;
    if (!found) return false;
  }
  return true;
}

TEST_F(RecordsSeedTest, NameSearchIsDiacriticInsensitiveWithExactMatchesFirst) {
  v1::ListMembersResponse found = List("name_query = \"nguyen van\"");
  ASSERT_GT(found.members_size(), 2);
  int nguyen_van = 0;
  for (const auto& m : found.members()) {
    EXPECT_TRUE(EveryWordPrefixes("nguyen van", common::FoldForSearch(m.full_name())))
        << m.full_name();
    nguyen_van += m.full_name().rfind("Nguyễn Văn ", 0) == 0;
  }
  EXPECT_GT(nguyen_van, 2) << "finds the members named Nguyễn Văn …";
  int all_nguyen_van = 0;
  const v1::ListMembersResponse everyone = List("");
  for (const auto& m : everyone.members()) {
    all_nguyen_van += m.full_name().rfind("Nguyễn Văn ", 0) == 0;
  }
  EXPECT_EQ(nguyen_van, all_nguyen_van) << "every one of them";

  // "Nguyễn Vân" finds the "Nguyễn Văn …" members too, but the exact spellings come first.
  v1::ListMembersResponse exact = List("name_query = \"Nguyễn Vân\"");
  EXPECT_EQ(exact.total_size(), found.total_size()) << "the same matches, folded";
  const std::string query_upper = common::ToUpperVi("Nguyễn Vân");
  bool in_exact_block = true;
  bool saw_vanh_anh = false, saw_nguyen_van_after = false;
  for (const auto& m : exact.members()) {
    const bool is_exact = EveryWordPrefixes(query_upper, common::ToUpperVi(m.full_name()));
    if (!is_exact) in_exact_block = false;
    EXPECT_TRUE(is_exact || !in_exact_block);
    EXPECT_FALSE(is_exact && !in_exact_block) << m.full_name() << " after an inexact match";
    saw_vanh_anh |= m.full_name() == "Nguyễn Vân Anh";
    saw_nguyen_van_after |= !in_exact_block && m.full_name().rfind("Nguyễn Văn ", 0) == 0;
  }
  EXPECT_TRUE(saw_vanh_anh);
  EXPECT_TRUE(saw_nguyen_van_after);
  EXPECT_TRUE(EveryWordPrefixes(query_upper, common::ToUpperVi(exact.members(0).full_name())));
}

TEST_F(RecordsSeedTest, PagingThroughTheSeedReturnsEveryMemberOnce) {
  std::vector<std::string> names;
  std::string token;
  do {
    v1::ListMembersRequest req;
    req.set_parent("organizations/hq-long-an");
    req.set_page_size(25);
    req.set_page_token(token);
    v1::ListMembersResponse resp;
    ASSERT_TRUE(stub_->ListMembers(Context().get(), req, &resp).ok());
    for (const auto& m : resp.members()) names.push_back(m.name());
    token = resp.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(names.size(), 118u);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
}

TEST_F(RecordsSeedTest, LoadingAgainChangesNothing) {
  v1::GetChangeLogStateResponse before;
  ASSERT_TRUE(
      stub_->GetChangeLogState(Context().get(), v1::GetChangeLogStateRequest(), &before).ok());
  absl::StatusOr<seed::LoadResult> again = seed::LoadLongAnSeed(stub_.get());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->already_present);
  EXPECT_TRUE(again->dues_already_present);
  v1::GetChangeLogStateResponse after;
  ASSERT_TRUE(
      stub_->GetChangeLogState(Context().get(), v1::GetChangeLogStateRequest(), &after).ok());
  EXPECT_EQ(after.last_sequence(), before.last_sequence());
}

// The rate tables of 342-QĐ/TW and 01-QĐ/TW and the illustrative 2026 dues and meetings of
// two cells (services/records/seed/long_an_dues.h): dv-004 leaves August to October unpaid
// and misses three regular meetings; Tổ chức cán bộ held no regular meeting in October.
TEST_F(RecordsSeedTest, DuesAndMeetingsOfTwoCellsAreSeeded) {
  v1::ListDuesRateTablesRequest tables_req;
  tables_req.set_parent("organizations/hq-long-an");
  v1::ListDuesRateTablesResponse tables;
  ASSERT_TRUE(stub_->ListDuesRateTables(Context().get(), tables_req, &tables).ok());
  ASSERT_EQ(tables.dues_rate_tables_size(), 2);
  EXPECT_EQ(tables.dues_rate_tables(0).name(), "organizations/hq-long-an/duesRateTables/qd-01-2026")
      << "latest effective_from first";

  const std::string office = "organizations/hq-long-an/cells/van-phong";
  v1::GetDuesSummaryRequest sum_req;
  sum_req.set_scope(office);
  sum_req.set_year(2026);
  v1::DuesSummary sum;
  ASSERT_TRUE(stub_->GetDuesSummary(Context().get(), sum_req, &sum).ok());
  EXPECT_EQ(sum.flagged_members(), 1);
  ASSERT_GT(sum.members_in_arrears_size(), 0);
  EXPECT_EQ(sum.members_in_arrears(0).member(), "organizations/hq-long-an/members/dv-004");
  EXPECT_GT(sum.year_total().collected(), 0);
  EXPECT_GT(sum.months(0).remitted(), 0) << "January's remittance";

  v1::GetCellMeetingSummaryRequest meet_req;
  meet_req.set_cell(office);
  meet_req.set_year(2026);
  v1::CellMeetingSummary meetings;
  ASSERT_TRUE(stub_->GetCellMeetingSummary(Context().get(), meet_req, &meetings).ok());
  EXPECT_EQ(meetings.thematic_meetings(), 3);
  int flagged = 0;
  for (const auto& m : meetings.members()) {
    if (m.flagged()) {
      ++flagged;
      EXPECT_EQ(m.member(), "organizations/hq-long-an/members/dv-004");
    }
  }
  EXPECT_EQ(flagged, 1);
  meet_req.set_cell("organizations/hq-long-an/cells/to-chuc-can-bo");
  ASSERT_TRUE(stub_->GetCellMeetingSummary(Context().get(), meet_req, &meetings).ok());
  ASSERT_GT(meetings.months_without_regular_meeting_size(), 0);
  EXPECT_EQ(meetings.months_without_regular_meeting(0), 10);
}

// The seeded 01-QĐ/TW table (in force from 02/2026) carries shares (UNVERIFIED: 342-QĐ/TW's
// carried over, data/dues_rate_tables.textproto), so a remittance after its effective date
// gets its expected shares instead of DUES_SHARE_NOT_IN_TABLE.
TEST_F(RecordsSeedTest, ARemittanceUnderTheNewTableComputesItsShares) {
  v1::GetDuesRateTableRequest get;
  get.set_name("organizations/hq-long-an/duesRateTables/qd-01-2026");
  v1::DuesRateTable table;
  ASSERT_TRUE(stub_->GetDuesRateTable(Context().get(), get, &table).ok());
  ASSERT_EQ(table.shares_size(), 4);
  EXPECT_THAT(table.source_note(), ::testing::HasSubstr("Shares kept UNVERIFIED"));

  // February's seeded payments of the 14 members: 5.400.000 + 360.000 × k đồng, 1% each.
  int64_t collected = 0;
  for (int k = 0; k < 14; ++k) collected += (5'400'000 + 360'000 * int64_t{k}) / 100;
  const int64_t kept = (collected * 3000 + 5000) / 10000;  // a cell keeps 30% (the lower bound)
  v1::RecordDuesRemittanceRequest req;
  req.set_parent("organizations/hq-long-an/cells/van-phong");
  v1::DuesRemittance* r = req.mutable_dues_remittance();
  r->mutable_period()->set_year(2026);
  r->mutable_period()->set_month(2);
  r->set_remitted_amount(collected - kept);
  r->mutable_remitted_date()->set_year(2026);
  r->mutable_remitted_date()->set_month(3);
  r->mutable_remitted_date()->set_day(5);
  r->set_recipient("organizations/hq-long-an");
  v1::DuesRemittance recorded;
  grpc::Status s = stub_->RecordDuesRemittance(Context().get(), req, &recorded);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(recorded.collected_amount(), collected);
  EXPECT_EQ(recorded.expected_kept_amount(), kept);
  EXPECT_EQ(recorded.expected_remitted_amount(), collected - kept);
}

}  // namespace
}  // namespace records::testing
