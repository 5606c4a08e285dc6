#include "sim/scenario/scenario.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "sim/core/units.h"
#include "sim/scenario/scenario_reader.h"

namespace dsim::sim {
namespace {

using scenario_internal::Context;
using scenario_internal::DocEntry;
using scenario_internal::Section;

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

constexpr uint32_t kMaxNodes = 1'000'000;
constexpr Nanos kMaxLatency = kHour;

// ---------------------------------------------------------------------------------------------
// Section readers. Each reads one part of the Scenario; in reference mode they document it.

// The table form of a latency: `kind` and the keys that kind needs (in reference mode, every
// key of every kind).
void ReadLatencyTable(Section& s, LatencyConfig* l) {
  const bool doc = s.ctx()->documenting();
  if (!doc && !s.Has("kind")) {
    s.ErrorAtKey("kind",
                 "missing: a latency table needs kind = \"constant\", \"uniform\", \"normal\" or "
                 "\"lognormal\"");
  }
  s.Enum("kind", &l->kind,
         {{"constant", LatencyConfig::Kind::kConstant},
          {"uniform", LatencyConfig::Kind::kUniform},
          {"normal", LatencyConfig::Kind::kNormal},
          {"lognormal", LatencyConfig::Kind::kLogNormal}},
         "the distribution");
  const char* kind_name = l->kind == LatencyConfig::Kind::kConstant  ? "constant"
                          : l->kind == LatencyConfig::Kind::kUniform ? "uniform"
                          : l->kind == LatencyConfig::Kind::kNormal  ? "normal"
                                                                     : "lognormal";
  // Whether the keys of `kind` are read (all of them are documented).
  auto wants = [&](LatencyConfig::Kind kind, std::initializer_list<std::string_view> required) {
    if (doc) return true;
    if (l->kind != kind) return false;
    for (std::string_view k : required) {
      if (!s.Has(k))
        s.ErrorAtKey(k, absl::StrCat("missing: required for kind = \"", kind_name, "\""));
    }
    return true;
  };
  if (wants(LatencyConfig::Kind::kConstant, {"value"})) {
    s.Duration("value", &l->value, 0, kMaxLatency, "constant: the delay");
  }
  if (wants(LatencyConfig::Kind::kUniform, {"min", "max"})) {
    s.Duration("min", &l->min, 0, kMaxLatency, "uniform: lower bound (inclusive)");
    s.Duration("max", &l->max, 0, kMaxLatency, "uniform: upper bound (inclusive)");
    if (!doc && l->min > l->max) {
      s.ErrorAtKey("max", absl::StrCat("must not be below min (", FormatDuration(l->min), ")"));
    }
  }
  if (wants(LatencyConfig::Kind::kNormal, {"mean", "stddev"})) {
    s.Duration("mean", &l->mean, 0, kMaxLatency, "normal: mean (samples below 0 are clamped to 0)");
    s.Duration("stddev", &l->stddev, 0, kMaxLatency, "normal: standard deviation");
  }
  if (wants(LatencyConfig::Kind::kLogNormal, {"median", "sigma"})) {
    s.Duration("median", &l->median, doc ? 0 : 1, kMaxLatency, "lognormal: median, exp(mu)");
    s.Double("sigma", &l->sigma, 0, 5, "lognormal: shape, the standard deviation of ln(delay)");
  }
  s.Finish();
}

void ReadLatency(Section& parent, std::string_view key, LatencyConfig* out) {
  Context* ctx = parent.ctx();
  const char* kDoc =
      "one-way delay: a duration (constant), or a table {kind = \"constant\" | \"uniform\" | "
      "\"normal\" | \"lognormal\", ...} (see the latency table below)";
  const toml::node* n = parent.Raw(key, "duration or table",
                                   absl::StrCat("\"", FormatDuration(out->value), "\""), kDoc);
  if (ctx->documenting()) {
    if (parent.path() != "network.link") return;  // documented once
    Section doc(ctx, nullptr, "latency", "latency (table form)");
    ReadLatencyTable(doc, out);
    return;
  }
  if (n == nullptr) return;
  std::string path = absl::StrCat(parent.path(), ".", AV(key));
  if (n->is_string() || n->is_integer()) {
    // Shorthand: a constant delay.
    LatencyConfig l;
    if (n->is_integer() && *n->value<int64_t>() != 0) {
      parent.ErrorAtNode(*n, key, "expected a duration string such as \"5ms\" or a latency table");
      return;
    }
    if (n->is_string()) {
      absl::StatusOr<Nanos> d = ParseDuration(*n->value<std::string_view>());
      if (!d.ok() || *d < 0 || *d > kMaxLatency) {
        parent.ErrorAtNode(
            *n, key,
            d.ok() ? "expected a delay between 0s and 1h" : std::string(d.status().message()));
        return;
      }
      l.value = *d;
    }
    l.kind = LatencyConfig::Kind::kConstant;
    *out = l;
    return;
  }
  if (!n->is_table()) {
    parent.ErrorAtNode(*n, key,
                       "expected a duration such as \"5ms\" or a table such as {kind = "
                       "\"uniform\", min = \"1ms\", max = \"10ms\"}");
    return;
  }
  Section s(ctx, n->as_table(), path);
  LatencyConfig l;
  ReadLatencyTable(s, &l);
  s.Finish();
  *out = l;
}

void ReadLinkClass(Section& s, LinkClassConfig* link) {
  ReadLatency(s, "latency", &link->latency);
  s.Probability("loss", &link->loss, "probability that a message is dropped");
  s.Probability("duplicate", &link->duplicate,
                "probability that a delivered message arrives twice");
  s.Probability(
      "reorder", &link->reorder,
      "probability that a message skips the link's FIFO order (arrives by its own latency)");
  s.Bandwidth("bandwidth", &link->bandwidth_bytes_per_sec,
              "link bandwidth; a message occupies the link for size / bandwidth (\"unlimited\": no "
              "serialisation delay)");
}

void ReadSimulation(Section s, Scenario* sc) {
  s.String("name", &sc->name, "scenario name for reports (default: the file name without .toml)");
  s.String("description", &sc->description, "free text, echoed into results.json");
  s.Uint("seed", &sc->simulation.seed, 0, std::numeric_limits<int64_t>::max(),
         "root seed: every random choice derives from it (dsim run --seed overrides)");
  s.Duration(
      "duration", &sc->simulation.duration, 0, 365 * 24 * kHour,
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
  s.Uint32("replication_factor", &c.replication_factor, 1, 64,
           "replicas per partition (per datacenter with replication = \"network_topology\")");
  s.Enum("replication", &c.replication,
         {{"simple", ClusterConfig::Replication::kSimple},
          {"network_topology", ClusterConfig::Replication::kNetworkTopology}},
         "replica placement: the next distinct nodes clockwise (SimpleStrategy), or per datacenter "
         "(NetworkTopologyStrategy)");
  auto level = [&s](std::string_view key, ConsistencyLevel* out, std::string_view doc) {
    s.Enum(key, out,
           {{"one", ConsistencyLevel::kOne},
            {"quorum", ConsistencyLevel::kQuorum},
            {"all", ConsistencyLevel::kAll}},
           doc);
  };
  level("write_consistency", &c.write_consistency, "acknowledgements a write waits for");
  level("read_consistency", &c.read_consistency, "responses a read waits for");
  s.Duration("request_timeout", &c.request_timeout, 1, kHour,
             "a client operation that has not met its consistency level by then fails");
  s.Bool("hinted_handoff", &c.hinted_handoff,
         "coordinators keep writes for unreachable replicas and replay them when they return");
  s.Duration("max_hint_window", &c.max_hint_window, 0, 365 * 24 * kHour,
             "hints are kept only for replicas unreachable for less than this");
  s.Bool("read_repair", &c.read_repair,
         "a read whose responses disagree writes the merged result back");
  std::vector<Section> dcs = s.Tables(
      "datacenters", "datacenters and racks; default: one datacenter \"dc1\" with one rack");
  if (s.ctx()->documenting()) {
    Section d(s.ctx(), nullptr, "cluster.datacenters", "[[cluster.datacenters]]");
    DatacenterConfig dc;
    d.String("name", &dc.name, "datacenter name (unique)");
    d.Uint32("nodes", &dc.nodes, 1, kMaxNodes, "nodes in this datacenter");
    d.Uint32("racks", &dc.racks, 1, kMaxNodes, "racks; nodes are dealt to racks round-robin");
  }
  absl::btree_set<std::string> names;
  uint64_t total = 0;
  for (Section& d : dcs) {
    DatacenterConfig dc;
    if (!d.Has("name")) d.ErrorAtKey("name", "missing: every datacenter needs a name");
    if (!d.Has("nodes")) d.ErrorAtKey("nodes", "missing: every datacenter needs a node count");
    d.String("name", &dc.name, "");
    d.Uint32("nodes", &dc.nodes, 1, kMaxNodes, "");
    d.Uint32("racks", &dc.racks, 1, kMaxNodes, "");
    if (dc.racks > dc.nodes)
      d.ErrorAtKey("racks", absl::StrCat("more racks than nodes (", dc.nodes, ")"));
    if (!dc.name.empty() && !names.insert(dc.name).second) {
      d.ErrorAtKey("name", absl::StrCat("duplicate datacenter name \"", dc.name, "\""));
    }
    d.Finish();
    total += dc.nodes;
    c.datacenters.push_back(dc);
  }
  if (!dcs.empty()) {
    if (s.Has("nodes") && total != c.nodes) {
      s.ErrorAtKey("nodes", absl::StrCat("is ", c.nodes, " but the datacenters hold ", total,
                                         " nodes; leave it out or make them agree"));
    }
    if (total > kMaxNodes)
      s.ErrorAtKey("datacenters", absl::StrCat("more than ", kMaxNodes, " nodes"));
    c.nodes = static_cast<uint32_t>(total);
  }
  s.Finish();
}

void ReadNetwork(Section s, Scenario* sc) {
  NetworkConfig& n = sc->network;
  Section link = s.Table(
      "link",
      "the default link class: links within a rack (every link when the cluster is one rack)");
  ReadLinkClass(link, &n.link);
  link.Finish();
  for (std::string_view key : {"inter_rack", "inter_dc"}) {
    std::optional<LinkClassConfig>& slot = key == "inter_rack" ? n.inter_rack : n.inter_dc;
    Section t =
        s.Table(key, key == "inter_rack" ? "link class between racks of one datacenter (same keys "
                                           "as [network.link]; unset: [network.link])"
                                         : "link class between datacenters (same keys as "
                                           "[network.link]; unset: [network.link])");
    if (t.present()) {
      // Keys left out inherit from [network.link].
      LinkClassConfig c = n.link;
      ReadLinkClass(t, &c);
      t.Finish();
      slot = c;
    }
  }
  std::vector<Section> links =
      s.Tables("dc_links",
               "explicit datacenter graph: when given, only these datacenter pairs are linked and "
               "traffic routes over shortest paths");
  if (s.ctx()->documenting()) {
    Section d(s.ctx(), nullptr, "network.dc_links", "[[network.dc_links]]");
    DcLinkConfig l;
    d.String("from", &l.from, "datacenter name");
    d.String("to", &l.to, "datacenter name");
    d.Bool("one_way", &l.one_way, "link only from -> to");
    d.Raw("(link keys)", "", "[network.inter_dc]",
          "latency, loss, duplicate, reorder, bandwidth as in [network.link]");
  }
  for (Section& d : links) {
    DcLinkConfig l;
    l.link = n.inter_dc.value_or(n.link);
    if (!d.Has("from")) d.ErrorAtKey("from", "missing: a datacenter link needs from and to");
    if (!d.Has("to")) d.ErrorAtKey("to", "missing: a datacenter link needs from and to");
    d.String("from", &l.from, "");
    d.String("to", &l.to, "");
    d.Bool("one_way", &l.one_way, "");
    ReadLinkClass(d, &l.link);
    d.Finish();
    n.dc_links.push_back(l);
  }
  s.Finish();
}

void ReadClocks(Section s, Scenario* sc) {
  ClocksConfig& c = sc->clocks;
  s.Duration("offset_max", &c.offset_max, 0, kHour,
             "each node's initial clock offset is uniform in [-offset_max, +offset_max]");
  s.Double("drift_ppm_max", &c.drift_ppm_max, 0, 100'000,
           "each node's drift is uniform in [-drift_ppm_max, +drift_ppm_max] parts per million");
  s.Duration("ntp_period", &c.ntp_period, 0, 365 * 24 * kHour,
             "NTP-like correction interval (0: never corrected)");
  s.Duration("ntp_residual", &c.ntp_residual, 0, kHour,
             "standard deviation of the offset left right after a correction");
  s.Enum("timestamps", &c.timestamps,
         {{"wall", ClocksConfig::Timestamps::kWall}, {"hlc", ClocksConfig::Timestamps::kHlc}},
         "write timestamps from the node's wall clock (as Cassandra) or a hybrid logical clock");
  std::vector<Section> nodes =
      s.Tables("node", "per-node overrides of the initial offset and drift");
  if (s.ctx()->documenting()) {
    Section d(s.ctx(), nullptr, "clocks.node", "[[clocks.node]]");
    ClockNodeConfig cn;
    d.Uint32("node", &cn.node, 0, kMaxNodes, "node id");
    d.OptionalDuration("offset", &cn.offset, -kHour, kHour, "initial offset (may be negative)");
    d.OptionalDouble("drift_ppm", &cn.drift_ppm, -100'000, 100'000,
                     "drift in ppm (may be negative)");
  }
  for (Section& d : nodes) {
    ClockNodeConfig cn;
    if (!d.Has("node")) d.ErrorAtKey("node", "missing: which node this override is for");
    d.Uint32("node", &cn.node, 0, kMaxNodes, "");
    d.OptionalDuration("offset", &cn.offset, -kHour, kHour, "");
    d.OptionalDouble("drift_ppm", &cn.drift_ppm, -100'000, 100'000, "");
    d.Finish();
    c.nodes.push_back(cn);
  }
  s.Finish();
}

void ReadStorage(Section s, Scenario* sc) {
  StorageConfig& st = sc->storage;
  s.Size("memtable_flush_threshold", &st.memtable_flush_threshold_bytes, 1024, uint64_t{1} << 40,
         "a memtable is flushed to an SSTable once it holds this much");
  s.Double("bloom_fp_chance", &st.bloom_fp_chance, 1e-9, 0.999,
           "target false-positive chance of every SSTable's Bloom filter");
  s.Duration("gc_grace", &st.gc_grace, 0, 3650 * 24 * kHour,
             "compaction purges tombstones older than this (gc_grace_seconds)");
  s.Uint32("compaction_min_threshold", &st.compaction_min_threshold, 2, 1024,
           "size-tiered compaction merges a bucket once it has this many SSTables");
  s.Uint32("compaction_max_threshold", &st.compaction_max_threshold, 2, 1024,
           "and at most this many at once");
  s.Uint32("hll_precision", &st.hll_precision, 4, 18, "HyperLogLog precision p (2^p registers)");
  s.Enum("commitlog_sync", &st.commitlog_sync,
         {{"periodic", StorageConfig::CommitlogSync::kPeriodic},
          {"batch", StorageConfig::CommitlogSync::kBatch}},
         "\"periodic\": sync every commitlog_sync_period, a crash loses what came since; "
         "\"batch\": acknowledge a write only once synced");
  s.Duration("commitlog_sync_period", &st.commitlog_sync_period, 1, kHour,
             "periodic: time between syncs");
  if (st.compaction_min_threshold > st.compaction_max_threshold) {
    s.ErrorAtKey("compaction_max_threshold",
                 absl::StrCat("must not be below compaction_min_threshold (",
                              st.compaction_min_threshold, ")"));
  }
  s.Finish();
}

void ReadRepair(Section s, Scenario* sc) {
  RepairConfig& r = sc->repair;
  s.Duration("interval", &r.interval, 0, 365 * 24 * kHour,
             "run a full repair every interval (0: only repairs in the fault schedule)");
  s.Duration("start", &r.start, 0, 365 * 24 * kHour, "time of the first periodic repair");
  s.Uint32("merkle_depth", &r.merkle_depth, 0, 30,
           "fixed Merkle tree depth (2^depth leaves); 0: Cassandra's rule, min(merkle_max_depth, "
           "ceil(log2(estimated partitions)))");
  s.Uint32("merkle_max_depth", &r.merkle_max_depth, 1, 30, "cap of the depth rule");
  s.Uint32("concurrency", &r.concurrency, 1, 1'000'000,
           "token ranges a repair session works on at once");
  s.Bandwidth("validation_throughput", &r.validation_bytes_per_sec,
              "rate at which a replica reads its data to build a Merkle tree (simulated cost)");
  s.Bandwidth("stream_throughput", &r.stream_bytes_per_sec,
              "rate at which a node streams repair data (links may limit it further)");
  s.Finish();
}

void ReadWorkload(Section s, Scenario* sc) {
  WorkloadConfig& w = sc->workload;
  s.Enum("kind", &w.kind,
         {{"relay", WorkloadConfig::Kind::kRelay}, {"kv", WorkloadConfig::Kind::kKv}},
         "what the nodes do; \"relay\": forward messages between random nodes (the network "
         "benchmark); \"kv\": client reads and writes on the replicated store");
  Section r = s.Table("relay", "parameters of the relay workload");
  r.Uint32("messages_per_node", &w.relay.messages_per_node, 1, 1'000'000,
           "messages each node starts with (K)");
  r.Uint("deliveries", &w.relay.deliveries, 0, std::numeric_limits<int64_t>::max(),
         "stop after this many deliveries (M; 0: run until simulation.duration)");
  uint64_t size = w.relay.message_bytes;
  r.Size("message_size", &size, 1, 64 << 20, "size of each relay message");
  w.relay.message_bytes = static_cast<uint32_t>(size);
  r.Finish();

  KvWorkloadConfig& kv = w.kv;
  Section k = s.Table("kv", "parameters of the key-value workload");
  k.Uint("keys", &kv.keys, 1, uint64_t{1} << 40, "partition keys (\"k0\", \"k1\", ...)");
  k.Uint32("columns", &kv.columns, 1, 1024,
           "columns per partition: an insert writes all, an update one");
  uint64_t value = kv.value_bytes;
  k.Size("value_size", &value, 0, 64 << 20, "size of each cell value");
  kv.value_bytes = static_cast<uint32_t>(value);
  k.Enum("popularity", &kv.popularity,
         {{"uniform", KvWorkloadConfig::Popularity::kUniform},
          {"zipf", KvWorkloadConfig::Popularity::kZipf}},
         "how updates, deletes and reads pick among written keys");
  k.Double("zipf_exponent", &kv.zipf_exponent, 0.01, 10, "zipf: the exponent s");
  std::vector<Section> phases = k.Tables(
      "phases", "the workload's phases, in order (none: one phase with the defaults below)");
  if (s.ctx()->documenting()) {
    Section d(s.ctx(), nullptr, "workload.kv.phases", "[[workload.kv.phases]]");
    KvPhaseConfig ph;
    d.String("name", &ph.name, "a label for reports");
    d.Duration("duration", &ph.duration, 1, 365 * 24 * kHour, "how long the phase lasts");
    d.Uint("rate", &ph.rate_per_sec, 0, 100'000'000,
           "client operations per second, cluster-wide (Poisson)");
    d.Uint32("insert", &ph.insert, 0, 1'000'000, "weight of inserts (new keys, in order)");
    d.Uint32("update", &ph.update, 0, 1'000'000, "weight of updates (one column of a written key)");
    d.Uint32("delete", &ph.remove, 0, 1'000'000,
             "weight of deletes (a written partition, with tombstones)");
    d.Uint32("read", &ph.read, 0, 1'000'000, "weight of reads");
  }
  for (Section& d : phases) {
    KvPhaseConfig ph;
    d.String("name", &ph.name, "");
    d.Duration("duration", &ph.duration, 1, 365 * 24 * kHour, "");
    d.Uint("rate", &ph.rate_per_sec, 0, 100'000'000, "");
    d.Uint32("insert", &ph.insert, 0, 1'000'000, "");
    d.Uint32("update", &ph.update, 0, 1'000'000, "");
    d.Uint32("delete", &ph.remove, 0, 1'000'000, "");
    d.Uint32("read", &ph.read, 0, 1'000'000, "");
    if (ph.rate_per_sec > 0 && uint64_t{ph.insert} + ph.update + ph.remove + ph.read == 0) {
      d.ErrorAtKey("read", "every operation weight is 0 but the rate is not");
    }
    d.Finish();
    kv.phases.push_back(ph);
  }
  k.Finish();
  s.Finish();
}

constexpr std::pair<std::string_view, FaultConfig::Kind> kFaultKinds[] = {
    {"partition", FaultConfig::Kind::kPartition},
    {"cut_link", FaultConfig::Kind::kCutLink},
    {"degrade_link", FaultConfig::Kind::kDegradeLink},
    {"heal", FaultConfig::Kind::kHeal},
    {"clock_jump", FaultConfig::Kind::kClockJump},
    {"drift_change", FaultConfig::Kind::kDriftChange},
    {"crash", FaultConfig::Kind::kCrash},
    {"restart", FaultConfig::Kind::kRestart},
    {"replace", FaultConfig::Kind::kReplace},
    {"drop_mutations", FaultConfig::Kind::kDropMutations},
    {"repair", FaultConfig::Kind::kRepair},
    {"mark", FaultConfig::Kind::kMark},
};

std::string_view FaultKindName(FaultConfig::Kind k) {
  for (const auto& [name, kind] : kFaultKinds)
    if (kind == k) return name;
  return "?";
}

bool IsNodeFault(FaultConfig::Kind k) {
  return k == FaultConfig::Kind::kClockJump || k == FaultConfig::Kind::kDriftChange ||
         k == FaultConfig::Kind::kCrash || k == FaultConfig::Kind::kRestart ||
         k == FaultConfig::Kind::kReplace || k == FaultConfig::Kind::kDropMutations;
}

bool IsNetworkFault(FaultConfig::Kind k) {
  return k == FaultConfig::Kind::kPartition || k == FaultConfig::Kind::kCutLink ||
         k == FaultConfig::Kind::kDegradeLink;
}

// Resolves one member of a partition group: a node id, an inclusive range "a..b", or a
// datacenter name. Appends to `out`; returns false (after reporting) on error.
bool ResolveGroupMember(Section& s, const toml::node& e, const Scenario& sc,
                        std::vector<NodeId>* out) {
  const uint32_t n = sc.cluster.nodes;
  if (e.is_integer()) {
    int64_t v = *e.value<int64_t>();
    if (v < 0 || v >= n) {
      s.ErrorAtNode(e, "groups",
                    absl::StrCat("node id ", v, " out of range: the cluster has nodes 0..", n - 1));
      return false;
    }
    out->push_back(static_cast<NodeId>(v));
    return true;
  }
  if (e.is_string()) {
    std::string_view text = *e.value<std::string_view>();
    size_t dots = text.find("..");
    if (dots != std::string_view::npos) {
      uint64_t a = 0, b = 0;
      bool ok = absl::SimpleAtoi(AV(text.substr(0, dots)), &a) &&
                absl::SimpleAtoi(AV(text.substr(dots + 2)), &b);
      if (!ok || a > b || b >= n) {
        s.ErrorAtNode(e, "groups",
                      absl::StrCat("expected a node range \"a..b\" with a <= b < ", n, ", got \"",
                                   AV(text), "\""));
        return false;
      }
      for (uint64_t i = a; i <= b; ++i) out->push_back(static_cast<NodeId>(i));
      return true;
    }
    NodeId first = 0;
    std::vector<DatacenterConfig> dcs = sc.cluster.datacenters;
    if (dcs.empty()) dcs.push_back(DatacenterConfig{"dc1", n, 1});
    for (const DatacenterConfig& dc : dcs) {
      if (dc.name == text) {
        for (uint32_t i = 0; i < dc.nodes; ++i) out->push_back(first + i);
        return true;
      }
      first += dc.nodes;
    }
    s.ErrorAtNode(
        e, "groups",
        absl::StrCat("\"", AV(text), "\" is neither a node range \"a..b\" nor a datacenter name"));
    return false;
  }
  s.ErrorAtNode(e, "groups", "expected node ids, \"a..b\" ranges or datacenter names");
  return false;
}

void ReadNodeId(Section& s, std::string_view key, NodeId* out, const Scenario& sc,
                std::string_view doc) {
  uint32_t max = sc.cluster.nodes > 0 ? sc.cluster.nodes - 1 : 0;
  if (!s.ctx()->documenting() && !s.Has(key)) s.ErrorAtKey(key, "missing: a node id is required");
  s.Uint32(key, out, 0, s.ctx()->documenting() ? kMaxNodes : max, doc);
}

void ReadFault(Section& f, const Scenario& sc, FaultConfig* out) {
  Context* ctx = f.ctx();
  FaultConfig& c = *out;
  if (!ctx->documenting() && !f.Has("action")) {
    f.ErrorAtKey("action",
                 "missing: every fault needs an action (partition, cut_link, degrade_link, "
                 "heal, clock_jump, drift_change, crash, restart, replace, drop_mutations, "
                 "repair, mark)");
  }
  f.Enum("action", &c.kind,
         {kFaultKinds[0], kFaultKinds[1], kFaultKinds[2], kFaultKinds[3], kFaultKinds[4],
          kFaultKinds[5], kFaultKinds[6], kFaultKinds[7], kFaultKinds[8], kFaultKinds[9],
          kFaultKinds[10], kFaultKinds[11]},
         "what happens (required)");
  if (!ctx->documenting() && !f.Has("at")) f.ErrorAtKey("at", "missing: when the fault happens");
  f.Duration("at", &c.at, 0, 365 * 24 * kHour, "when it happens, in simulated time (required)");
  f.String("name", &c.name, "a name, for heal and reports");
  const bool doc = ctx->documenting();
  if (doc || IsNetworkFault(c.kind) || c.kind == FaultConfig::Kind::kDropMutations) {
    f.OptionalDuration("duration", &c.duration, 1, 365 * 24 * kHour,
                       "network faults: heal automatically after this long (unset: until a heal); "
                       "drop_mutations: how long the node drops mutations (unset: to the end)");
  }
  if (doc || c.kind == FaultConfig::Kind::kPartition) {
    const toml::node* g =
        f.Raw("groups", "array of arrays", "",
              "partition: disjoint node groups; members are node ids, \"a..b\" ranges or "
              "datacenter names; nodes in no group form one more group");
    if (!doc) {
      if (g == nullptr) {
        f.ErrorAtKey("groups",
                     "missing: a partition needs groups, e.g. groups = [[0, 1], [2, 3, 4]]");
      } else if (!g->is_array() || g->as_array()->empty()) {
        f.ErrorAtNode(*g, "groups",
                      "expected a non-empty array of node groups, e.g. [[0, 1], [2, 3, 4]]");
      } else {
        absl::btree_set<NodeId> seen;
        for (const toml::node& ge : *g->as_array()) {
          std::vector<NodeId> group;
          if (!ge.is_array()) {
            f.ErrorAtNode(ge, "groups",
                          "each group must be an array, e.g. [0, 1] or [\"0..9\"] or [\"dc1\"]");
            continue;
          }
          for (const toml::node& e : *ge.as_array()) ResolveGroupMember(f, e, sc, &group);
          for (NodeId id : group) {
            if (!seen.insert(id).second) {
              f.ErrorAtNode(ge, "groups", absl::StrCat("node ", id, " is in more than one group"));
              break;
            }
          }
          c.groups.push_back(std::move(group));
        }
        if (c.groups.size() == 1 && seen.size() == sc.cluster.nodes) {
          f.ErrorAtNode(*g, "groups", "a single group holding every node partitions nothing");
        }
      }
    }
  }
  if (doc || IsNetworkFault(c.kind)) {
    f.Bool("one_way", &c.one_way,
           "partition: only messages from groups[0] to the others are dropped; cut_link, "
           "degrade_link: only from -> to");
  }
  if (doc || c.kind == FaultConfig::Kind::kCutLink || c.kind == FaultConfig::Kind::kDegradeLink) {
    const bool dc_level = f.Has("from_dc") || f.Has("to_dc");
    if (doc || !dc_level) {
      ReadNodeId(f, "from", &c.from, sc, "cut_link, degrade_link: one end of the link (node id)");
      ReadNodeId(f, "to", &c.to, sc, "cut_link, degrade_link: the other end (node id)");
      if (!doc && c.from == c.to && f.Has("from") && f.Has("to")) {
        f.ErrorAtKey("to", "a link needs two different nodes");
      }
    }
    if (doc || dc_level) {
      f.String("from_dc", &c.from_dc,
               "cut_link, degrade_link between datacenters (instead of from/to): one datacenter; "
               "traffic reroutes over the remaining datacenter links");
      f.String("to_dc", &c.to_dc,
               "cut_link, degrade_link between datacenters: the other datacenter");
    }
    if (!doc && dc_level) {
      absl::btree_set<std::string> dcs;
      for (const DatacenterConfig& dc : sc.cluster.datacenters) dcs.insert(dc.name);
      if (dcs.empty()) dcs.insert("dc1");
      for (std::string_view key : {"from_dc", "to_dc"}) {
        const std::string& v = key == "from_dc" ? c.from_dc : c.to_dc;
        if (!f.Has(key)) {
          f.ErrorAtKey(key, "missing: a datacenter link needs both from_dc and to_dc");
        } else if (!dcs.contains(v)) {
          f.ErrorAtKey(key, absl::StrCat("unknown datacenter \"", v,
                                         "\" (known: ", absl::StrJoin(dcs, ", "), ")"));
        }
      }
      if (!c.from_dc.empty() && c.from_dc == c.to_dc)
        f.ErrorAtKey("to_dc", "a link needs two different datacenters");
    }
  }
  if (doc || c.kind == FaultConfig::Kind::kDegradeLink) {
    Section l = f.Table("link",
                        "degrade_link: the link class while degraded (keys as [network.link]; "
                        "keys left out take their value from [network.link])");
    if (!doc) {
      if (!l.present())
        f.ErrorAtKey("link", "missing: degrade_link needs link = {loss = ..., latency = ...}");
      c.link =
          sc.network.link;  // the loader replaces this with the pair's own class when it knows it
      ReadLinkClass(l, &c.link);
      l.Finish();
    }
  }
  if (doc || c.kind == FaultConfig::Kind::kHeal) {
    f.String("target", &c.target,
             "heal: the name of the fault to undo (empty: every network fault)");
  }
  if (doc || IsNodeFault(c.kind)) {
    ReadNodeId(
        f, "node", &c.node, sc,
        "clock_jump, drift_change, crash, restart, replace, drop_mutations: the node (required); "
        "repair: repair only this node's ranges (optional)");
  } else if (c.kind == FaultConfig::Kind::kRepair) {
    c.has_node = f.Has("node");
    f.Uint32("node", &c.node, 0, sc.cluster.nodes - 1, "");
  }
  if (doc || c.kind == FaultConfig::Kind::kDropMutations) {
    f.Probability("fraction", &c.fraction,
                  "drop_mutations: fraction of incoming mutations dropped");
    const toml::node* keys =
        f.Raw("keys", "array of strings", "[]",
              "drop_mutations: partition keys whose mutations are always dropped");
    if (!doc && keys != nullptr) {
      if (!keys->is_array()) {
        f.ErrorAtNode(*keys, "keys", "expected an array of partition keys, e.g. [\"k1\", \"k42\"]");
      } else {
        for (const toml::node& e : *keys->as_array()) {
          if (!e.is_string()) {
            f.ErrorAtNode(e, "keys", "expected a partition key string, e.g. \"k42\"");
            continue;
          }
          c.keys.emplace_back(*e.value<std::string_view>());
        }
      }
    }
    if (!doc && c.fraction.IsZero() && c.keys.empty()) {
      f.ErrorAtKey("fraction", "drop_mutations needs a fraction > 0 or a list of keys");
    }
  }
  if (doc || c.kind == FaultConfig::Kind::kClockJump) {
    if (!doc && !f.Has("jump"))
      f.ErrorAtKey("jump", "missing: how far the clock steps, e.g. \"-500ms\"");
    f.Duration("jump", &c.jump, -365 * 24 * kHour, 365 * 24 * kHour,
               "clock_jump: step (may be negative)");
  }
  if (doc || c.kind == FaultConfig::Kind::kDriftChange) {
    if (!doc && !f.Has("drift_ppm")) f.ErrorAtKey("drift_ppm", "missing: the new drift in ppm");
    f.Double("drift_ppm", &c.drift_ppm, -100'000, 100'000, "drift_change: the new drift (ppm)");
  }
  f.Finish();
}

void ReadFaults(Section& top, Scenario* sc) {
  std::vector<Section> faults =
      top.Tables("faults", "the fault schedule: [[faults]] entries, in any order");
  Context* ctx = top.ctx();
  if (ctx->documenting()) {
    Section d(ctx, nullptr, "faults", "[[faults]]");
    FaultConfig f;
    ReadFault(d, *sc, &f);
    return;
  }
  absl::btree_map<std::string, FaultConfig::Kind> named;
  for (Section& f : faults) {
    FaultConfig c;
    ReadFault(f, *sc, &c);
    if (!c.name.empty() && !named.emplace(c.name, c.kind).second) {
      f.ErrorAtKey("name", absl::StrCat("duplicate fault name \"", c.name, "\""));
    }
    if (c.kind == FaultConfig::Kind::kHeal && !c.target.empty()) {
      auto it = named.find(c.target);
      if (it == named.end() || !IsNetworkFault(it->second)) {
        f.ErrorAtKey("target",
                     absl::StrCat("no earlier network fault is named \"", c.target, "\""));
      }
    }
    if (sc->simulation.duration > 0 && c.at > sc->simulation.duration) {
      f.ErrorAtKey("at", absl::StrCat("is after the end of the run (simulation.duration = ",
                                      FormatDuration(sc->simulation.duration), ")"));
    }
    sc->faults.push_back(std::move(c));
  }
}

void ReadMetrics(Section s, Scenario* sc) {
  s.Duration("sample_interval", &sc->metrics.sample_interval, 0, 365 * 24 * kHour,
             "interval between rows of timeseries.csv (0: no time series)");
  s.Bool("require_convergence", &sc->metrics.require_convergence,
         "dsim run exits with code 5 when divergent cells remain at the end (a liveness gate)");
  s.Finish();
}

// Cross-section checks that need the whole scenario.
void CheckConsistency(Section& top, Scenario* sc) {
  const ClusterConfig& c = sc->cluster;
  absl::btree_set<std::string> dc_names;
  for (const DatacenterConfig& dc : c.datacenters) dc_names.insert(dc.name);
  if (dc_names.empty()) dc_names.insert("dc1");
  for (size_t i = 0; i < sc->network.dc_links.size(); ++i) {
    const DcLinkConfig& l = sc->network.dc_links[i];
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
  absl::btree_set<NodeId> overridden;
  for (size_t i = 0; i < sc->clocks.nodes.size(); ++i) {
    NodeId id = sc->clocks.nodes[i].node;
    std::string key = absl::StrCat("clocks.node[", i, "].node");
    if (id >= c.nodes) {
      top.ctx()->ErrorAt(
          top.Where(), key,
          absl::StrCat("node ", id, " out of range: the cluster has nodes 0..", c.nodes - 1));
    } else if (!overridden.insert(id).second) {
      top.ctx()->ErrorAt(top.Where(), key, absl::StrCat("node ", id, " has two overrides"));
    }
  }
  if (sc->workload.kind == WorkloadConfig::Kind::kKv) {
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
        top.ctx()->ErrorAt(
            top.Where(), "cluster.replication_factor",
            absl::StrCat("is ", rf, " but the cluster has only ", c.nodes, " nodes"));
      }
    }
  }
  for (size_t i = 0; i < sc->faults.size(); ++i) {
    const FaultConfig& f = sc->faults[i];
    if (sc->workload.kind != WorkloadConfig::Kind::kKv &&
        (f.kind == FaultConfig::Kind::kCrash || f.kind == FaultConfig::Kind::kRestart ||
         f.kind == FaultConfig::Kind::kReplace || f.kind == FaultConfig::Kind::kDropMutations ||
         f.kind == FaultConfig::Kind::kRepair)) {
      top.ctx()->ErrorAt(top.Where(), absl::StrCat("faults[", i, "].action"),
                         absl::StrCat("\"", AV(FaultKindName(f.kind)),
                                      "\" needs a storage workload (workload.kind = \"kv\")"));
    }
  }
  if (sc->workload.kind == WorkloadConfig::Kind::kRelay) {
    if (c.nodes < 2)
      top.ctx()->ErrorAt(top.Where(), "cluster.nodes", "the relay workload needs at least 2 nodes");
    if (sc->workload.relay.deliveries == 0 && sc->simulation.duration == 0 &&
        sc->simulation.max_events == 0) {
      top.ctx()->ErrorAt(
          top.Where(), "workload.relay.deliveries",
          "is 0 (unbounded) and neither simulation.duration nor simulation.max_events is "
          "set: the run would never end");
    }
  }
}

// Keys that only the other workload reads would be silently ignored: reject them instead.
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

// Reads everything, in reading or reference mode.
void ReadScenario(Context* ctx, const toml::table* root, Scenario* sc) {
  Section top(ctx, root, "");
  ReadSimulation(top.Table("simulation", "seed, duration, event budget"), sc);
  ReadCluster(top.Table("cluster", "nodes, datacenters, racks"), sc);
  ReadNetwork(top.Table("network", "link classes and the datacenter graph"), sc);
  ReadClocks(top.Table("clocks", "clock skew, drift and correction"), sc);
  ReadStorage(top.Table("storage", "every node's storage engine"), sc);
  ReadRepair(top.Table("repair", "Merkle-tree anti-entropy repair"), sc);
  ReadWorkload(top.Table("workload", "what the nodes do"), sc);
  ReadFaults(top, sc);
  ReadMetrics(top.Table("metrics", "sampling of timeseries.csv"), sc);
  if (!ctx->documenting()) {
    top.Finish();
    CheckConsistency(top, sc);
    CheckWorkloadSpecificKeys(ctx, *root, *sc);
  }
}

// ---------------------------------------------------------------------------------------------
// Overrides.

absl::Status ApplyOverride(toml::table* root, const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--set ", assignment, ": expected key.path=value, e.g. --set network.link.loss=0.05"));
  }
  std::string path = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  std::string source = absl::StrCat("--set ", path);
  toml::table parsed;
  try {
    parsed = toml::parse(absl::StrCat("v = ", value), std::string_view(source));
  } catch (const toml::parse_error&) {
    // Not TOML: take the text as a string (so --set clocks.timestamps=hlc works unquoted).
    std::string escaped;
    for (char ch : value) {
      if (ch == '"' || ch == '\\') escaped += '\\';
      escaped += ch;
    }
    try {
      parsed = toml::parse(absl::StrCat("v = \"", escaped, "\""), std::string_view(source));
    } catch (const toml::parse_error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": cannot read the value: ", AV(e.description())));
    }
  }
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  toml::node* cur = root;
  std::string walked;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.empty())
      return absl::InvalidArgumentError(absl::StrCat(source, ": empty segment in the key path"));
    walked = walked.empty() ? p : absl::StrCat(walked, ".", p);
    if (toml::array* arr = cur->as_array()) {
      size_t idx = 0;
      if (!absl::SimpleAtoi(p, &idx) || idx >= arr->size()) {
        return absl::InvalidArgumentError(absl::StrCat(source, ": ", walked,
                                                       ": no such element (the array has ",
                                                       arr->size(), " elements, indexed from 0)"));
      }
      cur = arr->get(idx);
      continue;
    }
    toml::table* t = cur->as_table();
    if (t == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": ", walked, " is not a table"));
    }
    toml::node* next = t->get(p);
    if (next == nullptr) {
      t->insert(p, toml::table{});
      next = t->get(p);
    }
    cur = next;
  }
  const std::string& last = parts.back();
  if (last.empty())
    return absl::InvalidArgumentError(absl::StrCat(source, ": empty segment in the key path"));
  toml::node* v = parsed.get("v");
  if (toml::array* arr = cur->as_array()) {
    size_t idx = 0;
    if (!absl::SimpleAtoi(last, &idx) || idx >= arr->size()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": no such element"));
    }
    arr->replace(arr->cbegin() + static_cast<std::ptrdiff_t>(idx), std::move(*v));
    return absl::OkStatus();
  }
  toml::table* t = cur->as_table();
  if (t == nullptr)
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", walked, " is not a table"));
  t->insert_or_assign(last, std::move(*v));
  return absl::OkStatus();
}

