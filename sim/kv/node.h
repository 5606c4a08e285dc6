// Node: one virtual database node — its simulated disk and storage engine, whether its process
// is up, and the per-node state the cluster layer keeps (hybrid logical clock, repair and
// streaming busy clocks, active drop_mutations windows).
//
// Crash model: Crash(kind) is a process crash (engine::CrashKind::kProcess: the store loses its
// memtable, the OS keeps every written byte, so replay loses nothing acknowledged) or a power
// loss (kPowerLoss: the disk also drops every unsynced byte; engine::Store::Crash); the node
// then stays down until
// Restart() or Replace(). Because nothing touches a down node's disk, replaying the commit log
// at the crash instant gives exactly the state a replay at restart would give, so Crash()
// recovers the store at once (the engine's Recover: load SSTables, replay the log, flush)
// and the down node keeps that durable state, readable by the oracle and the repair accounting
// but serving nobody. Restart() marks it up. Replace() gives it a fresh, empty disk and store
// (same tokens: the replacement takes over the ring position, as replace_address does).
// `incarnation` counts crashes, so replies addressed to an earlier incarnation of a coordinator
// are recognised and ignored.
//
//   Node node(3, store_options);
//   node.store().Apply(mutation, now_us);
//   std::vector<std::string> keys = node.Crash(engine::CrashKind::kPowerLoss);  // memtable keys
//                                                                // whose data may be gone
#ifndef DSIM_SIM_NODE_H_
#define DSIM_SIM_NODE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/mem_disk.h"
#include "engine/store.h"
#include "sim/core/random.h"
#include "sim/core/ratio.h"
#include "sim/core/time.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class Node {
 public:
  // A node that is up with an empty disk. Stream seeds come from (root_seed, ..., id).
  Node(NodeId id, const engine::StoreOptions& options, uint64_t root_seed);

  NodeId id() const { return id_; }
  bool up() const { return up_; }
  uint64_t incarnation() const { return incarnation_; }

  engine::Store& store() { return *store_; }
  const engine::Store& store() const { return *store_; }
  const engine::MemDisk& disk() const { return *disk_; }
  // For fault injection only (Cluster::CorruptSSTable).
  engine::MemDisk& mutable_disk() { return *disk_; }

  // Crashes the process and recovers the durable state (see the header comment). Returns the
  // keys that were in the memtable (the only ones whose data the crash can have changed).
  // REQUIRES: up().
  std::vector<std::string> Crash(engine::CrashKind kind);
  // The keys of the partitions in the memtable, in its order. REQUIRES: up().
  std::vector<std::string> MemtableKeys() const;
  // REQUIRES: !up().
  void Restart();
  // A fresh disk and store; the node is up. REQUIRES: !up().
  void Replace();

  // Store statistics of earlier stores of this node (before a Replace), so totals cover them.
  const std::vector<engine::StoreStats>& retired_stats() const { return retired_stats_; }

  // Timestamps (clocks.timestamps = "hlc"): the node's hybrid logical clock in microseconds,
  // max(physical, last + 1) for a new timestamp, raised by every timestamp it receives.
  int64_t NextHlcMicros(int64_t physical_us) {
    hlc_us_ = physical_us > hlc_us_ ? physical_us : hlc_us_ + 1;
    return hlc_us_;
  }
  void ObserveHlcMicros(int64_t remote_us) {
    if (remote_us > hlc_us_) hlc_us_ = remote_us;
  }
  int64_t hlc_us() const { return hlc_us_; }

  // Repair: a validation or an outgoing stream occupies the node until these times.
  Nanos validation_busy_until = 0;
  Nanos stream_busy_until = 0;

  // drop_mutations windows in force: a mutation for one of `keys` (sorted kv key indices) is
  // dropped, and any other with probability `fraction` (drawn from the node's own
  // "replica_faults" stream).
  struct DropWindow {
    size_t fault = 0;
    Ratio fraction;
    std::vector<uint64_t> keys;
  };
  std::vector<DropWindow> drop_windows;
  // Whether an incoming mutation of `key_index` (UINT64_MAX: not a workload key) is dropped.
  bool DropsMutation(uint64_t key_index);
  uint64_t mutations_dropped() const { return mutations_dropped_; }

 private:
  engine::StoreOptions options_;
  NodeId id_;
  bool up_ = true;
  uint64_t incarnation_ = 0;
  std::unique_ptr<engine::MemDisk> disk_;
  std::unique_ptr<engine::Store> store_;
  std::vector<engine::StoreStats> retired_stats_;
  int64_t hlc_us_ = INT64_MIN;
  Rng drop_rng_;
  uint64_t mutations_dropped_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_NODE_H_
