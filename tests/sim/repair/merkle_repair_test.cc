// Merkle repair at fixed depth 15 over 327,680 partitions (the talk's example: 2^15 leaves,
// 327,680 / 2^15 = 10 partitions per leaf; 20,480 at depth 11 in debug and sanitizer builds),
// driven through the repair service end to end (validation, trees over the network, pairwise
// comparison, two-way streaming, ingest) with the data loaded directly into the two replicas'
// stores.
//
// What the arithmetic says. A leaf covers 1/2^15 of the ring; with N = 327,680 partitions
// spread by their tokens, a leaf holds N / 2^15 = 10 on average. But the leaf that differs is
// the one that contains the missing partition, and a leaf chosen by a partition is
// size-biased: it holds that partition plus Binomial(N - 1, 2^-15) others, so
//   - the replica that has the partition streams 1 + (N - 1) / 2^15 ~ 11.0 partitions,
//   - the replica that misses it streams (N - 1) / 2^15 ~ 10.0 (every one already present on
//     the other side: pure over-streaming),
// because repair streams the whole differing leaf range in both directions. The test checks
// each case exactly against an independent count of the leaf's partitions on the sending side,
// and over 100 cases (100 missing partitions on 100 distinct, pairwise non-adjacent leaves, so
// each is its own differing range: independent cases in one repair) that the side missing the
// partition streams within 10 % of 10 per leaf, and the side holding it within 10 % of 11.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>
#include <vector>

#include "engine/merkle_tree.h"
#include "engine/token.h"
#include "sim/core/random.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/kv_world.h"
#include "tests/sim/kv_test_util.h"
#include "tests/sim/repair/repair_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::U;

// Release: the talk's numbers. Debug and sanitizer builds (50x slower): 1/16 of the partitions
// at depth 11, the same 10 partitions per leaf.
const uint64_t kPartitions = testing::Shrunk() ? 327'680 / 16 : 327'680;
const int kDepth = testing::Shrunk() ? 11 : 15;

Scenario TwoReplicas() {
  return testing::TwoReplicaScenario("merkle-327680", /*seed=*/15, kPartitions,
                                     /*value_bytes=*/8);
}

engine::Partition Row(uint64_t i) {
  engine::Partition p(KvKey(i));
  p.Put("c0", engine::Cell::Live(KvValue(i + 1, 8), 1000));
  return p;
}

struct Outcome {
  std::vector<StreamRecord> streams;
  RunOutput out;
};

// Loads every partition on node 0 and all but `missing` on node 1, repairs the full ring at
// depth 15 between them, and returns the stream log.
Outcome RepairWithMissing(const std::set<uint64_t>& missing) {
  absl::StatusOr<std::unique_ptr<KvWorld>> world = KvWorld::Create(TwoReplicas());
  EXPECT_TRUE(world.ok()) << world.status();
  KvWorld& w = **world;
  EXPECT_TRUE(w.Start().ok());
  std::vector<engine::Partition> all, most;
  all.reserve(kPartitions);
  most.reserve(kPartitions);
  for (uint64_t i = 0; i < kPartitions; ++i) {
    all.push_back(Row(i));
    if (!missing.contains(i)) most.push_back(Row(i));
  }
  w.cluster().Ingest(0, std::move(all));
  w.cluster().Ingest(1, std::move(most));
  EXPECT_EQ(w.oracle().divergent_cells(), missing.size());
  w.repair().set_record_streams(true);
  w.repair().StartCustomRepair({engine::TokenRange::FullRing()}, {0, 1}, kDepth);
  w.scheduler().Run();
  EXPECT_EQ(w.oracle().divergent_cells(), 0u);
  Outcome o;
  o.streams = w.repair().stream_log();
  w.Finish(&o.out);
  return o;
}

// The independent count: partitions (of those the node holds) whose token is in `range`.
uint64_t CountIn(const engine::TokenRange& range, const std::vector<uint64_t>& tokens,
                 const std::set<uint64_t>& excluded) {
  uint64_t n = 0;
  for (uint64_t i = 0; i < tokens.size(); ++i) {
    if (range.Contains(tokens[i]) && !excluded.contains(i)) ++n;
  }
  return n;
}

std::vector<uint64_t> AllTokens() {
  std::vector<uint64_t> tokens(kPartitions);
  for (uint64_t i = 0; i < kPartitions; ++i) tokens[i] = engine::Token(KvKey(i));
  return tokens;
}

