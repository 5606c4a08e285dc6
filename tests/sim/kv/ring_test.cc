#include "sim/kv/ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "engine/token.h"
#include "sim/core/random.h"
#include "sim/net/topology.h"

namespace dsim::sim {
namespace {

Ring MakeRing(const ClusterConfig& c, uint64_t seed = 1) {
  absl::StatusOr<Topology> topo = Topology::Create(c, NetworkConfig{});
  EXPECT_TRUE(topo.ok()) << topo.status();
  absl::StatusOr<Ring> ring = Ring::Create(c, *topo, seed);
  EXPECT_TRUE(ring.ok()) << ring.status();
  return *std::move(ring);
}

TEST(RingTest, SimpleStrategyPlacesRfDistinctNodesClockwiseFromTheOwner) {
  ClusterConfig c;
  c.nodes = 10;
  c.vnodes = 8;
  c.replication_factor = 3;
  const Ring ring = MakeRing(c);
  ASSERT_EQ(ring.segments(), 80u);
  ASSERT_EQ(ring.replicas_per_segment(), 3u);
  double total = 0;
  for (uint32_t s = 0; s < ring.segments(); ++s) {
    const auto reps = ring.Replicas(s);
    EXPECT_EQ(reps[0], ring.owner(s));
    EXPECT_EQ(std::set<NodeId>(reps.begin(), reps.end()).size(), 3u);
    // The next replicas are the owners of the following segments, skipping repeats.
    std::vector<NodeId> walk;
    for (uint32_t k = 0; walk.size() < 3; ++k) {
      const NodeId n = ring.owner((s + k) % ring.segments());
      if (std::find(walk.begin(), walk.end(), n) == walk.end()) walk.push_back(n);
    }
    EXPECT_EQ(std::vector<NodeId>(reps.begin(), reps.end()), walk);
    if (s > 0) {
      EXPECT_LT(ring.token(s - 1), ring.token(s));
    }
    total += ring.SegmentRange(s).RingFraction();
    for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(ring.Position(s, reps[i]), static_cast<int>(i));
  }
  EXPECT_NEAR(total, 1.0, 1e-9);
  double replicated = 0;
  for (NodeId n = 0; n < 10; ++n) replicated += ring.ReplicatedFraction(n);
  EXPECT_NEAR(replicated, 3.0, 1e-9);
}

TEST(RingTest, SegmentOfFindsTheRangeHoldingTheToken) {
  ClusterConfig c;
  c.nodes = 7;
  c.vnodes = 5;
  const Ring ring = MakeRing(c);
  Rng rng(99);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t t = i < 35 ? ring.token(static_cast<uint32_t>(i)) : rng.Next();
    const uint32_t s = ring.SegmentOf(t);
    EXPECT_TRUE(ring.SegmentRange(s).Contains(t)) << t;
  }
  // Exactly the segments a node replicates.
  for (NodeId n = 0; n < 7; ++n) {
    for (uint32_t s : ring.SegmentsOf(n)) EXPECT_GE(ring.Position(s, n), 0);
  }
}

TEST(RingTest, SeedDeterminesTokens) {
  ClusterConfig c;
  c.nodes = 5;
  const Ring a = MakeRing(c, 7), b = MakeRing(c, 7), other = MakeRing(c, 8);
  bool differs = false;
  for (uint32_t s = 0; s < a.segments(); ++s) {
    EXPECT_EQ(a.token(s), b.token(s));
    differs |= a.token(s) != other.token(s);
  }
  EXPECT_TRUE(differs);
}

TEST(RingTest, OneTokenIsTheFullRing) {
  ClusterConfig c;
  c.nodes = 1;
  c.vnodes = 1;
  c.replication_factor = 1;
  const Ring ring = MakeRing(c);
  EXPECT_TRUE(ring.SegmentRange(0).IsFullRing());
  EXPECT_EQ(ring.SegmentOf(12345), 0u);
}

TEST(RingTest, NetworkTopologyStrategyPlacesRfPerDatacenterOnDistinctRacks) {
  ClusterConfig c;
  c.datacenters = {{"east", 9, 3}, {"west", 6, 2}};
  c.nodes = 15;
  c.vnodes = 4;
  c.replication_factor = 2;
  c.replication = ClusterConfig::Replication::kNetworkTopology;
  absl::StatusOr<Topology> topo = Topology::Create(c, NetworkConfig{});
  ASSERT_TRUE(topo.ok());
  const Ring ring = MakeRing(c);
  ASSERT_EQ(ring.replicas_per_segment(), 4u);
  for (uint32_t s = 0; s < ring.segments(); ++s) {
    const auto reps = ring.Replicas(s);
    EXPECT_EQ(std::set<NodeId>(reps.begin(), reps.end()).size(), 4u);
    // Listed datacenter by datacenter: two in east, then two in west, each pair on two racks.
    for (uint32_t dc = 0; dc < 2; ++dc) {
      EXPECT_EQ(topo->dc_of(reps[2 * dc]), dc);
      EXPECT_EQ(topo->dc_of(reps[2 * dc + 1]), dc);
      EXPECT_NE(topo->rack_of(reps[2 * dc]), topo->rack_of(reps[2 * dc + 1]));
    }
  }
}

TEST(RingTest, RejectsMoreReplicasThanNodes) {
  ClusterConfig c;
  c.nodes = 2;
  c.replication_factor = 3;
  absl::StatusOr<Topology> topo = Topology::Create(c, NetworkConfig{});
  ASSERT_TRUE(topo.ok());
  EXPECT_FALSE(Ring::Create(c, *topo, 1).ok());
  c.replication_factor = 2;
  c.vnodes = 0;
  EXPECT_FALSE(Ring::Create(c, *topo, 1).ok());
}

}  // namespace
}  // namespace dsim::sim
