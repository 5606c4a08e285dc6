#include "sim/kv/ring.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "sim/core/random.h"

namespace dsim::sim {
namespace {

// Cassandra's NetworkTopologyStrategy bookkeeping for one datacenter.
struct DcFill {
  uint32_t rf_left = 0;
  int64_t acceptable_rack_repeats = 0;
  std::vector<uint32_t> racks_seen;
  std::vector<NodeId> replicas;

  bool done() const { return rf_left == 0; }
  // Offers the next node of the walk; true when it was taken.
  bool Offer(NodeId node, uint32_t rack) {
    if (done()) return false;
    if (std::find(replicas.begin(), replicas.end(), node) != replicas.end()) return false;
    if (std::find(racks_seen.begin(), racks_seen.end(), rack) == racks_seen.end()) {
      racks_seen.push_back(rack);
      replicas.push_back(node);
      --rf_left;
      return true;
    }
    if (acceptable_rack_repeats <= 0) return false;
    replicas.push_back(node);
    --acceptable_rack_repeats;
    --rf_left;
    return true;
  }
};

// R, the replicas of a partition: rf, or rf in every datacenter under network_topology.
// Errors: see Ring::Create.
absl::StatusOr<uint32_t> ReplicasPerPartition(const ClusterConfig& cluster,
                                              const Topology& topology) {
  const uint32_t n = topology.nodes();
  const uint32_t dcs = topology.datacenters();
  const uint32_t rf = cluster.replication_factor;
  if (cluster.vnodes == 0) return absl::InvalidArgumentError("cluster.vnodes must be at least 1");
  if (rf == 0) return absl::InvalidArgumentError("cluster.replication_factor must be at least 1");
  const bool nts = cluster.replication == ClusterConfig::Replication::kNetworkTopology;
  std::vector<uint32_t> dc_nodes(dcs, 0);
  for (NodeId node = 0; node < n; ++node) ++dc_nodes[topology.dc_of(node)];
  if (nts) {
    for (uint32_t dc = 0; dc < dcs; ++dc) {
      if (rf > dc_nodes[dc]) {
        return absl::InvalidArgumentError(absl::StrCat("replication_factor ", rf, " exceeds the ",
                                                       dc_nodes[dc], " nodes of datacenter ",
                                                       topology.dc_name(dc)));
      }
    }
  } else if (rf > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("replication_factor ", rf, " exceeds the ", n, " nodes"));
  }
  const uint32_t r = nts ? rf * dcs : rf;
  if (r > Ring::kMaxReplicas) {
    return absl::InvalidArgumentError(absl::StrCat(
        "at most ", Ring::kMaxReplicas, " replicas per partition are supported, got ", r));
  }
  return r;
}

// Every node's vnode tokens (from its own "ring" stream), sorted and made distinct.
std::vector<std::pair<uint64_t, NodeId>> PlaceTokens(uint32_t nodes, uint32_t vnodes,
                                                     uint64_t root_seed) {
  std::vector<std::pair<uint64_t, NodeId>> tokens;
  tokens.reserve(size_t{nodes} * vnodes);
  for (NodeId node = 0; node < nodes; ++node) {
    Rng rng(StreamSeed(root_seed, "ring", node));
    for (uint32_t v = 0; v < vnodes; ++v) tokens.emplace_back(rng.Next(), node);
  }
  std::sort(tokens.begin(), tokens.end());
  // A collision (probability ~ S^2 / 2^65) is resolved deterministically: the later one moves up.
  for (size_t i = 1; i < tokens.size(); ++i) {
    if (tokens[i].first <= tokens[i - 1].first) tokens[i].first = tokens[i - 1].first + 1;
  }
  DSIM_CHECK(tokens.size() < 2 || tokens.back().first > tokens[tokens.size() - 2].first);
  return tokens;
}

// SimpleStrategy: the first rf distinct owners walking clockwise from segment `seg`.
void AppendSimpleReplicas(const std::vector<NodeId>& owners, uint32_t seg, uint32_t rf,
                          std::vector<NodeId>* out) {
  const uint32_t s = static_cast<uint32_t>(owners.size());
  std::vector<NodeId> simple;
  for (uint32_t step = 0; step < s && simple.size() < rf; ++step) {
    const NodeId node = owners[(seg + step) % s];
    if (std::find(simple.begin(), simple.end(), node) == simple.end()) simple.push_back(node);
  }
  DSIM_CHECK(simple.size() == rf);
  out->insert(out->end(), simple.begin(), simple.end());
}

// NetworkTopologyStrategy: rf replicas in every datacenter, on distinct racks first
// (`dc_racks`: the racks of each datacenter), datacenter by datacenter.
void AppendNetworkTopologyReplicas(const std::vector<NodeId>& owners, uint32_t seg, uint32_t rf,
                                   const Topology& topology,
                                   const std::vector<std::vector<uint32_t>>& dc_racks,
                                   std::vector<NodeId>* out) {
  const uint32_t s = static_cast<uint32_t>(owners.size());
  const uint32_t dcs = topology.datacenters();
  std::vector<DcFill> fills(dcs);
  for (uint32_t dc = 0; dc < dcs; ++dc) {
    DcFill& f = fills[dc];
    f.rf_left = rf;
    f.acceptable_rack_repeats =
        static_cast<int64_t>(rf) - static_cast<int64_t>(dc_racks[dc].size());
  }
  uint32_t dcs_done = 0;
  // One lap places a replica on every rack; a second lap fills rack repeats (a node skipped on
  // the first lap for its rack can be taken on the second, like Cassandra's skipped list).
  for (uint32_t step = 0; step < 2 * s && dcs_done < dcs; ++step) {
    const NodeId node = owners[(seg + step) % s];
    DcFill& f = fills[topology.dc_of(node)];
    if (f.Offer(node, topology.rack_of(node)) && f.done()) ++dcs_done;
    if (step == s - 1) {
      // Second lap: allow the racks already seen to repeat as needed.
      for (uint32_t dc = 0; dc < dcs; ++dc) fills[dc].acceptable_rack_repeats = fills[dc].rf_left;
    }
  }
  for (uint32_t dc = 0; dc < dcs; ++dc) {
    DSIM_CHECK_MSG(fills[dc].done(), "network topology placement did not fill a datacenter");
    out->insert(out->end(), fills[dc].replicas.begin(), fills[dc].replicas.end());
  }
}

}  // namespace