absl::StatusOr<Scenario> Load(std::string_view text, std::string_view source_name,
                              const std::vector<std::string>& overrides, bool from_file) {
  const std::string name(source_name);
  if (text.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not a text file (NUL byte at offset ",
                                                   text.find('\0'), "); expected a TOML scenario"));
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": the file is empty; expected a TOML scenario (see scenarios/README.md)"));
  }
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ":", e.source().begin.line, ":",
                                                   e.source().begin.column,
                                                   ": TOML syntax error: ", AV(e.description())));
  }
  if (root.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name,
        ": holds no keys (only comments?); expected a TOML scenario (see scenarios/README.md)"));
  }
  for (const std::string& o : overrides) {
    absl::Status st = ApplyOverride(&root, o);
    if (!st.ok()) return st;
  }
  Scenario sc;
  Context ctx;
  ReadScenario(&ctx, &root, &sc);
  if (!ctx.errors().empty()) {
    std::string msg = absl::StrJoin(ctx.errors(), "\n");
    if (ctx.suppressed() > 0)
      absl::StrAppend(&msg, "\n(", ctx.suppressed(), " more problems not shown)");
    return absl::InvalidArgumentError(msg);
  }
  if (sc.name.empty()) {
    sc.name = from_file ? std::filesystem::path(name).stem().string() : name;
  }
  return sc;
}

