// End to end on fixed seeds: replicas diverge under faults and converge by repair; the oracle's
// incremental divergence count matches a brute-force recount of every cell on every replica.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/kv/kv_world.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::BruteForceDivergence;
using testing::D;
using testing::IsNull;
using testing::LoadShipped;
using testing::RunOk;
using testing::SmallKv;
using testing::U;

// Acceptance: a partition that heals, followed by a repair, ends with zero divergent cells and
// a finite convergence time.
TEST(ClusterConvergenceTest, PartitionHealThenRepairConverges) {
  const Scenario s = LoadShipped("partition-heal");
  const RunOutput out = RunOk(s);
  EXPECT_GT(U(out, "convergence.divergent_cells_max"), testing::Shrunk() ? 100u : 1000u);
  EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  ASSERT_FALSE(IsNull(out, "convergence.time"));
  // Measured from the heal (15 s); the repair starts at 25 s.
  EXPECT_EQ(D(out, "convergence.reference_time"), 15.0);
  EXPECT_GT(D(out, "convergence.time"), 10.0);
  EXPECT_LT(D(out, "convergence.time"), 15.0);
  EXPECT_GT(U(out, "repair.streamed.partitions"), 0u);
  EXPECT_GE(U(out, "repair.streamed.partitions"), U(out, "repair.minimum.partitions") / 2);
  EXPECT_EQ(U(out, "repair.sessions.failed"), 0u);
  EXPECT_GT(U(out, "network.merkle_tree.sent.bytes"), 0u);
  EXPECT_EQ(U(out, "repair.trees.bytes"), U(out, "network.merkle_tree.sent.bytes"));
  EXPECT_EQ(U(out, "repair.streamed.bytes"), U(out, "network.stream.sent.bytes"));
}

// Acceptance: with repair switched off and hints off, the same scenario never converges: the
// oracle is not fooled by the partition having healed.
TEST(ClusterConvergenceTest, WithoutRepairOrHintsItDoesNotConverge) {
  Scenario s = LoadShipped("partition-heal");
  ASSERT_FALSE(s.cluster.hinted_handoff);
  ASSERT_FALSE(s.cluster.read_repair);
  s.faults.erase(
      std::remove_if(s.faults.begin(), s.faults.end(),
                     [](const FaultConfig& f) { return f.kind == FaultConfig::Kind::kRepair; }),
      s.faults.end());
  ASSERT_EQ(s.repair.interval, 0);
  const RunOutput out = RunOk(s);
  EXPECT_GT(U(out, "convergence.divergent_cells_end"), testing::Shrunk() ? 100u : 1000u);
  EXPECT_TRUE(IsNull(out, "convergence.time"));
  EXPECT_EQ(U(out, "repair.jobs.started"), 0u);
}

// Hinted handoff alone heals the partition's divergence (no repair needed).
TEST(ClusterConvergenceTest, HintedHandoffConvergesWithoutRepair) {
  Scenario s = LoadShipped("partition-heal", {"cluster.hinted_handoff=true"});
  s.faults.erase(
      std::remove_if(s.faults.begin(), s.faults.end(),
                     [](const FaultConfig& f) { return f.kind == FaultConfig::Kind::kRepair; }),
      s.faults.end());
  const RunOutput out = RunOk(s);
  EXPECT_GT(U(out, "hints.delivered"), testing::Shrunk() ? 100u : 1000u);
  EXPECT_EQ(U(out, "hints.pending_end"), 0u);
  EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  EXPECT_FALSE(IsNull(out, "convergence.time"));
}

// The oracle's O(1) counter against a recount of every cell on every replica, at several
// instants of a run with a partition, dropped mutations, a lossy duplicating reordering network
// and a repair (no crash or purge, so the winner is the best version any replica holds).
TEST(ClusterConvergenceTest, OracleMatchesBruteForceThroughoutARun) {
  Scenario s = SmallKv(3);
  s.network.link.loss = Ratio{1, 100};
  s.network.link.duplicate = Ratio{1, 100};
  s.network.link.reorder = Ratio{1, 20};
  FaultConfig split;
  split.kind = FaultConfig::Kind::kPartition;
  split.at = 1500 * kMillisecond;
  split.duration = kSecond;
  split.groups = {{0, 1}};
  FaultConfig drop;
  drop.kind = FaultConfig::Kind::kDropMutations;
  drop.at = 1200 * kMillisecond;
  drop.duration = 2 * kSecond;
  drop.node = 4;
  drop.fraction = Ratio{1, 5};
  drop.keys = {"k1", "k2", "k3"};
  FaultConfig repair;
  repair.kind = FaultConfig::Kind::kRepair;
  repair.at = 5 * kSecond;
  s.faults = {split, drop, repair};
  absl::StatusOr<std::unique_ptr<KvWorld>> world = KvWorld::Create(s);
  ASSERT_TRUE(world.ok()) << world.status();
  ASSERT_TRUE((*world)->Start().ok());
  uint64_t max_seen = 0;
  for (Nanos t : {700 * kMillisecond, 2 * kSecond, 2600 * kMillisecond, 4 * kSecond,
                  5 * kSecond + 1, 7 * kSecond}) {
    (*world)->scheduler().Run({.until = t});
    const testing::BruteForce bf = BruteForceDivergence(**world);
    EXPECT_EQ((*world)->oracle().divergent_cells(), bf.divergent) << "at t=" << t;
    EXPECT_EQ((*world)->oracle().tracked_cells(), bf.tracked) << "at t=" << t;
    max_seen = std::max(max_seen, bf.divergent);
  }
  EXPECT_GT(max_seen, 50u);
  EXPECT_EQ((*world)->oracle().divergent_cells(), 0u);
  RunOutput out;
  (*world)->Finish(&out);
  EXPECT_GT(U(out, "nodes.mutations_dropped"), 0u);
  EXPECT_GT(U(out, "ops.duplicates_ignored"), 0u);
  EXPECT_EQ(U(out, "zombies.cells"), 0u);
  EXPECT_EQ(U(out, "data_loss.cells"), 0u);
}

}  // namespace
}  // namespace dsim::sim
