// The member list's filter semantics and the bounded page collector.
#include "services/records/service/member_query.h"

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
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

Page<int> Collect(const std::vector<std::pair<std::string, int>>& items, const std::string& after,
                 bool desc, int page_size, size_t* matched = nullptr) {
  PageCollector<int> pages(after, desc, page_size);
  for (const auto& [key, item] : items) {
    if (pages.Count(key)) pages.Keep(key, item);
  }
  if (matched != nullptr) *matched = pages.matched();
  return std::move(pages).Take();
}

TEST(PageCollectorTest, PagesFollowTheKeysInBothDirections) {
  std::vector<std::pair<std::string, int>> items = {{"c", 3}, {"a", 1}, {"b", 2}, {"d", 4}};
  size_t matched = 0;
  Page<int> first = Collect(items, "", false, 3, &matched);
  EXPECT_EQ(first.items, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(first.next_key, "c");
  EXPECT_EQ(matched, 4u) << "every item offered is counted";
  Page<int> second = Collect(items, first.next_key, false, 3, &matched);
  EXPECT_EQ(second.items, (std::vector<int>{4}));
  EXPECT_EQ(second.next_key, "");
  EXPECT_EQ(matched, 4u) << "items before the token are counted too";
  Page<int> desc = Collect(items, "c", true, 5);
  EXPECT_EQ(desc.items, (std::vector<int>{2, 1}));
  Page<int> exact = Collect(items, "", false, 4);
  EXPECT_EQ(exact.next_key, "") << "no token when nothing follows";
  Page<int> desc_first = Collect(items, "", true, 2);
  EXPECT_EQ(desc_first.items, (std::vector<int>{4, 3}));
  EXPECT_EQ(desc_first.next_key, "c");
}

// Items arrive in storage order, not list order: walking every page of a shuffled list
// yields each item once, in order, whatever the page size.
TEST(PageCollectorTest, WalksAShuffledListPageByPage) {
  std::vector<std::pair<std::string, int>> items;
  for (int i = 0; i < 500; ++i) items.emplace_back(absl::StrFormat("k%04d", i), i);
  std::mt19937 random(7);
  std::shuffle(items.begin(), items.end(), random);
  for (bool desc : {false, true}) {
    for (int page_size : {1, 7, 50, 499, 500, 501}) {
      std::vector<int> seen;
      std::string after;
      int pages = 0;
      do {
        Page<int> page = Collect(items, after, desc, page_size);
        ASSERT_LE(static_cast<int>(page.items.size()), page_size);
        seen.insert(seen.end(), page.items.begin(), page.items.end());
        after = page.next_key;
        ASSERT_LT(++pages, 1000);
      } while (!after.empty());
      ASSERT_EQ(seen.size(), 500u) << "page size " << page_size;
      for (int i = 0; i < 500; ++i) {
        EXPECT_EQ(seen[i], desc ? 499 - i : i) << "page size " << page_size;
      }
    }
  }
}

}  // namespace
}  // namespace records
