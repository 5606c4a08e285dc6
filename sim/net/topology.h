// Topology: where the nodes are (datacenter, rack) and which link class joins any two of them,
// plus the datacenter-level graph (a Boost.Graph) over which traffic between datacenters is
// routed by shortest mean latency.
//
// Node-level links are never materialised (a 1,000-node full mesh would be a million edges):
// the class of a node pair is an O(1) function of the two nodes' datacenter and rack:
//   same rack               -> network.link        (class kIntraRackClass)
//   same DC, other rack     -> network.inter_rack  (class kInterRackClass; `link` if unset)
//   different datacenters   -> the DC route: a list of DC-level edges (one hop when the
//                              datacenters are fully meshed by network.inter_dc, the default)
// The DC graph has one vertex per datacenter and one directed edge per direction of each
// dc_links entry (or of every DC pair when dc_links is empty). Edges can be taken down or
// given another class (faults); RecomputeRoutes() then reruns Dijkstra from every datacenter:
// O(D * E log D), only when the DC-level fault set changes, never per message.
//
//   ASSIGN_OR_RETURN(Topology topo, Topology::Create(scenario.cluster, scenario.network));
//   if (topo.SameDc(a, b)) model = &topo.model(topo.IntraDcClass(a, b));
//   else for (uint32_t edge : topo.Route(topo.dc_of(a), topo.dc_of(b))) ...
#ifndef DSIM_SIM_TOPOLOGY_H_
#define DSIM_SIM_TOPOLOGY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sim/net/link_model.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class Topology {
 public:
  static constexpr uint32_t kIntraRackClass = 0;
  static constexpr uint32_t kInterRackClass = 1;
  static constexpr uint32_t kInterDcClass = 2;

  struct DcEdge {
    uint32_t from_dc;
    uint32_t to_dc;
    uint32_t base_model;     // the class from the scenario
    uint32_t current_model;  // the class in force (a degradation may replace it)
    bool up = true;
  };

  // Errors: InvalidArgument when datacenter node counts do not add up to cluster.nodes, a
  // dc_links entry names an unknown datacenter or links one to itself.
  [[nodiscard]] static absl::StatusOr<Topology> Create(const ClusterConfig& cluster,
                                                       const NetworkConfig& network);

  uint32_t nodes() const { return static_cast<uint32_t>(dc_of_.size()); }
  uint32_t datacenters() const { return static_cast<uint32_t>(dc_names_.size()); }
  uint32_t dc_of(NodeId node) const { return dc_of_[node]; }
  uint32_t rack_of(NodeId node) const { return rack_of_[node]; }  // global rack index
  const std::string& dc_name(uint32_t dc) const { return dc_names_[dc]; }
  std::optional<uint32_t> FindDc(std::string_view name) const;

  bool SameDc(NodeId a, NodeId b) const { return dc_of_[a] == dc_of_[b]; }
  // REQUIRES: SameDc(a, b).
  uint32_t IntraDcClass(NodeId a, NodeId b) const {
    return rack_of_[a] == rack_of_[b] ? kIntraRackClass : kInterRackClass;
  }

  const LinkModel& model(uint32_t index) const { return models_[index]; }
  uint32_t AddModel(const LinkClassConfig& config);
  size_t model_count() const { return models_.size(); }

  // The DC-level edges of the current route from one datacenter to another (empty when
  // from == to, or when there is no route: check DcReachable).
  absl::Span<const uint32_t> Route(uint32_t from_dc, uint32_t to_dc) const {
    const RouteRef& r = routes_[from_dc * datacenters() + to_dc];
    return absl::MakeConstSpan(route_edges_.data() + r.first, r.hops);
  }
  bool DcReachable(uint32_t from_dc, uint32_t to_dc) const {
    return routes_[from_dc * datacenters() + to_dc].reachable;
  }

  const std::vector<DcEdge>& dc_edges() const { return dc_edges_; }
  // The edges from one datacenter to another (one per direction of a dc_links entry).
  std::vector<uint32_t> FindDcEdges(uint32_t from_dc, uint32_t to_dc) const;
  // Fault hooks. Call RecomputeRoutes() after changing edges.
  void SetDcEdgeUp(uint32_t edge, bool up) { dc_edges_[edge].up = up; }
  void SetDcEdgeModel(uint32_t edge, uint32_t model) { dc_edges_[edge].current_model = model; }
  void RecomputeRoutes();

 private:
  struct RouteRef {
    uint32_t first = 0;
    uint16_t hops = 0;
    bool reachable = false;
  };

  std::vector<uint32_t> dc_of_;
  std::vector<uint32_t> rack_of_;
  std::vector<std::string> dc_names_;
  std::vector<LinkModel> models_;
  std::vector<DcEdge> dc_edges_;
  std::vector<RouteRef> routes_;  // D x D
  std::vector<uint32_t> route_edges_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_TOPOLOGY_H_
