// The per-node breakdown of a kv run (nodes.csv): the oracle's per-replica lagging counts,
// kept incrementally with the masks, equal a recount from every cell's record at every
// checkpoint of a partition and its repair, and bound the divergent count (a divergent cell
// lags on at least one replica and at most on all R); the per-node operation counts add up to
// the run's totals.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "sim/kv/kv_world.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

class NodeBreakdownTest : public ::testing::TestWithParam<const char*> {};

// partition-heal: a partition and its repair; crash-periodic-commitlog: crashes that lose
// unsynced writes (winners re-derived, cells no longer tracked); gc-grace-zombie: purged
// tombstones and a zombie.
TEST_P(NodeBreakdownTest, LaggingCountsMatchARecountAndOpsAddUp) {
  const Scenario s = testing::LoadShipped(GetParam());
  absl::StatusOr<std::unique_ptr<KvWorld>> made = KvWorld::Create(s);
  ASSERT_TRUE(made.ok()) << made.status();
  KvWorld& w = **made;
  ASSERT_TRUE(w.Start().ok());
  const uint32_t nodes = w.cluster().size();
  const uint64_t r = w.cluster().ring().replicas_per_segment();
  std::vector<uint64_t> seen_max(nodes, 0);
  uint64_t worst = 0;
  // Checkpoints over the workload and 20 s after it (the repairs), 60 in all.
  Nanos end = 20 * kSecond;
  for (const KvPhaseConfig& p : s.workload.kv.phases) end += p.duration;
  if (s.simulation.duration > 0) end = std::min(end, s.simulation.duration);  // 0: no limit
  const Nanos step = std::max<Nanos>(end / 60, kMillisecond);
  for (Nanos t = step; t <= end; t += step) {
    w.scheduler().Run({.until = t});
    const std::vector<uint64_t> recount = w.oracle().RecountLagging();
    uint64_t sum = 0;
    for (NodeId n = 0; n < nodes; ++n) {
      EXPECT_EQ(w.oracle().lagging_cells(n), recount[n]) << "node " << n << " at " << t;
      seen_max[n] = std::max(seen_max[n], recount[n]);
      sum += recount[n];
    }
    const uint64_t d = w.oracle().divergent_cells();
    EXPECT_GE(sum, d) << t;
    EXPECT_LE(sum, r * d) << t;
    worst = std::max(worst, sum);
  }
  EXPECT_GT(worst, 0u);  // the faults made replicas lag
  RunOutput out;
  w.Finish(&out);
  ASSERT_EQ(out.nodes.rows.size(), nodes);
  const std::vector<std::string>& cols = out.nodes.columns;
  auto col = [&](const char* name) {
    return static_cast<size_t>(std::find(cols.begin(), cols.end(), name) - cols.begin());
  };
  auto sum = [&](const char* name) {
    uint64_t total = 0;
    for (const auto& row : out.nodes.rows) total += row[col(name)];
    return total;
  };
  for (NodeId n = 0; n < nodes; ++n) {
    // Its own worst moment is at least as bad as any checkpoint saw.
    EXPECT_GE(out.nodes.rows[n][col("divergent_cells_max")], seen_max[n]) << n;
    EXPECT_EQ(out.nodes.rows[n][col("divergent_cells_end")], w.oracle().lagging_cells(n)) << n;
  }
  using testing::U;
  EXPECT_EQ(sum("ops_coordinated"), U(out, "ops.write.attempted") + U(out, "ops.read.attempted"));
  EXPECT_EQ(sum("ops_succeeded"), U(out, "ops.write.succeeded") + U(out, "ops.read.succeeded"));
  EXPECT_EQ(sum("ops_failed_unavailable"),
            U(out, "ops.write.failed_unavailable") + U(out, "ops.read.failed_unavailable"));
  EXPECT_EQ(sum("ops_failed_timeout"),
            U(out, "ops.write.failed_timeout") + U(out, "ops.read.failed_timeout"));
  EXPECT_GT(sum("ops_coordinated"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Faults, NodeBreakdownTest,
                         ::testing::Values("partition-heal", "crash-periodic-commitlog",
                                           "gc-grace-zombie"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(NodeTableTest, RelayRunsHaveNoNodeTable) {
  const RunOutput out = testing::RunOk(testing::LoadShipped("relay-quickstart"));
  EXPECT_TRUE(out.nodes.columns.empty());
  EXPECT_TRUE(out.nodes.rows.empty());
}

}  // namespace
}  // namespace dsim::sim
