#include "sim/oracle/oracle.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "engine/partition.h"
#include "sim/kv/kv_data.h"
#include "sim/net/topology.h"

namespace dsim::sim {
namespace {

// Three nodes, RF 3: every key lives on every node.
class OracleTest : public ::testing::Test {
 protected:
  OracleTest() {
    ClusterConfig c;
    c.nodes = 3;
    c.vnodes = 4;
    topo_.emplace(*Topology::Create(c, NetworkConfig{}));
    ring_.emplace(*Ring::Create(c, *topo_, 3));
    oracle_.emplace(/*keys=*/10, /*columns=*/2, &*ring_);
  }

  static engine::Partition Live(uint64_t key, uint32_t col, uint64_t id, int64_t ts) {
    engine::Partition p(KvKey(key));
    p.Put(KvColumn(col), engine::Cell::Live(KvValue(id, 16), ts));
    return p;
  }
  static engine::Partition Dead(uint64_t key, uint32_t col, int64_t ts) {
    engine::Partition p(KvKey(key));
    p.Put(KvColumn(col), engine::Cell::Tombstone(ts, ts));
    return p;
  }
  void Finish(Nanos end, const std::vector<std::vector<std::optional<engine::Partition>>>& data) {
    oracle_->Finish(end, [&](NodeId node, uint64_t key) -> std::optional<engine::Partition> {
      return key < data.size() ? data[key][node] : std::nullopt;
    });
  }
  uint64_t Metric(const char* path) {
    MetricSet m;
    oracle_->ExportTo(&m);
    return m.Get(path)["value"].get<uint64_t>();
  }

  std::optional<Topology> topo_;
  std::optional<Ring> ring_;
  std::optional<Oracle> oracle_;
};

TEST_F(OracleTest, AWriteIsDivergentUntilEveryReplicaHoldsIt) {
  Oracle& o = *oracle_;
  o.OnApplied(0, Live(1, 0, 1, 100), 10);
  EXPECT_EQ(o.divergent_cells(), 1u);
  EXPECT_EQ(o.tracked_cells(), 1u);
  o.OnApplied(1, Live(1, 0, 1, 100), 20);
  EXPECT_EQ(o.divergent_cells(), 1u);
  // An older version on the last replica does not help.
  o.OnApplied(2, Live(1, 0, 7, 50), 30);
  EXPECT_EQ(o.divergent_cells(), 1u);
  o.OnApplied(2, Live(1, 0, 1, 100), 40);
  EXPECT_EQ(o.divergent_cells(), 0u);
  // A newer version somewhere makes the others stale again.
  o.OnApplied(1, Live(1, 0, 2, 200), 50);
  EXPECT_EQ(o.divergent_cells(), 1u);
}

TEST_F(OracleTest, AbsenceHoldsATombstoneButNotAfterOlderDataLands) {
  Oracle& o = *oracle_;
  // A delete of a cell nobody had: every replica "holds" it (absence reads as deleted).
  o.OnApplied(0, Dead(2, 1, 100), 1);
  EXPECT_EQ(o.divergent_cells(), 0u);
  // Older live data lands on replica 1 (e.g. a delayed write): it no longer holds the delete.
  o.OnApplied(1, Live(2, 1, 3, 50), 2);
  EXPECT_EQ(o.divergent_cells(), 1u);
  // The tombstone reaches it: it shadows the old value.
  o.OnApplied(1, Dead(2, 1, 100), 3);
  EXPECT_EQ(o.divergent_cells(), 0u);
  // A new live write on 0, then a newer tombstone on 0: 1 and 2 hold older versions (1 the old
  // tombstone, 2 nothing, which does hold the new tombstone).
  o.OnApplied(0, Live(2, 1, 4, 150), 4);
  EXPECT_EQ(o.divergent_cells(), 1u);
  o.OnApplied(0, Dead(2, 1, 160), 5);
  EXPECT_EQ(o.divergent_cells(), 1u);  // replica 1 has the tombstone at 100
  o.OnApplied(1, Dead(2, 1, 160), 6);
  EXPECT_EQ(o.divergent_cells(), 0u);  // replica 2 holds it by absence
}

TEST_F(OracleTest, RecomputeAfterLossAndRederiveWhenTheWinnerIsGoneEverywhere) {
  Oracle& o = *oracle_;
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(3, 0, 1, 100), 1);
  o.OnApplied(0, Live(3, 0, 2, 200), 2);
  EXPECT_EQ(o.divergent_cells(), 1u);
  // Node 0 crashes and loses the new version: back to the old one, which the others hold.
  const engine::Partition old = Live(3, 0, 1, 100);
  EXPECT_TRUE(o.RecomputeReplica(0, 3, &old, 3));  // nobody holds the winner any more
  std::vector<std::optional<engine::Partition>> views(3, old);
  o.RederiveWinners(3, views, 3);
  EXPECT_EQ(o.divergent_cells(), 0u);
  MetricSet m;
  // An acknowledged write that is gone everywhere is data loss at the end.
  o.OnWriteAcked(3, 0, VersionOf(Live(3, 0, 2, 200).cells().begin()->second));
  std::vector<std::vector<std::optional<engine::Partition>>> data(4, views);
  Finish(10, data);
  EXPECT_EQ(Metric("data_loss.cells"), 1u);
  EXPECT_EQ(Metric("oracle.winners_lost"), 1u);
}

TEST_F(OracleTest, ZombieWhenPurgedDeletesMeetOldData) {
  Oracle& o = *oracle_;
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(4, 0, 1, 100), 1);
  o.OnApplied(0, Dead(4, 0, 200), 2);
  o.OnApplied(1, Dead(4, 0, 200), 2);
  o.OnWriteAcked(4, 0, VersionOf(Dead(4, 0, 200).cells().begin()->second));
  EXPECT_EQ(o.divergent_cells(), 1u);  // replica 2 missed the delete
  // Replicas 0 and 1 purge the tombstone: they hold the deletion by absence.
  EXPECT_FALSE(o.RecomputeReplica(0, 4, nullptr, 3));
  EXPECT_FALSE(o.RecomputeReplica(1, 4, nullptr, 3));
  EXPECT_EQ(o.divergent_cells(), 1u);
  // Repair streams replica 2's old value to them: every replica now has it. Still divergent.
  o.OnApplied(0, Live(4, 0, 1, 100), 4);
  o.OnApplied(1, Live(4, 0, 1, 100), 4);
  EXPECT_EQ(o.divergent_cells(), 1u);
  std::vector<std::vector<std::optional<engine::Partition>>> data(
      5, std::vector<std::optional<engine::Partition>>(3, Live(4, 0, 1, 100)));
  Finish(10, data);
  EXPECT_EQ(Metric("zombies.cells"), 1u);
  EXPECT_EQ(Metric("data_loss.cells"), 1u);  // the acknowledged delete did not hold
}

