// The scenario, as plain data: what a scenario file (sim/scenario/scenario.h) parses into and what
// the simulation (sim/simulation.h) runs. Every field has its documented default here, except
// [storage] (and repair.merkle_max_depth), whose defaults are the engine's own
// (engine/store_options.h), so each default lives in one place; the loader fills the defaults,
// validates ranges and cross-field consistency, and echoes the result into results.json, so a
// run is fully described by this struct plus nothing else.
//
// Units: times are Nanos (integer nanoseconds), sizes are bytes, probabilities are exact Ratios.
#ifndef DSIM_SIM_CONFIG_H_
#define DSIM_SIM_CONFIG_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chunker.h"
#include "engine/store_options.h"
#include "sim/core/ids.h"
#include "sim/core/ratio.h"
#include "sim/core/time.h"

namespace dsim::sim {

// [simulation]
struct SimulationConfig {
  uint64_t seed = 1;
  // Stop at this true time. 0 means no time limit (run to quiescence, the event budget, or the
  // workload's own end).
  Nanos duration = 0;
  // Stop after this many processed events. 0 means no budget.
  uint64_t max_events = 0;
};

// One datacenter of [cluster]: its name, node count and rack count (nodes are dealt to racks
// round-robin). Node ids are dense, 0..N-1, datacenter by datacenter in file order.
struct DatacenterConfig {
  std::string name;
  uint32_t nodes = 0;
  uint32_t racks = 1;
};

enum class ConsistencyLevel { kOne, kQuorum, kAll };

// [cluster]
struct ClusterConfig {
  // Total node count. With `datacenters` empty, all nodes form one datacenter "dc1" of one rack.
  uint32_t nodes = 3;
  std::vector<DatacenterConfig> datacenters;

  // Token ring: each node owns `vnodes` tokens (drawn from the "ring" stream of the seed).
  uint32_t vnodes = 16;
  // Replicas per partition. With replication = kNetworkTopology, replicas per datacenter.
  uint32_t replication_factor = 3;
  enum class Replication { kSimple, kNetworkTopology };
  Replication replication = Replication::kSimple;

