#include "sim/net/topology.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace dsim::sim {

namespace {

// Vertices are datacenters; each edge carries its DcEdge index and its weight (mean latency in
// ns, +1 so that zero-latency links still prefer fewer hops).
using DcGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_weight_t, int64_t, boost::property<boost::edge_index_t, uint32_t>>>;

}  // namespace

absl::StatusOr<Topology> Topology::Create(const ClusterConfig& cluster,
                                          const NetworkConfig& network) {
  Topology t;
  std::vector<DatacenterConfig> dcs = cluster.datacenters;
  if (dcs.empty()) dcs.push_back({.name = "dc1", .nodes = cluster.nodes, .racks = 1});
  uint64_t total = 0;
  for (const DatacenterConfig& dc : dcs) total += dc.nodes;
  if (total != cluster.nodes) {
    return absl::InvalidArgumentError(
        absl::StrCat("cluster.nodes is ", cluster.nodes, " but the datacenters hold ", total));
  }
  uint32_t rack_base = 0;
  for (uint32_t d = 0; d < dcs.size(); ++d) {
    const DatacenterConfig& dc = dcs[d];
    if (dc.racks == 0) {
      return absl::InvalidArgumentError(absl::StrCat("datacenter ", dc.name, " has no racks"));
    }
    t.dc_names_.push_back(dc.name);
    for (uint32_t j = 0; j < dc.nodes; ++j) {
      t.dc_of_.push_back(d);
      t.rack_of_.push_back(rack_base + j % dc.racks);
    }
    rack_base += dc.racks;
  }

  t.models_.emplace_back(network.link);
  t.models_.emplace_back(network.inter_rack.value_or(network.link));
  t.models_.emplace_back(network.inter_dc.value_or(network.link));

  const uint32_t d_count = t.datacenters();
  if (network.dc_links.empty()) {
    for (uint32_t a = 0; a < d_count; ++a) {
      for (uint32_t b = 0; b < d_count; ++b) {
        if (a != b) t.dc_edges_.push_back({a, b, kInterDcClass, kInterDcClass, true});
      }
    }
  } else {
    for (const DcLinkConfig& link : network.dc_links) {
      const std::optional<uint32_t> from = t.FindDc(link.from);
      const std::optional<uint32_t> to = t.FindDc(link.to);
      if (!from || !to) {
        return absl::InvalidArgumentError(absl::StrCat(
            "network.dc_links names an unknown datacenter: ", !from ? link.from : link.to));
      }
      if (*from == *to) {
        return absl::InvalidArgumentError(
            absl::StrCat("network.dc_links links datacenter ", link.from, " to itself"));
      }
      const uint32_t model = t.AddModel(link.link);
      t.dc_edges_.push_back({*from, *to, model, model, true});
      if (!link.one_way) t.dc_edges_.push_back({*to, *from, model, model, true});
    }
  }
  t.RecomputeRoutes();
  return t;
}

std::optional<uint32_t> Topology::FindDc(std::string_view name) const {
  for (uint32_t d = 0; d < dc_names_.size(); ++d) {
    if (dc_names_[d] == name) return d;
  }
  return std::nullopt;
}

uint32_t Topology::AddModel(const LinkClassConfig& config) {
  models_.emplace_back(config);
  return static_cast<uint32_t>(models_.size() - 1);
}

std::vector<uint32_t> Topology::FindDcEdges(uint32_t from_dc, uint32_t to_dc) const {
  std::vector<uint32_t> edges;
  for (uint32_t e = 0; e < dc_edges_.size(); ++e) {
    if (dc_edges_[e].from_dc == from_dc && dc_edges_[e].to_dc == to_dc) edges.push_back(e);
  }
  return edges;
}

void Topology::RecomputeRoutes() {
  const uint32_t d_count = datacenters();
  routes_.assign(size_t{d_count} * d_count, RouteRef{});
  route_edges_.clear();

  DcGraph graph(d_count);
  for (uint32_t e = 0; e < dc_edges_.size(); ++e) {
    const DcEdge& edge = dc_edges_[e];
    if (!edge.up) continue;
    boost::add_edge(edge.from_dc, edge.to_dc,
                    DcGraph::edge_property_type(models_[edge.current_model].MeanLatency() + 1,
                                                DcGraph::edge_property_type::next_type(e)),
                    graph);
  }
  const auto weight = boost::get(boost::edge_weight, graph);
  const auto index = boost::get(boost::edge_index, graph);

  std::vector<DcGraph::vertex_descriptor> pred(d_count);
  std::vector<int64_t> dist(d_count);
  std::vector<uint32_t> path;
  for (uint32_t src = 0; src < d_count; ++src) {
    boost::dijkstra_shortest_paths(graph, src,
                                   boost::predecessor_map(pred.data())
                                       .distance_map(dist.data())
                                       .distance_inf(std::numeric_limits<int64_t>::max()));
    for (uint32_t dst = 0; dst < d_count; ++dst) {
      RouteRef& route = routes_[src * d_count + dst];
      if (dst == src) {
        route.reachable = true;
        continue;
      }
      if (dist[dst] == std::numeric_limits<int64_t>::max()) continue;
      // Walk back along predecessors; between a vertex and its predecessor take the lightest
      // up edge, ties to the lowest edge index (deterministic with parallel edges).
      path.clear();
      for (uint32_t v = dst; v != src;) {
        const uint32_t u = static_cast<uint32_t>(pred[v]);
        DSIM_CHECK(u != v);
        uint32_t best = UINT32_MAX;
        int64_t best_weight = 0;
        for (auto [it, end] = boost::out_edges(u, graph); it != end; ++it) {
          if (boost::target(*it, graph) != v) continue;
          const uint32_t e = index[*it];
          const int64_t w = weight[*it];
          if (best == UINT32_MAX || w < best_weight || (w == best_weight && e < best)) {
            best = e;
            best_weight = w;
          }
        }
        DSIM_CHECK(best != UINT32_MAX);
        path.push_back(best);
        v = u;
        DSIM_CHECK(path.size() <= d_count);
      }
      std::reverse(path.begin(), path.end());
      route.first = static_cast<uint32_t>(route_edges_.size());
      route.hops = static_cast<uint16_t>(path.size());
      route.reachable = true;
      route_edges_.insert(route_edges_.end(), path.begin(), path.end());
    }
  }
}

}  // namespace dsim::sim
