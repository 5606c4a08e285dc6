#include "sim/scenario/consistency.h"

#include <string>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/scenario/key_table.h"

namespace dsim::sim::scenario_keys {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

void CheckDcLinks(Section& top, const Scenario& sc) {
  absl::btree_set<std::string> dc_names;
  for (const DatacenterConfig& dc : sc.cluster.datacenters) dc_names.insert(dc.name);
  if (dc_names.empty()) dc_names.insert("dc1");
  for (size_t i = 0; i < sc.network.dc_links.size(); ++i) {
    const DcLinkConfig& l = sc.network.dc_links[i];
    for (const std::string* end : {&l.from, &l.to}) {
      if (!end->empty() && !dc_names.contains(*end)) {
        top.ctx()->ErrorAt(top.Where(), absl::StrCat("network.dc_links[", i, "]"),
                           absl::StrCat("unknown datacenter \"", *end,
                                        "\" (known: ", absl::StrJoin(dc_names, ", "), ")"));
      }
    }
    if (l.from == l.to && !l.from.empty()) {
      top.ctx()->ErrorAt(top.Where(), absl::StrCat("network.dc_links[", i, "]"),
                         "from and to are the same datacenter");
    }
  }
}

void CheckClockOverrides(Section& top, const Scenario& sc) {
  const uint32_t nodes = sc.cluster.nodes;
  absl::btree_set<NodeId> overridden;
  for (size_t i = 0; i < sc.clocks.nodes.size(); ++i) {
    NodeId id = sc.clocks.nodes[i].node;
    std::string key = absl::StrCat("clocks.node[", i, "].node");
    if (id >= nodes) {
      top.ctx()->ErrorAt(
          top.Where(), key,
          absl::StrCat("node ", id, " out of range: the cluster has nodes 0..", nodes - 1));
    } else if (!overridden.insert(id).second) {
      top.ctx()->ErrorAt(top.Where(), key, absl::StrCat("node ", id, " has two overrides"));
    }
  }
}

// The kv workload places replication_factor replicas (per datacenter with network_topology).
void CheckReplication(Section& top, const Scenario& sc) {
  const ClusterConfig& c = sc.cluster;
  if (sc.workload.kind != WorkloadConfig::Kind::kKv) return;
  const uint32_t rf = c.replication_factor;
  if (c.replication == ClusterConfig::Replication::kSimple && rf > c.nodes) {
    top.ctx()->ErrorAt(top.Where(), "cluster.replication_factor",
                       absl::StrCat("is ", rf, " but the cluster has only ", c.nodes, " nodes"));
  }
  if (c.replication == ClusterConfig::Replication::kNetworkTopology) {
    for (const DatacenterConfig& dc : c.datacenters) {
      if (rf > dc.nodes) {
        top.ctx()->ErrorAt(top.Where(), "cluster.replication_factor",
                           absl::StrCat("is ", rf, " per datacenter but \"", dc.name,
                                        "\" has only ", dc.nodes, " nodes"));
      }
    }
    if (c.datacenters.empty() && rf > c.nodes) {
      top.ctx()->ErrorAt(top.Where(), "cluster.replication_factor",
                         absl::StrCat("is ", rf, " but the cluster has only ", c.nodes, " nodes"));
    }
  }
}

void CheckFaultsNeedStorage(Section& top, const Scenario& sc) {
  if (sc.workload.kind == WorkloadConfig::Kind::kKv) return;
  for (size_t i = 0; i < sc.faults.size(); ++i) {
    const FaultConfig::Kind k = sc.faults[i].kind;
    if (k == FaultConfig::Kind::kCrash || k == FaultConfig::Kind::kRestart ||
        k == FaultConfig::Kind::kReplace || k == FaultConfig::Kind::kDropMutations ||
        k == FaultConfig::Kind::kRepair) {
      top.ctx()->ErrorAt(top.Where(), absl::StrCat("faults[", i, "].action"),
                         absl::StrCat("\"", AV(FaultKindName(k)),
                                      "\" needs a storage workload (workload.kind = \"kv\")"));
    }
  }
}

void CheckRelay(Section& top, const Scenario& sc) {
  if (sc.workload.kind != WorkloadConfig::Kind::kRelay) return;
  if (sc.cluster.nodes < 2)
    top.ctx()->ErrorAt(top.Where(), "cluster.nodes", "the relay workload needs at least 2 nodes");
  if (sc.workload.relay.deliveries == 0 && sc.simulation.duration == 0 &&
      sc.simulation.max_events == 0) {
    top.ctx()->ErrorAt(top.Where(), "workload.relay.deliveries",
                       "is 0 (unbounded) and neither simulation.duration nor simulation.max_events "
                       "is set: the run would never end");
  }
}

}  // namespace

void CheckConsistency(Section& top, const Scenario& sc) {
  CheckDcLinks(top, sc);
  CheckClockOverrides(top, sc);
  CheckReplication(top, sc);
  CheckFaultsNeedStorage(top, sc);
  CheckRelay(top, sc);
}

void CheckWorkloadSpecificKeys(Context* ctx, const toml::table& root, const Scenario& sc) {
  const bool kv = sc.workload.kind == WorkloadConfig::Kind::kKv;
  const char* kind = kv ? "kv" : "relay";
  auto reject = [&](const toml::node& n, const std::string& key, const char* needs) {
    ctx->Error(n.source(), key,
               absl::StrCat("only applies to workload.kind = \"", needs,
                            "\" (this scenario's is \"", kind, "\")"));
  };
  if (const toml::table* w = root.get_as<toml::table>("workload")) {
    if (const toml::node* n = w->get(kv ? "relay" : "kv")) {
      reject(*n, kv ? "workload.relay" : "workload.kv", kv ? "relay" : "kv");
    }
  }
  if (kv) return;
  for (const char* section : {"storage", "repair"}) {
    if (const toml::node* n = root.get(section)) reject(*n, section, "kv");
  }
  if (const toml::table* c = root.get_as<toml::table>("cluster")) {
    for (const char* key :
         {"vnodes", "replication_factor", "replication", "write_consistency", "read_consistency",
          "request_timeout", "hinted_handoff", "max_hint_window", "read_repair"}) {
      if (const toml::node* n = c->get(key)) reject(*n, absl::StrCat("cluster.", key), "kv");
    }
  }
}

}  // namespace dsim::sim::scenario_keys
