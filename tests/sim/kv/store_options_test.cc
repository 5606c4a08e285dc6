// The scenario's [storage] and [repair] defaults are the engine's: a default scenario runs every
// node's store with engine::StoreOptions{} exactly.
#include "engine/store_options.h"

#include <gtest/gtest.h>

#include "sim/kv/cluster.h"
#include "sim/scenario/config.h"

namespace dsim::sim {
namespace {

TEST(StoreOptionsTest, DefaultScenarioGivesTheEngineDefaults) {
  const engine::StoreOptions engine_defaults;
  const engine::StoreOptions o = StoreOptionsFor(Scenario{});
  EXPECT_EQ(o.memtable_flush_threshold_bytes, engine_defaults.memtable_flush_threshold_bytes);
  EXPECT_EQ(o.bloom_fp_chance, engine_defaults.bloom_fp_chance);
  EXPECT_EQ(o.gc_grace_us, engine_defaults.gc_grace_us);
  EXPECT_EQ(o.compaction.min_threshold, engine_defaults.compaction.min_threshold);
  EXPECT_EQ(o.compaction.max_threshold, engine_defaults.compaction.max_threshold);
  EXPECT_EQ(o.hll_precision, engine_defaults.hll_precision);
  EXPECT_EQ(o.commitlog_sync, engine_defaults.commitlog_sync);
  EXPECT_EQ(o.commitlog_sync_period_us, engine_defaults.commitlog_sync_period_us);
  EXPECT_EQ(o.merkle_max_depth, engine_defaults.merkle_max_depth);
}

}  // namespace
}  // namespace dsim::sim