TEST_F(OracleTest, LostUpdatesCountLaterWritesWithLowerTimestamps) {
  Oracle& o = *oracle_;
  auto v = [](int64_t ts) { return CellVersion{ts, false, static_cast<uint64_t>(ts)}; };
  o.OnWriteIssued(5, 0, v(100));
  o.OnWriteIssued(5, 0, v(150));
  o.OnWriteIssued(5, 0, v(120));  // issued later, loses to 150
  o.OnWriteIssued(5, 0, v(150));  // a tie is not a skew loss
  o.OnWriteIssued(5, 1, v(10));   // another cell
  Finish(1, {});
  EXPECT_EQ(Metric("lww.lost_updates"), 1u);
  EXPECT_EQ(Metric("lww.writes"), 5u);
}

TEST_F(OracleTest, ConvergenceTimeAreaAndReference) {
  Oracle& o = *oracle_;
  o.NoteFault(5 * kSecond);
  o.OnApplied(0, Live(6, 0, 1, 1), 2 * kSecond);  // divergent from 2 s
  o.OnApplied(0, Live(7, 0, 2, 1), 4 * kSecond);  // 2 cells from 4 s
  for (NodeId n = 1; n < 3; ++n) o.OnApplied(n, Live(6, 0, 1, 1), 6 * kSecond);  // 1 from 6 s
  for (NodeId n = 1; n < 3; ++n) o.OnApplied(n, Live(7, 0, 2, 1), 9 * kSecond);  // 0 from 9 s
  Finish(12 * kSecond, {});
  MetricSet m;
  o.ExportTo(&m);
  EXPECT_DOUBLE_EQ(m.Get("convergence.time")["value"].get<double>(), 4.0);  // 9 s - 5 s
  // 1 cell x 2 s + 2 cells x 2 s + 1 cell x 3 s = 9 cell-seconds.
  EXPECT_DOUBLE_EQ(m.Get("convergence.divergence_area")["value"].get<double>(), 9.0);
  EXPECT_EQ(m.Get("convergence.divergent_cells_max")["value"].get<uint64_t>(), 2u);
}

TEST_F(OracleTest, NotConvergedIsNullAndMarkOverridesFaults) {
  Oracle& o = *oracle_;
  o.Mark(kSecond);
  o.NoteFault(3 * kSecond);  // after a mark, faults no longer move the reference
  o.OnApplied(0, Live(8, 0, 1, 1), 2 * kSecond);
  Finish(4 * kSecond, {});
  MetricSet m;
  o.ExportTo(&m);
  EXPECT_TRUE(m.Get("convergence.time")["value"].is_null());
  EXPECT_DOUBLE_EQ(m.Get("convergence.reference_time")["value"].get<double>(), 1.0);
}

}  // namespace
}  // namespace dsim::sim