  // Client operations: any node coordinates; a write or read goes to every replica and
  // completes at its consistency level, or fails after request_timeout.
  ConsistencyLevel write_consistency = ConsistencyLevel::kQuorum;
  ConsistencyLevel read_consistency = ConsistencyLevel::kQuorum;
  Nanos request_timeout = 2 * kSecond;
  // Hinted handoff: a coordinator stores writes for unreachable replicas (up to
  // max_hint_window after the replica became unreachable) and replays them when it is back.
  bool hinted_handoff = false;
  Nanos max_hint_window = 3 * kHour;
  // Read repair: a read whose replica responses disagree writes the merged result back.
  bool read_repair = false;
  // Whom a coordinator (and hint replay) believes alive. kPerfect: the simulator's truth (the
  // replica is up and the network passes coordinator -> replica), no heartbeat traffic. kPhi:
  // every node heartbeats every other each heartbeat_interval and runs Cassandra's phi-accrual
  // failure detector on what arrives (sim/kv/failure_detector.h).
  enum class FailureDetector { kPerfect, kPhi };
  FailureDetector failure_detector = FailureDetector::kPerfect;
  // kPhi only: unset with kPerfect (setting them is an error), filled with the defaults when
  // kPhi (Cassandra: gossip every second, phi_convict_threshold 8).
  std::optional<Nanos> heartbeat_interval;
  std::optional<double> phi_convict_threshold;
  static constexpr Nanos kDefaultHeartbeatInterval = kSecond;
  static constexpr double kDefaultPhiConvictThreshold = 8;
};

// [storage]: every node's storage engine (engine/store_options.h). The defaults are the
// engine's own, so a storage default lives in one place.
struct StorageConfig {
  uint64_t memtable_flush_threshold_bytes =
      engine::StoreOptions::kDefaultMemtableFlushThresholdBytes;
  double bloom_fp_chance = engine::StoreOptions::kDefaultBloomFpChance;
  Nanos gc_grace = engine::StoreOptions::kDefaultGcGraceUs * kMicrosecond;
  uint32_t compaction_min_threshold = engine::SizeTieredOptions{}.min_threshold;
  uint32_t compaction_max_threshold = engine::SizeTieredOptions{}.max_threshold;
  uint32_t hll_precision = engine::StoreOptions::kDefaultHllPrecision;
  enum class CommitlogSync { kPeriodic, kBatch };
  CommitlogSync commitlog_sync = CommitlogSync::kPeriodic;  // the engine's default too
  // kPeriodic: a sync every period.
  Nanos commitlog_sync_period = engine::StoreOptions::kDefaultCommitlogSyncPeriodUs * kMicrosecond;
  // Test only: a deliberate defect that the checkers (sim/check/) and `dsim swarm` must find.
  enum class TestDefect { kNone, kBatchSkipsSync };
  TestDefect test_defect = TestDefect::kNone;
};

// [repair]: Cassandra-style Merkle-tree anti-entropy.
// The repair.strategy names, in a fixed order; sim/repair/strategy_factory.cc builds each.
inline constexpr std::array<std::string_view, 5> kRepairStrategyNames = {
    "merkle", "row_level", "riblt", "range_sync", "sstable_dag"};

struct RepairConfig {
  // The reconciliation protocol of every session (sim/repair/<name>_strategy.h).
  std::string strategy = "merkle";
  // row_level: rows per row set, the unit whose hashes are compared first.
  uint32_t row_set_rows = 256;
  // Periodic full repairs every `interval` starting at `start` (0: only the repairs the fault
  // schedule asks for).
  Nanos interval = 0;
  Nanos start = 0;
  // Merkle tree depth: 0 = Cassandra's rule, min(max_depth, ceil(log2(estimated partitions))).
  uint32_t merkle_depth = 0;
  uint32_t merkle_max_depth = engine::StoreOptions::kDefaultMerkleMaxDepth;
  // Token ranges repaired at once by one repair session.
  uint32_t concurrency = 1;
  // Subrange repair: each ring segment a repair job covers is cut into this many ranges of
  // equal width, each repaired by a session of its own (as Cassandra's subrange tools do).
  uint32_t subranges = 1;
  // sstable_dag: how SSTables are cut into content-addressed chunks (engine/chunker.h): "cdc"
  // (FastCDC, min / average / max sizes) or "fixed" (chunk_size each).
  std::string chunking = "cdc";
  uint64_t chunk_min_bytes = engine::ChunkingOptions{}.min_bytes;
  uint64_t chunk_bytes = engine::ChunkingOptions{}.avg_bytes;
  uint64_t chunk_max_bytes = engine::ChunkingOptions{}.max_bytes;
  // Cassandra 4.0 incremental repair (merkle only; engine/incremental_repair.h): a session
  // validates and repairs only the data no earlier session repaired.
  bool incremental = false;
  // Cassandra 4.0's repair_session_space: the memory for the Merkle trees a session holds at
  // once (one per replica); the depth rule caps each tree to fit its share (0: no cap).
  uint64_t session_space_bytes = 0;
  // Simulated cost of a validation (reading the data to build a tree), and the rate at which a
  // node streams repair data (also limited by the links' bandwidth).
  uint64_t validation_bytes_per_sec = 64 << 20;
  uint64_t stream_bytes_per_sec = 24 << 20;
};

// A one-way delay distribution.
struct LatencyConfig {
  enum class Kind { kConstant, kUniform, kNormal, kLogNormal };
  Kind kind = Kind::kConstant;
  Nanos value = kMillisecond;  // kConstant
  Nanos min = 0;               // kUniform: [min, max]
  Nanos max = 0;
  Nanos mean = 0;  // kNormal: truncated at 0
  Nanos stddev = 0;
  Nanos median = 0;    // kLogNormal: exp(N(ln median, sigma^2))
  double sigma = 0.0;  // kLogNormal, dimensionless
};

// The behaviour of one class of directed link.
struct LinkClassConfig {
  LatencyConfig latency;
  Ratio loss;                            // probability a message is dropped
  Ratio duplicate;                       // probability a delivered message is delivered twice
  Ratio reorder;                         // probability a message skips the per-link FIFO order
  uint64_t bandwidth_bytes_per_sec = 0;  // serialisation delay = bytes / bandwidth; 0 = unlimited
};

// An explicit inter-datacenter link (both directions unless one_way).
struct DcLinkConfig {
  std::string from;
  std::string to;
  LinkClassConfig link;
  bool one_way = false;
};

// [network]
struct NetworkConfig {
  // Links between nodes of the same rack (and every link of a single-datacenter, single-rack
  // cluster: the full mesh).
  LinkClassConfig link;
  // Links between racks of one datacenter. Unset: same as `link`.
  std::optional<LinkClassConfig> inter_rack;
  // Links between datacenters when `dc_links` is empty (datacenters fully meshed). Unset: same
  // as `link`.
  std::optional<LinkClassConfig> inter_dc;
  // The datacenter-level graph. When non-empty, only these datacenter pairs are linked and
  // messages between datacenters route over shortest paths (by mean latency) of this graph.
  std::vector<DcLinkConfig> dc_links;
};

// Per-node clock overrides in [[clocks.node]].
struct ClockNodeConfig {
  NodeId node = 0;
  std::optional<Nanos> offset;      // initial offset from true time
  std::optional<double> drift_ppm;  // frequency error
};

// [clocks]
struct ClocksConfig {
  // Each node's initial offset is uniform in [-offset_max, +offset_max].
  Nanos offset_max = 0;
  // Each node's drift is uniform in [-drift_ppm_max, +drift_ppm_max] parts per million.
  double drift_ppm_max = 0.0;
  // NTP-like correction every ntp_period (0 = never): the offset is reset to a residual error
  // drawn from N(0, ntp_residual^2). Drift is a property of the oscillator and is not corrected.
  Nanos ntp_period = 0;
  Nanos ntp_residual = 0;
  // Where write timestamps come from: the node's wall clock, or a hybrid logical clock.
  enum class Timestamps { kWall, kHlc };
  Timestamps timestamps = Timestamps::kWall;
  std::vector<ClockNodeConfig> nodes;
};

// [workload] kind = "relay": each node starts with messages_per_node messages; a node that
// receives one forwards it to a uniformly random other node; a message lost on a link is replaced
// by a fresh one from its sender; the run stops after `deliveries` deliveries.
struct RelayWorkloadConfig {
  uint32_t messages_per_node = 10;
  uint64_t deliveries = 1'000'000;
  uint32_t message_bytes = 64;
};

// One phase of the key-value workload: operations arrive as a Poisson process at `rate_per_sec`
// (cluster-wide, each at a uniformly random coordinator) for `duration`; each is an insert,
// update, delete or read with probability proportional to its weight. Inserts write keys that
// were never written, in order; updates, deletes and reads pick among written keys by the
// workload's popularity.
struct KvPhaseConfig {
  std::string name;
  Nanos duration = 10 * kSecond;
  uint64_t rate_per_sec = 1000;
  uint32_t insert = 0;
  uint32_t update = 1;
  uint32_t remove = 0;  // "delete" in scenario files
  uint32_t read = 1;
};

// [workload] kind = "kv": client operations on a key space.
struct KvWorkloadConfig {
  uint64_t keys = 10'000;  // partition key space
  uint32_t columns = 4;    // columns per partition (an insert writes all, an update one)
  uint32_t value_bytes = 100;
  enum class Popularity { kUniform, kZipf };
  Popularity popularity = Popularity::kUniform;
  double zipf_exponent = 0.99;
  std::vector<KvPhaseConfig> phases;  // empty: one phase "steady" with the defaults above
};

// [workload]
struct WorkloadConfig {
  enum class Kind { kRelay, kKv };
  Kind kind = Kind::kRelay;
  RelayWorkloadConfig relay;
  KvWorkloadConfig kv;
};

// One entry of [[faults]]: an action at a true time, optionally undone after `duration`.
struct FaultConfig {
  enum class Kind {
    kPartition,       // split nodes into groups; messages between groups are dropped
    kCutLink,         // drop every message on one node pair (from -> to, and back unless one_way)
    kDegradeLink,     // replace the link class of one node pair (both ways unless one_way)
    kHeal,            // undo the named fault, or every network fault when `target` is empty
    kClockJump,       // step a node's clock by `jump` (may be negative)
    kDriftChange,     // set a node's drift to `drift_ppm`
    kCrash,           // the node's process dies: memtable lost; the OS keeps unsynced writes
    kRestart,         // a crashed node comes back and replays its commit log
    kReplace,         // a crashed node comes back with an empty disk
    kDropMutations,   // the node silently drops incoming mutations (a fraction, or named keys)
                      // from `at` for `duration`
    kRepair,          // a full Merkle repair (of every range, or of `node`'s ranges if set)
    kMark,            // marks the instant convergence time is measured from
    kCorrupt,         // flips a byte in a fraction of the messages of some categories (network)
    kPowerLoss,       // the node loses power: memtable and every unsynced byte lost
    kCorruptSSTable,  // a bit flips in a data block of one of the node's SSTables, at rest
    kVerify,          // nodetool verify: every SSTable of `node` (or of every node) read and
                      // checked; a corrupt one is quarantined
  };
  Kind kind = Kind::kPartition;
  std::string name;               // optional id, for `heal` and reports
  Nanos at = 0;                   // when the action happens (true time)
  std::optional<Nanos> duration;  // undo after this long (network faults only)