// ---------------------------------------------------------------------------------------------
// Echo.

nlohmann::json LatencyJson(const LatencyConfig& l) {
  switch (l.kind) {
    case LatencyConfig::Kind::kConstant:
      return {{"kind", "constant"}, {"value", FormatDuration(l.value)}};
    case LatencyConfig::Kind::kUniform:
      return {{"kind", "uniform"}, {"min", FormatDuration(l.min)}, {"max", FormatDuration(l.max)}};
    case LatencyConfig::Kind::kNormal:
      return {{"kind", "normal"},
              {"mean", FormatDuration(l.mean)},
              {"stddev", FormatDuration(l.stddev)}};
    case LatencyConfig::Kind::kLogNormal:
      return {{"kind", "lognormal"}, {"median", FormatDuration(l.median)}, {"sigma", l.sigma}};
  }
  return nullptr;
}

nlohmann::json LinkJson(const LinkClassConfig& l) {
  return {
      {"latency", LatencyJson(l.latency)},
      {"loss", FormatRatio(l.loss)},
      {"duplicate", FormatRatio(l.duplicate)},
      {"reorder", FormatRatio(l.reorder)},
      {"bandwidth", l.bandwidth_bytes_per_sec == 0 ? std::string("unlimited")
                                                   : FormatBandwidth(l.bandwidth_bytes_per_sec)}};
}

}  // namespace

absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path,
                                          const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, expected a TOML scenario file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  std::stringstream buf;
  buf << in.rdbuf();
  return Load(buf.str(), path, overrides, /*from_file=*/true);
}

absl::StatusOr<Scenario> LoadScenarioText(std::string_view text, std::string_view source_name,
                                          const std::vector<std::string>& overrides) {
  return Load(text, source_name, overrides, /*from_file=*/false);
}

nlohmann::json ScenarioToJson(const Scenario& sc) {
  nlohmann::json j;
  j["simulation"] = {{"name", sc.name},
                     {"description", sc.description},
                     {"seed", sc.simulation.seed},
                     {"duration", FormatDuration(sc.simulation.duration)},
                     {"max_events", sc.simulation.max_events}};
  nlohmann::json dcs = nlohmann::json::array();
  for (const DatacenterConfig& dc : sc.cluster.datacenters) {
    dcs.push_back({{"name", dc.name}, {"nodes", dc.nodes}, {"racks", dc.racks}});
  }
  const ClusterConfig& c = sc.cluster;
  auto level = [](ConsistencyLevel l) {
    return l == ConsistencyLevel::kOne ? "one" : l == ConsistencyLevel::kQuorum ? "quorum" : "all";
  };
  j["cluster"] = {
      {"nodes", c.nodes},
      {"datacenters", dcs},
      {"vnodes", c.vnodes},
      {"replication_factor", c.replication_factor},
      {"replication",
       c.replication == ClusterConfig::Replication::kSimple ? "simple" : "network_topology"},
      {"write_consistency", level(c.write_consistency)},
      {"read_consistency", level(c.read_consistency)},
      {"request_timeout", FormatDuration(c.request_timeout)},
      {"hinted_handoff", c.hinted_handoff},
      {"max_hint_window", FormatDuration(c.max_hint_window)},
      {"read_repair", c.read_repair}};
  const StorageConfig& st = sc.storage;
  j["storage"] = {
      {"memtable_flush_threshold", FormatSize(st.memtable_flush_threshold_bytes)},
      {"bloom_fp_chance", st.bloom_fp_chance},
      {"gc_grace", FormatDuration(st.gc_grace)},
      {"compaction_min_threshold", st.compaction_min_threshold},
      {"compaction_max_threshold", st.compaction_max_threshold},
      {"hll_precision", st.hll_precision},
      {"commitlog_sync",
       st.commitlog_sync == StorageConfig::CommitlogSync::kBatch ? "batch" : "periodic"},
      {"commitlog_sync_period", FormatDuration(st.commitlog_sync_period)}};
  const RepairConfig& r = sc.repair;
  auto rate = [](uint64_t b) { return b == 0 ? std::string("unlimited") : FormatBandwidth(b); };
  j["repair"] = {{"interval", FormatDuration(r.interval)},
                 {"start", FormatDuration(r.start)},
                 {"merkle_depth", r.merkle_depth},
                 {"merkle_max_depth", r.merkle_max_depth},
                 {"concurrency", r.concurrency},
                 {"validation_throughput", rate(r.validation_bytes_per_sec)},
                 {"stream_throughput", rate(r.stream_bytes_per_sec)}};
  nlohmann::json net = {{"link", LinkJson(sc.network.link)}};
  net["inter_rack"] = LinkJson(sc.network.inter_rack.value_or(sc.network.link));
  net["inter_dc"] = LinkJson(sc.network.inter_dc.value_or(sc.network.link));
  nlohmann::json links = nlohmann::json::array();
  for (const DcLinkConfig& l : sc.network.dc_links) {
    nlohmann::json e = LinkJson(l.link);
    e["from"] = l.from;
    e["to"] = l.to;
    e["one_way"] = l.one_way;
    links.push_back(e);
  }
  net["dc_links"] = links;
  j["network"] = net;
  nlohmann::json clock_nodes = nlohmann::json::array();
  for (const ClockNodeConfig& n : sc.clocks.nodes) {
    nlohmann::json e = {{"node", n.node}};
    if (n.offset) e["offset"] = FormatDuration(*n.offset);
    if (n.drift_ppm) e["drift_ppm"] = *n.drift_ppm;
    clock_nodes.push_back(e);
  }
  j["clocks"] = {
      {"offset_max", FormatDuration(sc.clocks.offset_max)},
      {"drift_ppm_max", sc.clocks.drift_ppm_max},
      {"ntp_period", FormatDuration(sc.clocks.ntp_period)},
      {"ntp_residual", FormatDuration(sc.clocks.ntp_residual)},
      {"timestamps", sc.clocks.timestamps == ClocksConfig::Timestamps::kHlc ? "hlc" : "wall"},
      {"node", clock_nodes}};
  const KvWorkloadConfig& kv = sc.workload.kv;
  nlohmann::json phases = nlohmann::json::array();
  for (const KvPhaseConfig& ph : kv.phases) {
    phases.push_back({{"name", ph.name},
                      {"duration", FormatDuration(ph.duration)},
                      {"rate", ph.rate_per_sec},
                      {"insert", ph.insert},
                      {"update", ph.update},
                      {"delete", ph.remove},
                      {"read", ph.read}});
  }
  j["workload"] = {
      {"kind", sc.workload.kind == WorkloadConfig::Kind::kKv ? "kv" : "relay"},
      {"relay",
       {{"messages_per_node", sc.workload.relay.messages_per_node},
        {"deliveries", sc.workload.relay.deliveries},
        {"message_size", FormatSize(sc.workload.relay.message_bytes)}}},
      {"kv",
       {{"keys", kv.keys},
        {"columns", kv.columns},
        {"value_size", FormatSize(kv.value_bytes)},
        {"popularity", kv.popularity == KvWorkloadConfig::Popularity::kZipf ? "zipf" : "uniform"},
        {"zipf_exponent", kv.zipf_exponent},
        {"phases", phases}}}};
  nlohmann::json faults = nlohmann::json::array();
  for (const FaultConfig& f : sc.faults) {
    nlohmann::json e = {{"action", FaultKindName(f.kind)}, {"at", FormatDuration(f.at)}};
    if (!f.name.empty()) e["name"] = f.name;
    if (f.duration) e["duration"] = FormatDuration(*f.duration);
    switch (f.kind) {
      case FaultConfig::Kind::kPartition:
        e["groups"] = f.groups;
        e["one_way"] = f.one_way;
        break;
      case FaultConfig::Kind::kCutLink:
      case FaultConfig::Kind::kDegradeLink:
        if (f.from_dc.empty()) {
          e["from"] = f.from;
          e["to"] = f.to;
        } else {
          e["from_dc"] = f.from_dc;
          e["to_dc"] = f.to_dc;
        }
        e["one_way"] = f.one_way;
        if (f.kind == FaultConfig::Kind::kDegradeLink) e["link"] = LinkJson(f.link);
        break;
      case FaultConfig::Kind::kHeal:
        e["target"] = f.target;
        break;
      case FaultConfig::Kind::kClockJump:
        e["node"] = f.node;
        e["jump"] = FormatDuration(f.jump);
        break;
      case FaultConfig::Kind::kDriftChange:
        e["node"] = f.node;
        e["drift_ppm"] = f.drift_ppm;
        break;
      case FaultConfig::Kind::kCrash:
      case FaultConfig::Kind::kRestart:
      case FaultConfig::Kind::kReplace:
        e["node"] = f.node;
        break;
      case FaultConfig::Kind::kDropMutations:
        e["node"] = f.node;
        e["fraction"] = FormatRatio(f.fraction);
        e["keys"] = f.keys;
        break;
      case FaultConfig::Kind::kRepair:
        if (f.has_node) e["node"] = f.node;
        break;
      case FaultConfig::Kind::kMark:
        break;
    }
    faults.push_back(e);
  }
  j["faults"] = faults;
  j["metrics"] = {{"sample_interval", FormatDuration(sc.metrics.sample_interval)},
                  {"require_convergence", sc.metrics.require_convergence}};
  return j;
}

