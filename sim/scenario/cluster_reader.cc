// [simulation] and [cluster] (with [[cluster.datacenters]]) of the key table (key_table.h).
#include <limits>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "sim/core/units.h"
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

// cluster.failure_detector and its two phi keys: given without phi they are an error (never
// silently ignored); with phi, the unset ones get their defaults (so the echo shows them).
void ReadFailureDetector(Section& s, ClusterConfig* c) {
  s.Enum("failure_detector", &c->failure_detector,
         {{"perfect", ClusterConfig::FailureDetector::kPerfect},
          {"phi", ClusterConfig::FailureDetector::kPhi}},
         "whom coordinators and hint replay believe alive: \"perfect\" reads the simulator's "
         "truth (up and reachable; no heartbeat traffic, the behaviour of every earlier run); "
         "\"phi\" sends heartbeats and runs a phi-accrual failure detector per node");
  s.OptionalDuration("heartbeat_interval", &c->heartbeat_interval, kMillisecond, kHour,
                     "failure_detector = \"phi\" only (default then 1s): every up node sends a "
                     "heartbeat to every other node, and checks its peers' phi, this often");
  s.OptionalDouble("phi_convict_threshold", &c->phi_convict_threshold, 1, 100,
                   "failure_detector = \"phi\" only (default then 8): a peer is convicted "
                   "(believed down) when its phi exceeds this (Cassandra's phi_convict_threshold)");
  if (!s.reading()) return;
  if (c->failure_detector == ClusterConfig::FailureDetector::kPerfect) {
    const std::string rest =
        ": only applies to failure_detector = \"phi\" (this scenario's is \"perfect\")";
    if (s.Has("heartbeat_interval")) {
      s.ErrorAtKeys("heartbeat_interval", {"failure_detector"},
                    absl::StrCat("is ", FormatDuration(c->heartbeat_interval.value_or(0)), rest));
    }
    if (s.Has("phi_convict_threshold")) {
      s.ErrorAtKeys("phi_convict_threshold", {"failure_detector"},
                    absl::StrCat("is ", c->phi_convict_threshold.value_or(0), rest));
    }
    return;
  }
  if (!c->heartbeat_interval) c->heartbeat_interval = ClusterConfig::kDefaultHeartbeatInterval;
  if (!c->phi_convict_threshold) {
    c->phi_convict_threshold = ClusterConfig::kDefaultPhiConvictThreshold;
  }
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
  ReadFailureDetector(s, &c);
  absl::btree_set<std::string> names;
  s.Array("datacenters", "datacenters and racks; default: one datacenter \"dc1\" with one rack",
          &c.datacenters, DatacenterConfig{},
          [&names](Section& d, DatacenterConfig* dc) { ReadDatacenter(d, dc, &names); });
  CheckNodeTotal(s, &c);
  s.Finish();
}

}  // namespace dsim::sim::scenario_keys