  // kPartition: two or more disjoint node groups. Nodes in no group form an extra group.
  // With one_way, messages from groups[0] to the other groups are dropped, the reverse passes.
  std::vector<std::vector<NodeId>> groups;
  bool one_way = false;  // kPartition, kCutLink, kDegradeLink

  // kCutLink, kDegradeLink
  NodeId from = 0;
  NodeId to = 0;
  // kCutLink, kDegradeLink at the datacenter level: when both are set (datacenter names), the
  // fault applies to the DC-level link(s) between the two datacenters instead of a node pair;
  // traffic reroutes over the remaining DC graph (or is dropped when no route is left).
  std::string from_dc;
  std::string to_dc;
  LinkClassConfig link;  // kDegradeLink: the class used while degraded

  // kHeal
  std::string target;

  // kClockJump, kDriftChange, kCrash, kPowerLoss, kRestart, kReplace, kDropMutations,
  // kCorruptSSTable; kRepair and kVerify when has_node (only that node's ranges, or SSTables)
  NodeId node = 0;
  bool has_node = false;

  // kDropMutations: the fraction of mutations dropped, and/or the partition keys always
  // dropped (keys of the kv workload are "k<index>", e.g. "k42").
  Ratio fraction;
  std::vector<std::string> keys;

  Nanos jump = 0;
  double drift_ppm = 0.0;

