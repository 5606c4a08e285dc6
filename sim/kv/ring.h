// Ring: the token ring — which nodes hold the replicas of a partition.
//
// Each node owns `vnodes` tokens drawn from its own stream ("ring", node) of the root seed. The
// sorted tokens t0 < t1 < ... < tS-1 cut the ring into S = nodes x vnodes segments; segment i is
// the range (t[i-1], t[i]] (segment 0 wraps: (t[S-1], t[0]]) and its primary owner is the node
// of t[i]. A partition lives in the segment that contains its token (engine::Token of the key,
// XXH3_64).
//
// Replicas of a segment, computed once for every segment at construction:
//   - SimpleStrategy: the primary and then the next distinct nodes clockwise, RF in all.
//   - NetworkTopologyStrategy: walking clockwise from the segment, each datacenter takes RF
//     distinct nodes, preferring unseen racks exactly as Cassandra's NetworkTopologyStrategy
//     does (a node on an already-used rack is accepted only while rf - racks_in_dc repeats are
//     left). Replicas are listed datacenter by datacenter, each in walk order.
// Every segment has the same number R of replicas (RF, or RF x datacenters). A replica's
// position in its segment's list (0..R-1) is the bit the oracle uses for it.
//
//   Ring ring = *Ring::Create(scenario.cluster, topology, seed);
//   uint32_t s = ring.SegmentOf(engine::Token("k42"));
//   for (NodeId n : ring.Replicas(s)) ...
//
// Costs: SegmentOf O(log S) (binary search); Replicas, Position O(R); memory S x (8 + 4 R) bytes.
#ifndef DSIM_SIM_RING_H_
#define DSIM_SIM_RING_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/token.h"
#include "sim/net/topology.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class Ring {
 public:
  // The largest R supported (the oracle keeps one bit per replica position).
  static constexpr uint32_t kMaxReplicas = 16;

  // Errors: InvalidArgument when vnodes is 0, RF is 0 or larger than the nodes available (per
  // datacenter under network_topology), or R exceeds kMaxReplicas.
  [[nodiscard]] static absl::StatusOr<Ring> Create(const ClusterConfig& cluster,
                                                   const Topology& topology, uint64_t root_seed);

  uint32_t segments() const { return static_cast<uint32_t>(tokens_.size()); }
  uint32_t replicas_per_segment() const { return r_; }
  uint32_t nodes() const { return nodes_; }

  // The segment whose range contains `token`.
  uint32_t SegmentOf(uint64_t token) const;
  // (t[s-1], t[s]]; the full ring when there is a single token.
  engine::TokenRange SegmentRange(uint32_t segment) const;
  uint64_t token(uint32_t segment) const { return tokens_[segment]; }
  NodeId owner(uint32_t segment) const { return owners_[segment]; }

  absl::Span<const NodeId> Replicas(uint32_t segment) const {
    return absl::MakeConstSpan(replicas_.data() + size_t{segment} * r_, r_);
  }
  // The node's position in the segment's replica list, or -1.
  int Position(uint32_t segment, NodeId node) const;
  // Segments the node holds a replica of, ascending.
  std::vector<uint32_t> SegmentsOf(NodeId node) const;
  // The fraction of the ring the node holds replicas of (sum of its segments' ring fractions).
  double ReplicatedFraction(NodeId node) const { return replicated_fraction_[node]; }

 private:
  Ring() = default;

  uint32_t nodes_ = 0;
  uint32_t r_ = 0;
  std::vector<uint64_t> tokens_;  // sorted
  std::vector<NodeId> owners_;
  std::vector<NodeId> replicas_;             // segments x r_
  std::vector<double> replicated_fraction_;  // per node
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_RING_H_
