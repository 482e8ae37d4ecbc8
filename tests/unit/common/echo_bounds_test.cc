// What errors and logs may quote from input (common/echo_bounds.h).
#include "common/echo_bounds.h"

#include "common/vi_text.h"
#include "gtest/gtest.h"

namespace common {
namespace {

TEST(BoundedTest, ShortTextIsKept) {
  EXPECT_EQ(Bounded("Nguyễn Văn Ánh", 100), "Nguyễn Văn Ánh");
  EXPECT_EQ(Bounded("", 0), "");
}

TEST(BoundedTest, LongTextIsCutAtACharacterAndSaysHowMuchWasLeftOut) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "Nguyễn ";  // multi-byte characters throughout
  for (size_t limit : {40u, 64u, 100u, 257u, 1024u}) {
    const std::string out = Bounded(text, limit);
    EXPECT_LE(out.size(), limit) << limit;
    EXPECT_TRUE(IsValidUtf8(out)) << limit;
    EXPECT_EQ(out.rfind("Nguy", 0), 0u) << limit;
    EXPECT_NE(out.find(" bytes]"), std::string::npos) << limit;
  }
}

TEST(BoundedTest, BrokenUtf8IsRepairedAndStillBounded) {
  const std::string broken = std::string(500, '\xff');
  const std::string out = Bounded(broken, 100);
  EXPECT_LE(out.size(), 100u);
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_TRUE(IsValidUtf8(Bounded("ok \xc3", 100)));  // a character cut short
}

TEST(BoundedTest, TinyLimitsStillGiveTheMarker) {
  const std::string out = Bounded(std::string(10000, 'a'), 3);
  EXPECT_LE(out.size(), 34u);
  EXPECT_NE(out.find("+10000 bytes"), std::string::npos) << out;
}

}  // namespace
}  // namespace common
