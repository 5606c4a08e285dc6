// [simulation] and [cluster] (with [[cluster.datacenters]]) of the key table (key_table.h).
#include <limits>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "sim/scenario/key_table.h"

namespace dsim::sim::scenario_keys {
namespace {

void ReadDatacenter(Section& d, DatacenterConfig* dc, absl::btree_set<std::string>* names) {
  d.Require("name", "missing: every datacenter needs a name");
  d.Require("nodes", "missing: every datacenter needs a node count");
  d.String("name", &dc->name, "datacenter name (unique)");
  d.Uint32("nodes", &dc->nodes, 1, kMaxNodes, "nodes in this datacenter");
  d.Uint32("racks", &dc->racks, 1, kMaxNodes, "racks; nodes are dealt to racks round-robin");
  if (!d.reading()) return;
  if (dc->racks > dc->nodes)
    d.ErrorAtKeys("racks", {"nodes"},
                  absl::StrCat("is ", dc->racks, ": more racks than nodes (", dc->nodes, ")"));
  if (!dc->name.empty() && !names->insert(dc->name).second) {
    d.ErrorAtKey("name", absl::StrCat("duplicate datacenter name \"", dc->name, "\""));
  }
}

// With datacenters, `nodes` is their sum: given, it must agree; left out, it is filled in.
void CheckNodeTotal(Section& s, ClusterConfig* c) {
  if (!s.reading() || c->datacenters.empty()) return;
  uint64_t total = 0;
  for (const DatacenterConfig& dc : c->datacenters) total += dc.nodes;
  if (s.Has("nodes") && total != c->nodes) {
    s.ErrorAtKeys("nodes", {"datacenters"},
                  absl::StrCat("is ", c->nodes, " but the datacenters hold ", total,
                               " nodes; leave it out or make them agree"));
  }
  if (total > kMaxNodes)
    s.ErrorAtKey("datacenters", absl::StrCat("more than ", kMaxNodes, " nodes"));
  c->nodes = static_cast<uint32_t>(total);
}

void ReadConsistencyLevel(Section& s, std::string_view key, ConsistencyLevel* out,
                          std::string_view doc) {
  s.Enum(key, out,
         {{"one", ConsistencyLevel::kOne},
          {"quorum", ConsistencyLevel::kQuorum},
          {"all", ConsistencyLevel::kAll}},
         doc);
}

}  // namespace

void ReadSimulation(Section s, Scenario* sc) {
  s.String("name", &sc->name, "scenario name for reports (default: the file name without .toml)");
  s.String("description", &sc->description, "free text, echoed into results.json");
  s.Uint("seed", &sc->simulation.seed, 0, std::numeric_limits<int64_t>::max(),
         "root seed: every random choice derives from it (dsim run --seed overrides)");
  s.Duration(
      "duration", &sc->simulation.duration, 0, kYear,
      "stop at this simulated time (0: no limit; the workload or the event budget ends the run)");
  s.Uint("max_events", &sc->simulation.max_events, 0, std::numeric_limits<int64_t>::max(),
         "stop after this many events (0: no budget)");
  s.Finish();
}

void ReadCluster(Section s, Scenario* sc) {
  ClusterConfig& c = sc->cluster;
  s.Uint32("nodes", &c.nodes, 1, kMaxNodes,
           "number of nodes (with datacenters: must equal their sum, or be left out)");
  s.Uint32("vnodes", &c.vnodes, 1, 4096, "tokens per node on the ring (num_tokens)");
  s.Uint32("replication_factor", &c.replication_factor, 1, kMaxReplicationFactor,
           "replicas per partition (per datacenter with replication = \"network_topology\")");
  s.Enum("replication", &c.replication,
         {{"simple", ClusterConfig::Replication::kSimple},
          {"network_topology", ClusterConfig::Replication::kNetworkTopology}},
         "replica placement: the next distinct nodes clockwise (SimpleStrategy), or per datacenter "
         "(NetworkTopologyStrategy)");
  ReadConsistencyLevel(s, "write_consistency", &c.write_consistency,
                       "acknowledgements a write waits for");
  ReadConsistencyLevel(s, "read_consistency", &c.read_consistency, "responses a read waits for");
  s.Duration("request_timeout", &c.request_timeout, 1, kHour,
             "a client operation that has not met its consistency level by then fails");
  s.Bool("hinted_handoff", &c.hinted_handoff,
         "coordinators keep writes for unreachable replicas and replay them when they return");
  s.Duration("max_hint_window", &c.max_hint_window, 0, kYear,
             "hints are kept only for replicas unreachable for less than this");
  s.Bool("read_repair", &c.read_repair,
         "a read whose responses disagree writes the merged result back");
  absl::btree_set<std::string> names;
  s.Array("datacenters", "datacenters and racks; default: one datacenter \"dc1\" with one rack",
          &c.datacenters, DatacenterConfig{},
          [&names](Section& d, DatacenterConfig* dc) { ReadDatacenter(d, dc, &names); });
  CheckNodeTotal(s, &c);
  s.Finish();
}

}  // namespace dsim::sim::scenario_keys
