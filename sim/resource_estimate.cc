#include "sim/resource_estimate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/merkle_tree.h"
#include "sim/kv/phi_accrual.h"

namespace dsim::sim {
namespace {

// Per-item costs, measured on the Release build (bytes).
constexpr uint64_t kProcessBaseBytes = 13 << 19;  // 6.5 MiB: the binary, libraries, arenas
constexpr uint64_t kStoredCellOverhead = 56;      // key, column, timestamp, index, Bloom bits
// The winner record and per-replica state, and up to one replication record per cell (an
// obligation, or a write on its way: sim/oracle/replication_tracker.h) with its map slot.
constexpr uint64_t kOracleBytesPerCell = 160;
constexpr uint64_t kOracleBytesPerKey = 64;       // the partition's map entry
constexpr uint64_t kNodeBaseBytes = 48 << 10;     // a kv node: store, coordinator, repair state
constexpr uint64_t kLogEntryOverhead = 60;        // a commit-log entry beyond its values
constexpr uint64_t kLinkStateBytes = 8;           // per ordered node pair: the FIFO horizon
constexpr uint64_t kEventBytes = 48;              // a pending event: heap entry and slot
constexpr double kPairBytes = 96;        // a failure detector pair: window header, version, state
constexpr uint64_t kTreeNodeBytes = 16;  // one Merkle tree node (XXH3-128)
constexpr uint64_t kRingBytesPerToken = 12;  // token and owner, plus 4 B per replica
constexpr uint64_t kRowValueBytes = 8;       // one timeseries value

uint64_t Ceil(double x) { return x <= 0 ? 0 : static_cast<uint64_t>(x) + 1; }

// The kv workload's phases (the default phase when none), counted.
struct KvCounts {
  double ops = 0;
  double inserts = 0;
  double writes = 0;  // inserts, updates and deletes
  Nanos horizon = 0;  // the phases' total duration
};

KvCounts CountKv(const KvWorkloadConfig& kv) {
  std::vector<KvPhaseConfig> phases = kv.phases;
  if (phases.empty()) phases.push_back(KvPhaseConfig{});
  KvCounts k;
  for (const KvPhaseConfig& p : phases) {
    const double n = static_cast<double>(p.rate_per_sec) * ToSeconds(p.duration);
    const double weights = static_cast<double>(p.insert) + p.update + p.remove + p.read;
    k.ops += n;
    if (weights > 0) {
      k.inserts += n * p.insert / weights;
      k.writes += n * (static_cast<double>(p.insert) + p.update + p.remove) / weights;
    }
    k.horizon += p.duration;
  }
  return k;
}

// The phi failure detector (sim/kv/failure_detector.h): a window per (observer, peer) pair,
// growing by one interval a heartbeat up to ArrivalWindow::kSampleSize, and at most one
// heartbeat per pair in flight (latencies below the interval) plus a tick per node.
void AddFailureDetector(const Scenario& sc, std::vector<ResourceEstimate::Part>* parts,
                        uint64_t* pending) {
  const double nodes = sc.cluster.nodes;
  const double beats = std::min<double>(
      ArrivalWindow::kSampleSize, static_cast<double>(RunHorizon(sc)) /
                                          static_cast<double>(std::max<Nanos>(
                                              1, sc.cluster.heartbeat_interval.value_or(kSecond))) +
                                      1);
  parts->push_back({"failure detector", Ceil(nodes * nodes * (kPairBytes + beats * sizeof(Nanos))),
                    "cluster.nodes squared x simulation.duration / cluster.heartbeat_interval"});
  *pending += Ceil(nodes * nodes);
}

void AddKvParts(const Scenario& sc, std::vector<ResourceEstimate::Part>* parts, uint64_t* pending) {
  const ClusterConfig& c = sc.cluster;
  const KvWorkloadConfig& kv = sc.workload.kv;
  const KvCounts k = CountKv(kv);
  // Updates and deletes touch written keys only, so the data is bounded by what was inserted.
  const double keys = std::min(static_cast<double>(kv.keys), std::max(k.inserts, 1.0));
  const double cells = keys * kv.columns;
  const double replicas =
      c.replication == ClusterConfig::Replication::kNetworkTopology
          ? static_cast<double>(c.replication_factor) * std::max<size_t>(1, c.datacenters.size())
          : c.replication_factor;
  const double cell_bytes = static_cast<double>(kv.value_bytes) + kStoredCellOverhead;
  parts->push_back({"stores", Ceil(cells * replicas * cell_bytes),
                    "workload.kv.keys x columns x value_size x cluster.replication_factor"});
  // The commit log keeps every write until the memtable it covers is flushed: all of them on a
  // node whose distinct data stays below the flush threshold, about two thresholds' worth on
  // one that flushes.
  const double threshold = static_cast<double>(sc.storage.memtable_flush_threshold_bytes);
  const double distinct_per_node = cells * replicas * cell_bytes / c.nodes;
  const double cells_per_write =
      std::max(1.0, k.inserts > 0 ? kv.columns * k.inserts / k.writes : 1.0);
  const double log_per_node =
      k.writes * replicas / c.nodes * (cells_per_write * kv.value_bytes + kLogEntryOverhead);
  const double log_bytes =
      c.nodes *
      (distinct_per_node < threshold ? log_per_node : std::min(log_per_node, 2 * threshold));
  parts->push_back({"commit logs", Ceil(log_bytes),
                    "workload.kv.phases (writes) x cluster.replication_factor, up to "
                    "storage.memtable_flush_threshold per node"});
  parts->push_back({"nodes", c.nodes * kNodeBaseBytes, "cluster.nodes"});
  parts->push_back({"oracle", Ceil(cells * kOracleBytesPerCell + keys * kOracleBytesPerKey),
                    "workload.kv.keys x columns"});
  // Merkle trees: every replica of each concurrent session holds one, 2^(depth+1) nodes, for
  // a range of keys / ranges partitions (the depth rule's estimate).
  const double ranges = static_cast<double>(c.nodes) * c.vnodes;
  bool repairs = sc.repair.interval > 0;
  for (const FaultConfig& f : sc.faults) repairs |= f.kind == FaultConfig::Kind::kRepair;
  if (repairs) {
    int depth = static_cast<int>(sc.repair.merkle_depth);
    if (depth == 0) {
      depth = engine::MerkleDepthFor(Ceil(keys / std::max(1.0, ranges)),
                                     static_cast<int>(sc.repair.merkle_max_depth));
    }
    if (sc.repair.strategy == "sstable_dag") {
      // Each replica keeps the SSTable files it fetched (up to a copy of each peer's data) and
      // reads whole files to serve and reassemble chunks.
      parts->push_back({"fetched sstables", Ceil(cells * replicas * cell_bytes * replicas),
                        "repair.strategy = sstable_dag: stores x cluster.replication_factor"});
    }
    parts->push_back({"merkle trees",
                      Ceil(static_cast<double>(sc.repair.concurrency) * replicas *
                           static_cast<double>(uint64_t{2} << depth) * kTreeNodeBytes),
                      "repair.merkle_depth (or the depth rule) x repair.concurrency"});
  }
  parts->push_back(
      {"ring", Ceil(ranges * (kRingBytesPerToken + 4 * replicas)), "cluster.nodes x vnodes"});
  // Client operations in flight: the rate times the request timeout, bounded by all of them.
  uint64_t max_rate = 0;
  for (const KvPhaseConfig& p : kv.phases) max_rate = std::max(max_rate, p.rate_per_sec);
  if (kv.phases.empty()) max_rate = KvPhaseConfig{}.rate_per_sec;
  *pending = Ceil(std::min(k.ops, static_cast<double>(max_rate) * ToSeconds(c.request_timeout)) *
                  (1 + replicas)) +
             c.nodes * 4 + sc.faults.size() + 16;
  if (c.failure_detector == ClusterConfig::FailureDetector::kPhi)
    AddFailureDetector(sc, parts, pending);
}

}  // namespace

Nanos RunHorizon(const Scenario& sc) {
  Nanos horizon = sc.simulation.duration;
  if (horizon == 0 && sc.workload.kind == WorkloadConfig::Kind::kKv) {
    horizon = CountKv(sc.workload.kv).horizon;
    for (const FaultConfig& f : sc.faults) horizon = std::max(horizon, f.at);
  }
  return horizon;
}

ResourceEstimate EstimateResources(const Scenario& sc) {
  ResourceEstimate e;
  const uint64_t nodes = sc.cluster.nodes;
  e.parts.push_back({"process", kProcessBaseBytes, ""});
  e.parts.push_back({"links", nodes * nodes * kLinkStateBytes, "cluster.nodes squared"});
  if (sc.workload.kind == WorkloadConfig::Kind::kKv) {
    AddKvParts(sc, &e.parts, &e.pending_events);
  } else {
    e.pending_events = nodes * sc.workload.relay.messages_per_node + sc.faults.size() + 16;
  }
  e.parts.push_back({"pending events", e.pending_events * kEventBytes,
                     sc.workload.kind == WorkloadConfig::Kind::kKv
                         ? "workload.kv.phases rate x cluster.request_timeout"
                         : "cluster.nodes x workload.relay.messages_per_node"});
  const Nanos horizon = RunHorizon(sc);
  if (sc.metrics.sample_interval > 0 && horizon > 0) {
    const uint64_t rows = static_cast<uint64_t>(horizon / sc.metrics.sample_interval) + 2;
    e.parts.push_back({"time series", rows * 17 * kRowValueBytes, "metrics.sample_interval"});
  }
  std::stable_sort(e.parts.begin(), e.parts.end(),
                   [](const auto& a, const auto& b) { return a.bytes > b.bytes; });
  for (const ResourceEstimate::Part& p : e.parts) e.peak_bytes += p.bytes;
  return e;
}

std::string FormatEstimate(const ResourceEstimate& e) {
  auto mib = [](uint64_t b) {
    return absl::StrFormat("%.1f MiB", static_cast<double>(b) / (1 << 20));
  };
  std::string out = mib(e.peak_bytes);
  std::string sep = ": ";
  for (const ResourceEstimate::Part& p : e.parts) {
    if (p.bytes < (uint64_t{1} << 20) && p.name != "process") continue;  // below 1 MiB: noise
    absl::StrAppend(&out, sep, p.name, " ", mib(p.bytes));
    if (!p.keys.empty()) absl::StrAppend(&out, " (", p.keys, ")");
    sep = ", ";
  }
  return out;
}

}  // namespace dsim::sim