TEST(MerkleRepairTest, OneMissingPartitionStreamsExactlyItsLeafRangeBothWays) {
  const std::vector<uint64_t> tokens = AllTokens();
  const uint64_t missing = kPartitions * 3 / 8 + 7;
  const Outcome o = RepairWithMissing({missing});
  const engine::MerkleTree shape(engine::TokenRange::FullRing(), kDepth);
  const engine::TokenRange leaf = shape.LeafRange(shape.LeafIndex(tokens[missing]));

  ASSERT_EQ(o.streams.size(), 2u);  // one differing range, one stream each way
  const uint64_t on_holder = CountIn(leaf, tokens, {});
  const uint64_t on_other = CountIn(leaf, tokens, {missing});
  EXPECT_EQ(on_holder, on_other + 1);
  for (const StreamRecord& r : o.streams) {
    EXPECT_EQ(r.range, leaf);
    if (r.from == 0) {
      EXPECT_EQ(r.to, 1u);
      EXPECT_EQ(r.partitions, on_holder);
    } else {
      EXPECT_EQ(r.from, 1u);
      EXPECT_EQ(r.partitions, on_other);
    }
  }
  EXPECT_EQ(U(o.out, "repair.minimum.partitions"), 1u);
  EXPECT_EQ(U(o.out, "repair.streamed.partitions"), on_holder + on_other);
  EXPECT_EQ(U(o.out, "repair.differing_ranges"), 1u);
  EXPECT_EQ(U(o.out, "repair.round_trips.total"), 2u);  // the trees, then the streams
  EXPECT_EQ(U(o.out, "repair.round_trips.max"), 2u);
  EXPECT_EQ(U(o.out, "repair.depth.max"), static_cast<uint64_t>(kDepth));
  // Two trees of 2^16 - 1 nodes, 16 bytes each, plus the 17-byte header.
  EXPECT_EQ(U(o.out, "repair.trees.bytes"), 2 * (17 + 16 * ((uint64_t{1} << (kDepth + 1)) - 1)));
  EXPECT_EQ(U(o.out, "convergence.divergent_cells_end"), 0u);
}

TEST(MerkleRepairTest, OverHundredLeavesTheMeanMatchesTheLeafArithmetic) {
  const std::vector<uint64_t> tokens = AllTokens();
  const engine::MerkleTree shape(engine::TokenRange::FullRing(), kDepth);
  const uint64_t leaves = shape.leaf_count();
  // 100 partitions on distinct, pairwise non-adjacent leaves (adjacent differing leaves would
  // merge into one range).
  Rng rng(StreamSeed(2024, "merkle-test", 0));
  std::set<uint64_t> missing;
  std::set<uint64_t> used_leaves;
  while (missing.size() < 100) {
    const uint64_t i = rng.Bounded(kPartitions);
    const uint64_t leaf = shape.LeafIndex(tokens[i]);
    const uint64_t prev = (leaf + leaves - 1) % leaves, next = (leaf + 1) % leaves;
    if (used_leaves.contains(leaf) || used_leaves.contains(prev) || used_leaves.contains(next)) {
      continue;
    }
    used_leaves.insert(leaf);
    missing.insert(i);
  }
  const Outcome o = RepairWithMissing(missing);
  ASSERT_EQ(o.streams.size(), 200u);
  uint64_t from_holder = 0, from_other = 0;
  for (const StreamRecord& r : o.streams) {
    // Each differing range is exactly one chosen leaf.
    const uint64_t leaf = shape.LeafIndex(r.range.end());
    ASSERT_TRUE(used_leaves.contains(leaf));
    ASSERT_EQ(r.range, shape.LeafRange(leaf));
    const std::set<uint64_t> none;
    if (r.from == 0) {
      EXPECT_EQ(r.partitions, CountIn(r.range, tokens, none));
      from_holder += r.partitions;
    } else {
      EXPECT_EQ(r.partitions, CountIn(r.range, tokens, missing));
      from_other += r.partitions;
    }
  }
  const double n = static_cast<double>(kPartitions);
  const double l = static_cast<double>(leaves);
  const double mean_holder = static_cast<double>(from_holder) / 100;
  const double mean_other = static_cast<double>(from_other) / 100;
  std::printf(
      "mean partitions streamed per differing leaf: %.2f from the replica missing the "
      "partition, %.2f from the one holding it\n",
      mean_other, mean_holder);
  EXPECT_EQ(from_holder, from_other + 100);
  EXPECT_NEAR(mean_other, n / l, 0.1 * n / l);  // 327,680 / 2^15 = 10 (20,480 / 2^11 = 10)
  EXPECT_NEAR(mean_holder, 1 + (n - 1) / l, 0.1 * (1 + (n - 1) / l));
  EXPECT_EQ(U(o.out, "repair.minimum.partitions"), 100u);
  EXPECT_EQ(U(o.out, "repair.streamed.partitions"), from_holder + from_other);
  EXPECT_NEAR(D(o.out, "repair.over_streaming.partitions"), 2 * n / l + 1, 0.2 * (2 * n / l + 1));
}

}  // namespace
}  // namespace dsim::sim
