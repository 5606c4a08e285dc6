#include "sim/scenario/consistency.h"

#include <algorithm>
#include <string>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/commit_log.h"
#include "sim/core/scheduler.h"
#include "sim/core/units.h"
#include "sim/resource_estimate.h"
#include "sim/scenario/key_table.h"

namespace dsim::sim::scenario_keys {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A problem with the key at paths[0] that the other keys of `paths` take part in: located at
// the first of them in the file, naming each that a --set gave (Context::ErrorAtPaths).
void ErrorAtPath(Section& top, std::vector<std::string> paths, std::string_view message) {
  top.ctx()->ErrorAtPaths(paths, message);
}

void CheckDcLinks(Section& top, const Scenario& sc) {
  absl::btree_set<std::string> dc_names;
  for (const DatacenterConfig& dc : sc.cluster.datacenters) dc_names.insert(dc.name);
  if (dc_names.empty()) dc_names.insert("dc1");
  for (size_t i = 0; i < sc.network.dc_links.size(); ++i) {
    const DcLinkConfig& l = sc.network.dc_links[i];
    for (const std::string* end : {&l.from, &l.to}) {
      if (!end->empty() && !dc_names.contains(*end)) {
        ErrorAtPath(top,
                    {absl::StrCat("network.dc_links[", i, "].", end == &l.from ? "from" : "to"),
                     "cluster.datacenters"},
                    absl::StrCat("unknown datacenter \"", *end,
                                 "\" (known: ", absl::StrJoin(dc_names, ", "), ")"));
      }
    }
    if (l.from == l.to && !l.from.empty()) {
      ErrorAtPath(top,
                  {absl::StrCat("network.dc_links[", i, "].to"),
                   absl::StrCat("network.dc_links[", i, "].from")},
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
      ErrorAtPath(top, {key, "cluster.nodes", "cluster.datacenters"},
                  absl::StrCat("node ", id, " out of range: the cluster has nodes 0..", nodes - 1));
    } else if (!overridden.insert(id).second) {
      ErrorAtPath(top, {key}, absl::StrCat("node ", id, " has two overrides"));
    }
  }
}

// The kv workload places replication_factor replicas (per datacenter with network_topology).
void CheckReplication(Section& top, const Scenario& sc) {
  const std::vector<std::string> kRfKeys = {"cluster.replication_factor", "cluster.nodes",
                                            "cluster.datacenters", "cluster.replication"};
  const ClusterConfig& c = sc.cluster;
  if (sc.workload.kind != WorkloadConfig::Kind::kKv) return;
  const uint32_t rf = c.replication_factor;
  if (c.replication == ClusterConfig::Replication::kSimple && rf > c.nodes) {
    ErrorAtPath(top, kRfKeys,
                absl::StrCat("is ", rf, " but the cluster has only ", c.nodes, " nodes"));
  }
  if (c.replication == ClusterConfig::Replication::kNetworkTopology) {
    const uint64_t dcs = std::max<uint64_t>(1, c.datacenters.size());
    if (rf * dcs > kMaxReplicationFactor) {
      ErrorAtPath(top, kRfKeys,
                  absl::StrCat("is ", rf, " per datacenter in ", dcs, " datacenters: ", rf * dcs,
                               " replicas per partition; at most ", kMaxReplicationFactor));
    }
    for (const DatacenterConfig& dc : c.datacenters) {
      if (rf > dc.nodes) {
        ErrorAtPath(top, kRfKeys,
                    absl::StrCat("is ", rf, " per datacenter but \"", dc.name, "\" has only ",
                                 dc.nodes, " nodes"));
      }
    }
    if (c.datacenters.empty() && rf > c.nodes) {
      ErrorAtPath(top, kRfKeys,
                  absl::StrCat("is ", rf, " but the cluster has only ", c.nodes, " nodes"));
    }
  }
}

void CheckFaultsNeedStorage(Section& top, const Scenario& sc) {
  if (sc.workload.kind == WorkloadConfig::Kind::kKv) return;
  for (size_t i = 0; i < sc.faults.size(); ++i) {
    const FaultConfig::Kind k = sc.faults[i].kind;
    if (k == FaultConfig::Kind::kCrash || k == FaultConfig::Kind::kPowerLoss ||
        k == FaultConfig::Kind::kRestart || k == FaultConfig::Kind::kReplace ||
        k == FaultConfig::Kind::kDropMutations || k == FaultConfig::Kind::kRepair ||
        k == FaultConfig::Kind::kCorruptSSTable || k == FaultConfig::Kind::kVerify) {
      ErrorAtPath(top, {absl::StrCat("faults[", i, "].action"), "workload.kind"},
                  absl::StrCat("\"", AV(FaultKindName(k)),
                               "\" needs a storage workload (workload.kind = \"kv\")"));
    }
  }
}

void CheckRelay(Section& top, const Scenario& sc) {
  if (sc.workload.kind != WorkloadConfig::Kind::kRelay) return;
  if (sc.cluster.nodes < 2)
    ErrorAtPath(top, {"cluster.nodes", "workload.kind"},
                "the relay workload needs at least 2 nodes");
  if (sc.workload.relay.deliveries == 0 && sc.simulation.duration == 0 &&
      sc.simulation.max_events == 0) {
    ErrorAtPath(top, {"workload.relay.deliveries", "simulation.duration", "simulation.max_events"},
                "is 0 (unbounded) and neither simulation.duration nor simulation.max_events "
                "is set: the run would never end");
  }
}

// Bounds of the resource checks below, each with its reason.
constexpr uint64_t kMaxRingTokens = uint64_t{1} << 24;  // ring segments: index and ~80 B each
constexpr uint64_t kCellOverheadBytes = 64;      // per cell in a mutation: column, timestamp, flags
constexpr uint64_t kKeyOverheadBytes = 1024;     // per mutation: partition key and framing
constexpr uint64_t kSchedulerHeadroom = 1024;    // daemons, faults and timers beside the messages
constexpr uint64_t kMaxSampleRows = 10'000'000;  // timeseries.csv rows (~100 B each in memory)

// The run's horizon (simulation.duration, or without it the kv phases and the last fault), and
// no more rows of timeseries.csv than kMaxSampleRows over it.
void CheckRepair(Section& top, const Scenario& sc) {
  if (sc.repair.incremental && sc.repair.strategy != "merkle") {
    ErrorAtPath(
        top, {"repair.incremental", "repair.strategy"},
        absl::StrCat("incremental repair is Merkle repair's (repair.strategy = \"merkle\"); "
                     "this scenario's strategy is \"",
                     sc.repair.strategy, "\""));
  }
}

void CheckSampleRows(Section& top, const Scenario& sc) {
  const Nanos interval = sc.metrics.sample_interval;
  if (interval <= 0) return;
  const Nanos horizon = RunHorizon(sc);
  if (horizon > 0 && static_cast<uint64_t>(horizon / interval) > kMaxSampleRows) {
    ErrorAtPath(
        top, {"metrics.sample_interval", "simulation.duration"},
        absl::StrCat("is ", FormatDuration(interval), ": over ", FormatDuration(horizon),
                     " that is ", horizon / interval, " rows of timeseries.csv; at most ",
                     kMaxSampleRows, " (make it at least ",
                     FormatDuration(horizon / static_cast<Nanos>(kMaxSampleRows) + 1), ")"));
  }
}

// Limits that keep a validated scenario from aborting or exhausting memory mid-run (issue 11):
// each names the keys that drive it.
void CheckResourceLimits(Section& top, const Scenario& sc) {
  const ClusterConfig& c = sc.cluster;
  const uint64_t tokens = uint64_t{c.nodes} * c.vnodes;
  if (sc.workload.kind == WorkloadConfig::Kind::kKv && tokens > kMaxRingTokens) {
    ErrorAtPath(top, {"cluster.vnodes", "cluster.nodes", "cluster.datacenters"},
                absl::StrCat("nodes (", c.nodes, ") x vnodes (", c.vnodes, ") = ", tokens,
                             " tokens on the ring; at most ", kMaxRingTokens));
  }
  if (sc.workload.kind == WorkloadConfig::Kind::kKv) {
    const KvWorkloadConfig& kv = sc.workload.kv;
    // An insert writes every column in one mutation; the commit log holds one mutation per entry.
    const uint64_t insert_bytes =
        uint64_t{kv.columns} * (uint64_t{kv.value_bytes} + kCellOverheadBytes) + kKeyOverheadBytes;
    if (insert_bytes > engine::CommitLog::kMaxPayloadBytes) {
      ErrorAtPath(
          top, {"workload.kv.value_size", "workload.kv.columns"},
          absl::StrCat("columns (", kv.columns, ") x value_size (", FormatSize(kv.value_bytes),
                       ") makes an insert of about ", FormatSize(insert_bytes),
                       ", above the commit log's ", FormatSize(engine::CommitLog::kMaxPayloadBytes),
                       " limit per mutation"));
    }
  }
  if (sc.workload.kind == WorkloadConfig::Kind::kRelay) {
    const uint64_t messages = uint64_t{c.nodes} * sc.workload.relay.messages_per_node;
    if (messages > Scheduler::kMaxPending - kSchedulerHeadroom) {
      ErrorAtPath(
          top, {"workload.relay.messages_per_node", "cluster.nodes", "cluster.datacenters"},
          absl::StrCat("nodes (", c.nodes, ") x messages_per_node (",
                       sc.workload.relay.messages_per_node, ") = ", messages,
                       " messages in flight at once; at most ",
                       Scheduler::kMaxPending - kSchedulerHeadroom, " events can be pending"));
    }
  }
  CheckSampleRows(top, sc);
}

}  // namespace

void CheckConsistency(Section& top, const Scenario& sc) {
  CheckResourceLimits(top, sc);
  CheckDcLinks(top, sc);
  CheckClockOverrides(top, sc);
  CheckReplication(top, sc);
  CheckFaultsNeedStorage(top, sc);
  CheckRelay(top, sc);
  CheckRepair(top, sc);
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
          "request_timeout", "hinted_handoff", "max_hint_window", "read_repair", "failure_detector",
          "heartbeat_interval", "phi_convict_threshold"}) {
      if (const toml::node* n = c->get(key)) reject(*n, absl::StrCat("cluster.", key), "kv");
    }
  }
}

}  // namespace dsim::sim::scenario_keys
