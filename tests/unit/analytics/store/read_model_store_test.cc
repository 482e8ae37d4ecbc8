// The read model's position says which counting rules its stored contributions follow, so a
// read model counted under older rules is recounted (the follower rebuilds it) after an
// upgrade, and one counted under the current rules is not.
#include "services/analytics/store/read_model_store.h"

#include "gtest/gtest.h"
#include "services/analytics/store/analytics_db.h"
#include "tests/support/process.h"

namespace analytics {
namespace {

using testing_support::TempDir;

common::StoreOptions Options(const std::string& path) {
  common::StoreOptions options;
  options.path = path;
  options.block_cache_bytes = 8 << 20;
  options.sync_writes = false;
  return options;
}

TEST(ReadModelStoreTest, EveryStoredPositionCarriesTheCurrentCountingRules) {
  TempDir dir;
  auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
  ASSERT_TRUE(db.ok()) << db.status();
  ReadModelStore store(db->get());
  FollowerState position;
  position.set_log_id("log-1");
  position.set_last_applied_sequence(7);
  ASSERT_TRUE(store.SaveFollowerState(position).ok());
  absl::StatusOr<FollowerState> loaded = store.LoadFollowerState();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->counting_rules(), kCountingRules);
  EXPECT_FALSE(NeedsRecount(*loaded));

  position.set_last_applied_sequence(8);
  ASSERT_TRUE(store.Apply({}, position).ok());
  EXPECT_EQ(store.LoadFollowerState()->counting_rules(), kCountingRules);
  position.set_last_applied_sequence(9);
  ASSERT_TRUE(store.ReplaceAll({}, {}, position).ok());
  EXPECT_EQ(store.LoadFollowerState()->counting_rules(), kCountingRules);
  EXPECT_EQ(store.LoadFollowerState()->last_applied_sequence(), 9u);
}

TEST(ReadModelStoreTest, AReadModelCountedUnderOlderRulesIsRecounted) {
  FollowerState before_the_field;  // written by a binary that folded members itself
  before_the_field.set_log_id("log-1");
  before_the_field.set_last_applied_sequence(1200);
  EXPECT_TRUE(NeedsRecount(before_the_field));
  // A new read model has nothing to recount.
  EXPECT_FALSE(NeedsRecount(FollowerState()));
}

}  // namespace
}  // namespace analytics
