// The member list's filter semantics and the in-memory pagination helper.
#include "services/records/service/member_query.h"

#include "gtest/gtest.h"
#include "services/records/service/resource_reads.h"

namespace records {
namespace {

v1::Member Member(const std::string& full_name, v1::Member::State state) {
  v1::Member m;
  m.set_name("organizations/hq/members/m1");
  m.set_full_name(full_name);
  m.set_state(state);
  m.set_cell("organizations/hq/cells/a");
  m.mutable_admission_date()->set_year(2020);
  m.set_national_id("080085001234");
  return m;
}

bool Matches(const v1::Member& m, const std::string& filter) {
  absl::StatusOr<MemberQuery> q = ParseMemberQuery("hq", filter, "");
  EXPECT_TRUE(q.ok()) << q.status();
  return q.ok() && MemberMatches(m, q->terms);
}

TEST(MemberQueryTest, NameQueryMatchesEveryWordAsAPrefixWithoutDiacritics) {
  const v1::Member m = Member("Nguyễn Văn Hùng", v1::Member::FULL);
  EXPECT_TRUE(Matches(m, "name_query = \"nguyen van hung\""));
  EXPECT_TRUE(Matches(m, "name_query = \"hung ng\""));
  EXPECT_TRUE(Matches(m, "name_query = \"NGUYỄN\""));
  EXPECT_FALSE(Matches(m, "name_query = \"nguyen thi\""));
  EXPECT_TRUE(Matches(Member("Đặng Đức", v1::Member::FULL), "name_query = \"dang duc\""))
      << "đ matches d";
}

TEST(MemberQueryTest, StateActiveCellYearAndIdentifierTerms) {
  const v1::Member away = Member("Lê Thị Lan", v1::Member::TEMPORARILY_AWAY);
  EXPECT_TRUE(Matches(away, "active = true"));
  EXPECT_FALSE(Matches(Member("Lê Thị Lan", v1::Member::REMOVED), "active = true"));
  EXPECT_TRUE(Matches(away, "state = TEMPORARILY_AWAY AND admission_year = 2020"));
  EXPECT_FALSE(Matches(away, "admission_year = 2019"));
  EXPECT_TRUE(Matches(away, "cell = \"organizations/hq/cells/a\""));
  EXPECT_FALSE(Matches(away, "cell = \"organizations/hq/cells/b\""));
  EXPECT_TRUE(Matches(away, "national_id = \"080085001234\""));
}

TEST(MemberQueryTest, UnknownFieldsAndOrdersAreInvalidArguments) {
  EXPECT_EQ(ParseMemberQuery("hq", "colour = \"red\"", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseMemberQuery("hq", "", "height desc").status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<MemberQuery> q = ParseMemberQuery("hq", "", "admission_date desc");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->order_field, "admission_date");
  EXPECT_TRUE(q->desc);
}

TEST(PaginateTest, PagesFollowTheKeysInBothDirections) {
  std::vector<std::pair<std::string, int>> items = {{"c", 3}, {"a", 1}, {"b", 2}, {"d", 4}};
  Page<int> first = Paginate(items, "", false, 3);
  EXPECT_EQ(first.items, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(first.next_key, "c");
  Page<int> second = Paginate(items, first.next_key, false, 3);
  EXPECT_EQ(second.items, (std::vector<int>{4}));
  EXPECT_EQ(second.next_key, "");
  Page<int> desc = Paginate(items, "c", true, 5);
  EXPECT_EQ(desc.items, (std::vector<int>{2, 1}));
  Page<int> exact = Paginate(items, "", false, 4);
  EXPECT_EQ(exact.next_key, "") << "no token when nothing follows";
}

}  // namespace
}  // namespace records
