#include "common/vi_text.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace common {
namespace {

// "Nguyễn Văn Ánh" written with combining marks (NFD), as macOS input sends it.
const char kAnhNfd[] = "Nguye\xcc\x82\xcc\x83n Va\xcc\x86n A\xcc\x81nh";
const char kAnhNfc[] = "Nguyễn Văn Ánh";

TEST(ViTextTest, FoldsDiacriticsAndCase) {
  EXPECT_EQ(FoldForSearch("Nguyễn Văn Ánh"), "nguyen van anh");
  EXPECT_EQ(FoldForSearch(kAnhNfd), "nguyen van anh");
  EXPECT_EQ(FoldForSearch("Nguyễn Văn Hùng"), "nguyen van hung");
}

TEST(ViTextTest, FoldsDStrokeWhichDoesNotDecompose) {
  EXPECT_EQ(FoldForSearch("Đặng Thị Đào"), "dang thi dao");
  EXPECT_EQ(FoldForSearch("ĐỖ"), "do");
}

TEST(ViTextTest, FoldCollapsesWhiteSpace) {
  EXPECT_EQ(FoldForSearch("  Trần\tThị   Mỹ  "), "tran thi my");
}

TEST(ViTextTest, FoldCaseKeepsTheMarksThatMakeOtherWords) {
  EXPECT_EQ(FoldCase("CHI BỘ  Nghiệp vụ"), "chi bộ nghiệp vụ");
  EXPECT_EQ(FoldCase(kAnhNfd), FoldCase(kAnhNfc)) << "NFD and NFC are the same name";
  EXPECT_EQ(FoldCase(kAnhNfc), "nguyễn văn ánh");
  EXPECT_EQ(FoldCase("ĐẶNG"), "đặng");
  EXPECT_NE(FoldCase("Chi bộ Nghiep vu"), FoldCase("Chi bộ Nghiệp vụ"));
  // Any Unicode white space separates words: a no-break space, an ideographic space.
  EXPECT_EQ(FoldCase("\u00a0Chi\u3000bộ\tA "), "chi bộ a");
  EXPECT_EQ(FoldCase(""), "");
  EXPECT_EQ(FoldCase("a\xff"), "a\xef\xbf\xbd") << "ill-formed UTF-8 folds as U+FFFD";
}

TEST(ViTextTest, NfdInputIsStoredNfc) {
  absl::StatusOr<std::string> nfc = ToNfc(kAnhNfd);
  ASSERT_TRUE(nfc.ok()) << nfc.status();
  EXPECT_EQ(*nfc, kAnhNfc);
  EXPECT_NE(std::string(kAnhNfd), std::string(kAnhNfc));
}

TEST(ViTextTest, CombiningToneMarkDuplicatesNormalize) {
  // U+0341 (combining acute tone mark) is a canonical duplicate of U+0301.
  absl::StatusOr<std::string> nfc = ToNfc("a\xcd\x81");
  ASSERT_TRUE(nfc.ok());
  EXPECT_EQ(*nfc, "á");
}

TEST(ViTextTest, ToneMarkPlacementVariantsStayDistinctButFoldAlike) {
  // "Hòa" (mark on o) and "Hoà" (mark on a) differ after NFC, fold to the same key.
  EXPECT_NE(*ToNfc("Hòa"), *ToNfc("Hoà"));
  EXPECT_EQ(FoldForSearch("Hòa"), FoldForSearch("Hoà"));
}

TEST(ViTextTest, NormalizeNameTrimsAndCollapses) {
  absl::StatusOr<std::string> name = NormalizeName(std::string("  ") + kAnhNfd + "  ");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, kAnhNfc);
}

TEST(ViTextTest, RejectsInvalidUtf8) {
  EXPECT_FALSE(IsValidUtf8("abc\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_TRUE(IsValidUtf8("Nguyễn"));
  EXPECT_EQ(ToNfc("abc\xff").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ViTextTest, UpperCasesTheVietnameseWay) {
  EXPECT_EQ(ToUpperVi("Nguyễn Văn Hùng"), "NGUYỄN VĂN HÙNG");
  EXPECT_EQ(ToUpperVi("đặng thị ưng"), "ĐẶNG THỊ ƯNG");
}

TEST(ViTextTest, SplitsFamilyMiddleGiven) {
  NameParts p = SplitName("Nguyễn Thị Minh Khai");
  EXPECT_EQ(p.family, "Nguyễn");
  EXPECT_EQ(p.middle, "Thị Minh");
  EXPECT_EQ(p.given, "Khai");
  NameParts single = SplitName("Hùng");
  EXPECT_EQ(single.given, "Hùng");
  EXPECT_EQ(single.family, "");
}

std::vector<std::string> SortByCollation(std::vector<std::string> names) {
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return NameCollationKey(a) < NameCollationKey(b);
  });
  return names;
}

TEST(ViTextTest, NamesSortByGivenNameFirst) {
  EXPECT_EQ(SortByCollation({"Nguyễn Văn Bình", "Trần Thị An", "Lê Văn Chiến"}),
            (std::vector<std::string>{"Trần Thị An", "Nguyễn Văn Bình", "Lê Văn Chiến"}));
}

TEST(ViTextTest, SameGivenNameSortsByFamilyThenMiddle) {
  EXPECT_EQ(SortByCollation({"Trần Văn Hùng", "Nguyễn Văn Hùng", "Nguyễn Mạnh Hùng"}),
            (std::vector<std::string>{"Nguyễn Mạnh Hùng", "Nguyễn Văn Hùng", "Trần Văn Hùng"}));
}

TEST(ViTextTest, VietnameseAlphabetOrder) {
  // Vietnamese order: a < ă < â < b < c < d < đ < e < ê ... (not byte order: đ is U+0111).
  EXPECT_EQ(SortByCollation({"Lê Văn Đức", "Lê Văn Dũng", "Lê Văn Em", "Lê Thị Ân", "Lê Thị Ăn",
                             "Lê Thị An"}),
            (std::vector<std::string>{"Lê Thị An", "Lê Thị Ăn", "Lê Thị Ân", "Lê Văn Dũng",
                                      "Lê Văn Đức", "Lê Văn Em"}));
}

TEST(ViTextTest, NfcAndNfdGiveTheSameCollationKey) {
  EXPECT_EQ(NameCollationKey(kAnhNfd), NameCollationKey(kAnhNfc));
}

}  // namespace
}  // namespace common

namespace common {
namespace {

TEST(ViTextTest, ToValidUtf8ReplacesIllFormedSequences) {
  EXPECT_EQ(ToValidUtf8("Nguyễn"), "Nguyễn");
  EXPECT_EQ(ToValidUtf8("a\xe1\xba"), "a\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("\xff" "b"), "\xEF\xBF\xBD" "b");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("x\xc3\x28y")));
}

}  // namespace
}  // namespace common
