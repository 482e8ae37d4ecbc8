// The benchmark dataset: its naming and partition formulas hold, it is a pure function of the
// seed, its names follow the Vietnamese frequencies, its national ids are valid and unique,
// and it loads through the public RPCs into a real records server (twice: the second run
// writes nothing).
#include <map>
#include <set>

#include "services/records/domain/identifiers.h"
#include "tests/bench/dataset/loader.h"
#include "tests/integration/records_fixture.h"

namespace bench::dataset {
namespace {

Shape Small() { return *Resolve({2000, 0, 0, 7}); }

TEST(BenchDatasetShape, ScalesTheNationalProportionsDown) {
  const Shape national = *Resolve({5500000, 0, 0, 1});
  EXPECT_EQ(national.cells, 300000);
  EXPECT_EQ(national.organizations, 55000);
  const Shape small = Small();
  EXPECT_EQ(small.cells, 109);
  EXPECT_EQ(small.organizations, 20);
  EXPECT_FALSE(Resolve({0, 0, 0, 1}).has_value());
  EXPECT_FALSE(Resolve({100, 5, 10, 1}).has_value()) << "more organizations than cells";
}

TEST(BenchDatasetShape, EveryMemberIsInACellOfItsOrganizationAndBlocksAreContiguous) {
  const Shape s = Small();
  std::map<int64_t, int> members_per_org;
  for (int64_t k = 1; k <= s.members; ++k) {
    const int64_t o = OrgOfMember(s, k);
    ASSERT_EQ(OrgOfCell(s, CellOfMember(s, k)), o) << "member " << k;
    if (k > 1) {
      ASSERT_GE(o, OrgOfMember(s, k - 1));
    }
    ++members_per_org[o];
  }
  EXPECT_EQ(members_per_org.size(), 20u);
  for (int64_t o = 1; o <= s.organizations; ++o) {
    EXPECT_EQ(OrgOfMember(s, FirstOfPart(o, s.members, s.organizations)), o);
    EXPECT_EQ(OrgOfCell(s, FirstOfPart(o, s.cells, s.organizations)), o);
  }
  EXPECT_EQ(MemberName(s, 1), "organizations/o-00001/members/m-0000001");
  EXPECT_EQ(CellName(s, 109), "organizations/o-00020/cells/c-000109");
}

TEST(BenchDatasetRows, AreAPureFunctionOfSeedAndNumber) {
  const Shape s = Small();
  Shape other = s;
  other.seed = 8;
  int differing = 0;
  for (int64_t k = 1; k <= 200; ++k) {
    EXPECT_EQ(MemberRow(s, k).SerializeAsString(), MemberRow(s, k).SerializeAsString());
    differing += MemberRow(s, k).member().full_name() != MemberRow(other, k).member().full_name();
  }
  EXPECT_GT(differing, 100) << "another seed gives another dataset";
}

TEST(BenchDatasetRows, FamilyNamesFollowVietnameseFrequenciesAndIdsAreValidAndUnique) {
  const Shape s = *Resolve({2500000, 0, 0, 3});  // ids over three millions groups
  std::map<std::string, int> families;
  std::set<std::string> ids;
  for (int64_t k = 1; k <= s.members; k += 25) {  // 100,000 members
    const v1::ImportMemberRow row = MemberRow(s, k);
    ++families[FamilyName(s, k)];
    ASSERT_TRUE(ids.insert(row.member().national_id()).second) << row.member().national_id();
    const auto& b = row.member().birth_date();
    ASSERT_TRUE(records::domain::ValidateNationalId(
                    row.member().national_id(), row.member().gender(),
                    absl::CivilDay(b.year(), b.month(), b.day()), "national_id")
                    .ok())
        << row.member().national_id();
  }
  const double n = 100000;
  EXPECT_NEAR(families["Nguyễn"] / n, 0.38, 0.01);
  EXPECT_NEAR(families["Trần"] / n, 0.11, 0.01);
  EXPECT_NEAR(families["Lê"] / n, 0.095, 0.01);
  EXPECT_NEAR(families["Phạm"] / n, 0.07, 0.01);
}

class BenchDatasetLoadTest : public records::testing::RecordsFixture {};

TEST_F(BenchDatasetLoadTest, LoadsTwoThousandMembersThroughThePublicRpcs) {
  const Shape s = Small();
  LoadOptions options;
  options.streams = 4;
  absl::StatusOr<LoadResult> result = Load(s, options, stub_.get(), nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->members_committed, 2000);
  EXPECT_GT(result->rated, 0);
  EXPECT_GT(result->removed, 0);
  EXPECT_GT(result->transferred, 0);
  EXPECT_EQ(result->plans, 20);

  int64_t listed = 0, cells = 0;
  for (int64_t o = 1; o <= s.organizations; ++o) {
    v1::ListMembersRequest list;
    list.set_parent(OrganizationName(o));
    list.set_page_size(1);
    v1::ListMembersResponse members;
    ASSERT_TRUE(stub_->ListMembers(Context().get(), list, &members).ok());
    listed += members.total_size();
    v1::ListCellsRequest list_cells;
    list_cells.set_parent(OrganizationName(o));
    list_cells.set_page_size(1000);
    v1::ListCellsResponse cell_page;
    ASSERT_TRUE(stub_->ListCells(Context().get(), list_cells, &cell_page).ok());
    cells += cell_page.cells_size();
  }
  EXPECT_EQ(listed, 2000);
  EXPECT_EQ(cells, s.cells);
  for (int64_t k : {1, 2, 999, 2000}) {
    v1::GetMemberRequest get;
    get.set_name(MemberName(s, k));
    v1::Member m;
    ASSERT_TRUE(stub_->GetMember(Context().get(), get, &m).ok()) << get.name();
    EXPECT_EQ(m.full_name(), MemberRow(s, k).member().full_name());
    if (FateOf(s, k) == Fate::kNone) {
      EXPECT_EQ(m.cell(), CellName(s, CellOfMember(s, k)));
    }
  }
  for (int64_t k = 1; k <= s.members; ++k) {
    if (FateOf(s, k) != Fate::kRemoved) continue;
    v1::GetMemberRequest get;
    get.set_name(MemberName(s, k));
    v1::Member m;
    ASSERT_TRUE(stub_->GetMember(Context().get(), get, &m).ok());
    EXPECT_EQ(m.state(), v1::Member::REMOVED) << get.name();
    break;
  }

  // A second run (an interrupted load resumed) writes nothing twice.
  options.lifecycle = false;
  absl::StatusOr<LoadResult> again = Load(s, options, stub_.get(), nullptr);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->members_committed, 0);
  EXPECT_EQ(again->members_already_committed, 2000);
  const std::string manifest = ManifestJson(s, options, *again, "in-process");
  EXPECT_NE(manifest.find("\"members\": 2000"), std::string::npos) << manifest;
}

}  // namespace
}  // namespace bench::dataset
