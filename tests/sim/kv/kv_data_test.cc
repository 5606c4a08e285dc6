#include "sim/kv/kv_data.h"

#include <gtest/gtest.h>

#include "engine/cell.h"
#include "sim/core/payload_pool.h"
#include "sim/core/random.h"

namespace dsim::sim {
namespace {

TEST(KvDataTest, KeysAndColumnsRoundTrip) {
  EXPECT_EQ(KvKey(42), "k42");
  EXPECT_EQ(ParseKvKey("k42"), 42u);
  EXPECT_EQ(ParseKvKey("k0"), 0u);
  EXPECT_EQ(ParseKvColumn(KvColumn(7)), 7u);
  for (const char* bad : {"", "k", "x1", "k007", "k1a", "c1", "k99999999999999999999999"}) {
    EXPECT_FALSE(ParseKvKey(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseKvColumn("k1").has_value());
}

// The oracle's version order must be exactly the engine's cell merge order.
TEST(KvDataTest, VersionOrderIsTheEngineMergeOrder) {
  Rng rng(5);
  for (uint32_t value_bytes : {0u, 3u, 8u, 40u}) {
    for (int i = 0; i < 20000; ++i) {
      auto make = [&]() {
        const int64_t ts = static_cast<int64_t>(rng.Bounded(4));
        if (rng.Bounded(3) == 0) {
          return engine::Cell::Tombstone(ts, static_cast<int64_t>(rng.Bounded(4)) - 2);
        }
        return engine::Cell::Live(KvValue(1 + rng.Bounded(600), value_bytes), ts);
      };
      const engine::Cell a = make(), b = make();
      EXPECT_EQ(VersionLess(VersionOf(a), VersionOf(b)), engine::CellLess(a, b));
      EXPECT_EQ(VersionOf(a) == VersionOf(b), a == b);
    }
  }
}

TEST(KvDataTest, ValuesCarryTheWriteId) {
  EXPECT_EQ(KvValue(1, 100).size(), 100u);
  EXPECT_EQ(KvValueTag(KvValue(123456789, 100)), 123456789u);
  EXPECT_EQ(KvValueTag(KvValue(0x0102030405ULL, 3)), 0x030405u);
  EXPECT_EQ(KvValue(77, 50), KvValue(77, 50));
  EXPECT_NE(KvValue(77, 50), KvValue(78, 50));
}

TEST(PayloadPoolTest, StaleReferencesAreRecognisedAndSlotsReused) {
  PayloadPool<std::string> pool;
  const PoolRef a = pool.Alloc();
  pool[a] = "first";
  const PoolRef b = pool.Alloc();
  EXPECT_NE(a.index, b.index);
  EXPECT_EQ(pool.live(), 2u);
  pool.Free(a);
  EXPECT_FALSE(pool.Live(a));
  const PoolRef c = pool.Alloc();  // LIFO reuse of a's slot, new generation
  EXPECT_EQ(c.index, a.index);
  EXPECT_NE(c.generation, a.generation);
  EXPECT_FALSE(pool.Live(a));
  EXPECT_TRUE(pool.Live(c));
  EXPECT_EQ(pool[c], "first");  // objects are kept, not destroyed
  const uint64_t word = c.Pack(37);
  EXPECT_EQ(PoolRef::Unpack(word), c);
  EXPECT_EQ(PoolRef::UnpackLane(word), 37u);
  EXPECT_EQ(pool.RefAt(c.index), c);
  EXPECT_FALSE(pool.LiveIndex(99));
}

}  // namespace
}  // namespace dsim::sim
