// Node faults, consistency levels and repair behaviour on a small cluster (fixed seeds).
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/kv/kv_world.h"
#include "sim/kv/ring.h"
#include "sim/net/topology.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::FaultAt;
using testing::IsNull;
using testing::RunOk;
using testing::SmallKv;
using testing::U;

// The number of ring segments `node` replicates in the scenario's ring.
uint64_t RingSegmentsWith(const Scenario& s, NodeId node) {
  absl::StatusOr<Topology> topo = Topology::Create(s.cluster, s.network);
  EXPECT_TRUE(topo.ok());
  absl::StatusOr<Ring> ring = Ring::Create(s.cluster, *topo, s.simulation.seed);
  EXPECT_TRUE(ring.ok());
  return ring->SegmentsOf(node).size();
}

TEST(ClusterFaultsTest, ConsistencyLevelsWithANodeDown) {
  // Node 2 is down from 0.5 s to the end; RF 3 over 5 nodes, so 3/5 of the keys have it.
  auto run = [](ConsistencyLevel cl) {
    Scenario s = SmallKv(4);
    s.cluster.write_consistency = cl;
    s.cluster.read_consistency = cl;
    s.faults = {FaultAt(FaultConfig::Kind::kCrash, 500 * kMillisecond, 2)};
    return RunOk(s);
  };
  const RunOutput one = run(ConsistencyLevel::kOne);
  const RunOutput quorum = run(ConsistencyLevel::kQuorum);
  const RunOutput all = run(ConsistencyLevel::kAll);
  EXPECT_EQ(U(one, "ops.write.failed"), 0u);
  EXPECT_EQ(U(quorum, "ops.write.failed"), 0u);
  EXPECT_EQ(U(quorum, "ops.read.failed"), 0u);
  // ALL fails, at once, for every key node 2 replicates (about 3/5 of them).
  const double avail = D(all, "ops.write.availability");
  EXPECT_GT(avail, 0.2);
  EXPECT_LT(avail, 0.6);
  // Only writes already in flight when node 2 crashed time out.
  EXPECT_LE(U(all, "ops.write.failed_timeout"), 5u);
  EXPECT_GT(U(all, "ops.write.failed_unavailable"), 1000u);
  // The down node holds stale data: never converges without repair.
  EXPECT_TRUE(IsNull(quorum, "convergence.time"));
  EXPECT_EQ(U(quorum, "nodes.down_end"), 1u);
  // Latency at ONE is the fastest reply; at QUORUM the second.
  EXPECT_LT(D(one, "ops.write.latency.p50"), D(quorum, "ops.write.latency.p50"));
}

TEST(ClusterFaultsTest, ReplaceEmptiesANodeAndItsRepairRefillsIt) {
  Scenario s = SmallKv(5);
  s.faults = {FaultAt(FaultConfig::Kind::kCrash, 4500 * kMillisecond, 1),
              FaultAt(FaultConfig::Kind::kReplace, 5 * kSecond, 1)};
  FaultConfig repair = FaultAt(FaultConfig::Kind::kRepair, 5500 * kMillisecond, 1);
  repair.has_node = true;
  s.faults.push_back(repair);
  absl::StatusOr<std::unique_ptr<KvWorld>> world = KvWorld::Create(s);
  ASSERT_TRUE(world.ok());
  KvWorld& w = **world;
  ASSERT_TRUE(w.Start().ok());
  w.scheduler().Run({.until = 5 * kSecond + 1});
  // Every live cell node 1 replicates is now divergent (it holds nothing).
  EXPECT_TRUE(w.cluster().node(1).up());
  EXPECT_EQ(w.cluster().node(1).store().sstables().size(), 0u);
  EXPECT_GT(w.oracle().divergent_cells(), w.oracle().tracked_cells() / 3);
  EXPECT_EQ(w.oracle().divergent_cells(), testing::BruteForceDivergence(w).divergent);
  w.scheduler().Run();
  EXPECT_EQ(w.oracle().divergent_cells(), 0u);
  RunOutput out;
  w.Finish(&out);
  // A node repair covers exactly the node's segments.
  EXPECT_EQ(U(out, "repair.sessions.started"), w.ring().SegmentsOf(1).size());
  EXPECT_EQ(U(out, "nodes.replaces"), 1u);
  EXPECT_FALSE(IsNull(out, "convergence.time"));
}