absl::StatusOr<Ring> Ring::Create(const ClusterConfig& cluster, const Topology& topology,
                                  uint64_t root_seed) {
  absl::StatusOr<uint32_t> r = ReplicasPerPartition(cluster, topology);
  if (!r.ok()) return r.status();
  const uint32_t n = topology.nodes();
  Ring ring;
  ring.nodes_ = n;
  ring.r_ = *r;
  for (const auto& [token, node] : PlaceTokens(n, cluster.vnodes, root_seed)) {
    ring.tokens_.push_back(token);
    ring.owners_.push_back(node);
  }

  // Racks per datacenter (for NetworkTopologyStrategy).
  std::vector<std::vector<uint32_t>> dc_racks(topology.datacenters());
  for (NodeId node = 0; node < n; ++node) {
    std::vector<uint32_t>& racks = dc_racks[topology.dc_of(node)];
    if (std::find(racks.begin(), racks.end(), topology.rack_of(node)) == racks.end()) {
      racks.push_back(topology.rack_of(node));
    }
  }

  const uint32_t s = ring.segments();
  const uint32_t rf = cluster.replication_factor;
  ring.replicas_.reserve(size_t{s} * ring.r_);
  for (uint32_t seg = 0; seg < s; ++seg) {
    if (cluster.replication == ClusterConfig::Replication::kNetworkTopology) {
      AppendNetworkTopologyReplicas(ring.owners_, seg, rf, topology, dc_racks, &ring.replicas_);
    } else {
      AppendSimpleReplicas(ring.owners_, seg, rf, &ring.replicas_);
    }
  }
  ring.replicated_fraction_.assign(n, 0.0);
  for (uint32_t seg = 0; seg < s; ++seg) {
    const double f = ring.SegmentRange(seg).RingFraction();
    for (NodeId node : ring.Replicas(seg)) ring.replicated_fraction_[node] += f;
  }
  return ring;
}

uint32_t Ring::SegmentOf(uint64_t token) const {
  const auto it = std::lower_bound(tokens_.begin(), tokens_.end(), token);
  return it == tokens_.end() ? 0 : static_cast<uint32_t>(it - tokens_.begin());
}

engine::TokenRange Ring::SegmentRange(uint32_t segment) const {
  DSIM_CHECK(segment < segments());
  const uint32_t prev = segment == 0 ? segments() - 1 : segment - 1;
  return engine::TokenRange(tokens_[prev], tokens_[segment]);
}

int Ring::Position(uint32_t segment, NodeId node) const {
  const absl::Span<const NodeId> reps = Replicas(segment);
  for (uint32_t i = 0; i < reps.size(); ++i) {
    if (reps[i] == node) return static_cast<int>(i);
  }
  return -1;
}

std::vector<uint32_t> Ring::SegmentsOf(NodeId node) const {
  std::vector<uint32_t> out;
  for (uint32_t seg = 0; seg < segments(); ++seg) {
    if (Position(seg, node) >= 0) out.push_back(seg);
  }
  return out;
}

}  // namespace dsim::sim