std::string ScenarioReference() {
  std::vector<DocEntry> docs;
  Context ctx(&docs);
  Scenario sc;
  ReadScenario(&ctx, nullptr, &sc);
  // Group by section, sections in order of first appearance.
  std::vector<std::string> order;
  absl::btree_map<std::string, std::vector<const DocEntry*>> by_section;
  for (const DocEntry& d : docs) {
    if (d.section.empty()) continue;  // the top-level tables get their own headings
    if (!by_section.contains(d.section)) order.push_back(d.section);
    by_section[d.section].push_back(&d);
  }
  auto cell = [](std::string text) {
    std::string escaped;
    for (char c : text) {
      if (c == '|') escaped += '\\';
      escaped += c;
    }
    return escaped;
  };
  std::string out;
  for (const std::string& section : order) {
    std::string heading =
        section.find('[') == std::string::npos && section.find('(') == std::string::npos
            ? absl::StrCat("[", section, "]")
            : section;
    absl::StrAppend(&out, out.empty() ? "" : "\n", "#### `", heading, "`\n\n",
                    "| key | type | default | meaning |\n|---|---|---|---|\n");
    for (const DocEntry* d : by_section[section]) {
      std::string def = d->default_text.empty() ? "" : absl::StrCat("`", d->default_text, "`");
      absl::StrAppend(&out, "| `", d->key, "` | ", cell(d->type), " | ", cell(def), " | ",
                      cell(d->doc), " |\n");
    }
  }
  return out;
}

}  // namespace dsim::sim