TEST(ClusterFaultsTest, RepairWithAReplicaDownFailsItsSessions) {
  Scenario s = SmallKv(6);
  s.faults = {FaultAt(FaultConfig::Kind::kCrash, 1500 * kMillisecond, 3),
              FaultAt(FaultConfig::Kind::kRepair, 5 * kSecond)};
  const RunOutput out = RunOk(s);
  const uint64_t failed = U(out, "repair.sessions.failed");
  EXPECT_EQ(failed, RingSegmentsWith(s, 3));
  EXPECT_EQ(U(out, "repair.sessions.completed") + failed, U(out, "repair.sessions.started"));
  EXPECT_GT(U(out, "convergence.divergent_cells_end"), 0u);
}

TEST(ClusterFaultsTest, DroppedMutationsOfNamedKeysOnlyAndRetransmittedRepairOverLoss) {
  Scenario s = SmallKv(7);
  s.network.link.loss = Ratio{3, 100};
  FaultConfig drop = FaultAt(FaultConfig::Kind::kDropMutations, 0, 0);
  drop.keys = {"k5", "k6", "k7"};
  s.faults = {drop, FaultAt(FaultConfig::Kind::kRepair, 5 * kSecond)};
  absl::StatusOr<std::unique_ptr<KvWorld>> world = KvWorld::Create(s);
  ASSERT_TRUE(world.ok());
  KvWorld& w = **world;
  ASSERT_TRUE(w.Start().ok());
  w.scheduler().Run({.until = 4 * kSecond});
  // Node 0 never has k5..k7, whatever else the lossy network did.
  for (const char* key : {"k5", "k6", "k7"}) {
    if (w.ring().Position(w.ring().SegmentOf(engine::Token(key)), 0) >= 0) {
      EXPECT_FALSE(w.cluster().View(0, key).has_value()) << key;
    }
  }
  w.scheduler().Run();
  RunOutput out;
  w.Finish(&out);
  EXPECT_GT(U(out, "nodes.mutations_dropped"), 0u);
  EXPECT_GT(U(out, "repair.resends"), 0u);  // lost repair messages were retransmitted
  EXPECT_EQ(U(out, "repair.sessions.failed"), 0u);
  // The drop window never closes, but the repair streams the missing cells (streams are not
  // mutations): zero divergence at the end, as a recount confirms.
  EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  EXPECT_EQ(testing::BruteForceDivergence(w).divergent, 0u);
}

TEST(ClusterFaultsTest, PeriodicRepairsRunEveryInterval) {
  Scenario s = SmallKv(8);
  s.simulation.duration = 7 * kSecond;
  s.repair.interval = 2 * kSecond;
  s.repair.start = kSecond;
  const RunOutput out = RunOk(s);
  EXPECT_EQ(U(out, "repair.jobs.started"), 3u);  // at 1, 3 and 5 s (7 s is the end)
  EXPECT_EQ(U(out, "repair.jobs.completed"), 3u);
}

TEST(ClusterFaultsTest, NetworkTopologyAcrossTwoDatacenters) {
  Scenario s = SmallKv(10);
  s.cluster.datacenters = {{"east", 4, 2}, {"west", 4, 2}};
  s.cluster.nodes = 8;
  s.cluster.replication = ClusterConfig::Replication::kNetworkTopology;
  s.cluster.replication_factor = 2;  // 4 replicas: QUORUM = 3
  FaultConfig cut;
  cut.kind = FaultConfig::Kind::kPartition;
  cut.at = 1500 * kMillisecond;
  cut.duration = kSecond;
  cut.groups = {{0, 1, 2, 3}};
  s.faults = {cut, FaultAt(FaultConfig::Kind::kRepair, 5 * kSecond)};
  const RunOutput out = RunOk(s);
  // While the datacenters are split no write reaches a quorum of 3.
  EXPECT_GT(U(out, "ops.write.failed_unavailable"), 300u);
  EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  EXPECT_FALSE(IsNull(out, "convergence.time"));
}

}  // namespace
}  // namespace dsim::sim
