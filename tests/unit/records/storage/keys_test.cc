// Key encoding: every field round-trips, and byte order is tuple order, so lists are range
// scans.
#include "services/records/storage/keys.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"

namespace records::keys {
namespace {

TEST(KeysTest, StringsRoundTripIncludingZeroBytes) {
  for (const std::string& s :
       {std::string(), std::string("a"), std::string("a\0b", 3), std::string("\0", 1),
        std::string("\xff\x01", 2), std::string("Nguyễn Văn Hùng")}) {
    std::string encoded;
    AppendString(&encoded, s);
    AppendUint64(&encoded, 42);
    absl::string_view in = encoded;
    std::string decoded;
    uint64_t n = 0;
    ASSERT_TRUE(ConsumeString(&in, &decoded));
    ASSERT_TRUE(ConsumeUint64(&in, &n));
    EXPECT_EQ(decoded, s);
    EXPECT_EQ(n, 42u);
    EXPECT_TRUE(in.empty());
  }
}

TEST(KeysTest, MalformedStringIsNotConsumed) {
  absl::string_view in("abc\0\x05", 5);
  std::string out;
  EXPECT_FALSE(ConsumeString(&in, &out));
  EXPECT_EQ(in.size(), 5u);
  absl::string_view unterminated("abc");
  EXPECT_FALSE(ConsumeString(&unterminated, &out));
}

TEST(KeysTest, StringOrderIsPreservedAndPrefixesSortFirst) {
  std::vector<std::string> values = {"b", "a", "ab", std::string("a\0", 2), "", "\xff", "aa"};
  std::vector<std::pair<std::string, std::string>> pairs;  // (encoded with a suffix, raw)
  for (const std::string& v : values) {
    std::string k;
    AppendString(&k, v);
    AppendString(&k, "zzz");  // a following field must not disturb the order
    pairs.emplace_back(k, v);
  }
  std::sort(pairs.begin(), pairs.end());
  std::sort(values.begin(), values.end());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(pairs[i].second, values[i]) << i;
}

TEST(KeysTest, IntegersAreBigEndianAndOrdered) {
  std::vector<uint64_t> numbers = {0, 1, 255, 256, 65535, 1ull << 40, ~0ull};
  std::vector<std::string> encoded;
  for (uint64_t n : numbers) encoded.push_back(SequenceKey(n));
  EXPECT_TRUE(std::is_sorted(encoded.begin(), encoded.end()));
  for (size_t i = 0; i < numbers.size(); ++i) {
    uint64_t back = 0;
    ASSERT_TRUE(ParseSequenceKey(encoded[i], &back));
    EXPECT_EQ(back, numbers[i]);
  }
  std::string k;
  AppendUint32(&k, 20240229);
  absl::string_view in = k;
  uint32_t date = 0;
  ASSERT_TRUE(ConsumeUint32(&in, &date));
  EXPECT_EQ(date, 20240229u);
  EXPECT_LT(DateNumber(2019, 12, 31), DateNumber(2020, 1, 1));
  EXPECT_EQ(DateNumber(0, 0, 0), 0u);
}

TEST(KeysTest, PrefixSuccessorBoundsAPrefixScan) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor("\xff"), "");
  const std::string prefix = MemberPrefix("org");
  EXPECT_LT(MemberKey("org", "zzzz"), PrefixSuccessor(prefix));
  EXPECT_GE(MemberKey("org-2", "a"), PrefixSuccessor(prefix))
      << "members of org-2 are outside org's range";
}

TEST(KeysTest, OrganizationsDoNotShareRangesWithLongerIds) {
  // "org" must not be a prefix of "org2"'s keys.
  const std::string org = MemberPrefix("org");
  const std::string other = MemberKey("org2", "m");
  EXPECT_NE(other.compare(0, org.size(), org), 0);
}

TEST(KeysTest, MemberIndexesOrderByCollationThenId) {
  EXPECT_LT(MemberByNameKey("o", "a", "z"), MemberByNameKey("o", "b", "a"));
  EXPECT_LT(MemberByNameKey("o", "a", "m1"), MemberByNameKey("o", "a", "m2"));
  EXPECT_LT(MemberByAdmissionKey("o", 19990101, "z"), MemberByAdmissionKey("o", 20000101, "a"));
  // Cell index is scoped by cell.
  const std::string cell = MemberByCellPrefix("o", "c1");
  EXPECT_EQ(MemberByCellKey("o", "c1", "k", "m").compare(0, cell.size(), cell), 0);
  EXPECT_NE(MemberByCellKey("o", "c10", "k", "m").compare(0, cell.size(), cell), 0);
  // States are scoped.
  const std::string full = MemberByStatePrefix("o", 2);
  EXPECT_EQ(MemberByStateKey("o", 2, "k", "m").compare(0, full.size(), full), 0);
  EXPECT_NE(MemberByStateKey("o", 1, "k", "m").compare(0, full.size(), full), 0);
}

TEST(KeysTest, NameWordIndexIsAWordPrefixScan) {
  const std::string prefix = MemberNameWordPrefix("o", "ngu");
  EXPECT_EQ(MemberNameWordKey("o", "nguyen", "m1").compare(0, prefix.size(), prefix), 0);
  EXPECT_NE(MemberNameWordKey("o", "nga", "m1").compare(0, prefix.size(), prefix), 0);
  // A whole word sorts before its extensions, and member ids follow the word.
  EXPECT_LT(MemberNameWordKey("o", "van", "zz"), MemberNameWordKey("o", "vana", "a"));
}

TEST(KeysTest, RequestTimeKeysRoundTripAndSortByTime) {
  int64_t micros = 0;
  std::string id;
  ASSERT_TRUE(ParseRequestTimeKey(RequestTimeKey(1234567, "req-1"), &micros, &id));
  EXPECT_EQ(micros, 1234567);
  EXPECT_EQ(id, "req-1");
  EXPECT_LT(RequestTimeKey(1, "z"), RequestTimeKey(2, "a"));
  EXPECT_FALSE(ParseRequestTimeKey(RequestKey("x"), &micros, &id));
}

TEST(KeysTest, UniqueIndexesAreSeparateNamespaces) {
  EXPECT_NE(UniqueKey(Index::kUniqueNationalId, "12345678"),
            UniqueKey(Index::kUniquePartyCard, "12345678"));
}

}  // namespace
}  // namespace records::keys