  // kCorrupt: the probability that a message of `categories` ("stream", "chunk": the messages
  // that carry data bytes) arrives with a byte flipped.
  Ratio probability;
  std::vector<std::string> categories;
};

// [metrics]
struct MetricsConfig {
  // Interval between rows of timeseries.csv (0 = no time series).
  Nanos sample_interval = 100 * kMillisecond;
  // When the run must converge: `dsim run` exits 5 if divergence is not zero at the end
  // (a liveness failure, for CI gates on scenarios that must heal).
  bool require_convergence = false;
};

// [checks]: the checkers (sim/check/checks.h) `dsim run` evaluates after the run. Each fails
// the run with an exit code of its own when the configuration promises what it checks and the
// run breaks the promise; where the configuration promises nothing, the count is reported only.
struct ChecksConfig {
  bool lost_writes = false;  // acknowledged writes lost (exit 6)
  bool zombies = false;      // deleted data come back (exit 7)
  // After the liveness phase every replica holds the oracle's winners: convergence.time is set
  // and at most this long (exit 8; 0: off).
  Nanos liveness_within = 0;
  bool stale_reads = false;  // a read missing a write acknowledged before it began (exit 9)
  // Keep the independent ledger (sim/oracle/ledger.h) and fail when it disagrees (exit 10).
  bool ledger = false;
};

// A whole scenario.
struct Scenario {
  std::string name;  // file stem unless set in [simulation] name
  std::string description;
  SimulationConfig simulation;
  ClusterConfig cluster;
  NetworkConfig network;
  ClocksConfig clocks;
  StorageConfig storage;
  RepairConfig repair;
  WorkloadConfig workload;
  std::vector<FaultConfig> faults;
  MetricsConfig metrics;
  ChecksConfig checks;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_CONFIG_H_
