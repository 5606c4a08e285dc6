// Cluster: the replicas — every node's storage, the ring, and the paths by which data lands on
// a replica, each reported to the oracle.
//
// Data paths (all on a node that is up):
//   Apply    a mutation (client write, hint, read repair): commit log + memtable; when the
//            memtable flushes, size-tiered compaction runs until no bucket qualifies.
//   Ingest   streamed partitions (repair): one new SSTable, then compaction.
// Incremental repair's claims (PrepareIncremental: a flush, then anticompaction) change how the
// data is laid out, never what a replica holds, so the oracle hears nothing of them.
//   Read     a client read: the store's read path (memtable + SSTables whose Bloom filter says
//            "maybe"); its Bloom statistics feed the bloom.* metrics.
// Views that never touch statistics (the oracle, repair accounting, tests):
//   View (one key; also the oracle's ReplicaReader) and ForEachInRange (a token range) read a
//   replica's merged data, up or down (a down node holds its durable state, see node.h).
// Flushes and compactions cost no simulated time. Every store call takes the node's local
// clock in microseconds (gc_grace purges and commit-log bookkeeping follow the skewed clock).
//
// Oracle upkeep: the cluster only reports, and the oracle decides what to reread (through this
// cluster, its ReplicaReader): every Apply/Ingest's incoming cells (OnApplied), the keys a crash
// may have lost (the memtable's, OnReplicaLost), a replace (OnReplicaWiped), and the record of
// every compaction the store ran (OnCompaction: the engine reports what it purged, so nothing
// here predicts its selection).
//
// Node faults: Crash, Restart, Replace (see node.h); listeners hear when a node goes down.
// Commit log: under "periodic", every node syncs every commitlog_sync_period (a daemon event,
// first at a per-node phase drawn from the stream ("commitlog", node)); under "batch" the
// store syncs on every write.
//
// Timestamps: NewTimestamp(coordinator) is the coordinator's clock in microseconds
// (clocks.timestamps = "wall"), or its hybrid logical clock ("hlc", see node.h), which
// ObserveTimestamp raises on every mutation applied and every reply received.
#ifndef DSIM_SIM_CLUSTER_H_
#define DSIM_SIM_CLUSTER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/functional/function_ref.h"
#include "engine/partition.h"
#include "engine/store.h"
#include "engine/store_options.h"
#include "engine/token.h"
#include "sim/clock.h"
#include "sim/core/metrics.h"
#include "sim/core/scheduler.h"
#include "sim/kv/node.h"
#include "sim/kv/ring.h"
#include "sim/oracle/ledger.h"
#include "sim/oracle/oracle.h"
#include "sim/oracle/replica_reader.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

// Hears node state changes (the repair service fails sessions that lose a replica).
class NodeStateListener {
 public:
  virtual ~NodeStateListener() = default;
  virtual void OnNodeDown(NodeId node) = 0;
  // The node serves again (a restart, or the end of a replace); default: nothing.
  virtual void OnNodeUp(NodeId /*node*/) {}
};

// StoreOptions for every node from [storage] and [repair].
engine::StoreOptions StoreOptionsFor(const Scenario& scenario);

class Cluster : public EventHandler, public ReplicaReader {
 public:
  // Every pointer must outlive the cluster. Registers the kCommitlogSync handler, and itself as
  // the oracle's ReplicaReader.
  Cluster(const Scenario& scenario, Scheduler* scheduler, std::vector<NodeClock>* clocks,
          const Ring* ring, Oracle* oracle);

  // Schedules the periodic commit-log syncs (call once, before running).
  void Start();

  uint32_t size() const { return static_cast<uint32_t>(nodes_.size()); }
  Node& node(NodeId id) { return *nodes_[id]; }
  const Node& node(NodeId id) const { return *nodes_[id]; }
  const Ring& ring() const { return *ring_; }
  Oracle& oracle() { return *oracle_; }
  // The independent ledger ([checks] ledger; nullptr: none), told of the same changes as the
  // oracle and of every durability event (sync ticks, flushes, crashes). REQUIRES: set before
  // Start; it outlives the cluster's use of it.
  void set_ledger(Ledger* ledger);
  Ledger* ledger() { return ledger_; }
  Scheduler& scheduler() { return *scheduler_; }
  uint32_t nodes_down() const { return nodes_down_; }

  void AddListener(NodeStateListener* listener) { listeners_.push_back(listener); }

  // The node's clock now, in microseconds.
  int64_t LocalMicros(NodeId node);
  int64_t NewTimestamp(NodeId coordinator);
  void ObserveTimestamp(NodeId node, int64_t timestamp_us);
  bool hlc() const { return hlc_; }

  // The replicas of the partition with this token.
  absl::Span<const NodeId> ReplicasOf(uint64_t token) const {
    return ring_->Replicas(ring_->SegmentOf(token));
  }

  // REQUIRES: node(id).up().
  void Apply(NodeId id, const engine::Mutation& mutation);
  // pending_session > 0: the partitions land pending for that incremental repair session.
  void Ingest(NodeId id, std::vector<engine::Partition> partitions, uint64_t pending_session = 0);

  // Flushes node id's memtable to an SSTable (when not empty), then compacts. REQUIRES: up.
  void Flush(NodeId id);

  // A whole SSTable fetched from a peer (its file bytes, already verified): node id ingests its
  // partitions in `range` that it replicates, byte-identical to the sender's file when that is
  // all of them (so both hold an SSTable with the same content address), else re-encoded without
  // the others (filtered). REQUIRES: node(id).up(); the bytes open as an SSTable.
  struct FileIngest {
    uint64_t partitions = 0;  // ingested
    uint64_t cells = 0;       // ingested
    uint64_t filtered = 0;    // partitions left out
    bool byte_identical = false;
    // The content digest of the SSTable written (before any compaction); unset when nothing was.
    std::optional<engine::Digest128> written;
  };
  FileIngest IngestSSTableFile(NodeId id, const std::string& file, const engine::TokenRange& range);

  // Incremental repair on node id (engine/incremental_repair.h; the store's calls, then
  // compaction, which keeps repair groups apart). REQUIRES: node(id).up(), session > 0.
  engine::Store::PrepareReport PrepareIncremental(NodeId id, const engine::TokenRange& range,
                                                  uint64_t session);
  void FinalizeIncremental(NodeId id, uint64_t session);
  void ReleaseIncremental(NodeId id, uint64_t session);
  // The session's pending data in `range` on node id (up).
  void ForEachPendingInRange(NodeId id, const engine::TokenRange& range, uint64_t session,
                             absl::FunctionRef<void(const engine::Partition&)> fn);
  std::optional<engine::Partition> Read(NodeId id, std::string_view key);

  // Statistics-free views, up or down.
  std::optional<engine::Partition> View(NodeId id, std::string_view key);
  void ForEachInRange(NodeId id, const engine::TokenRange& range,
                      absl::FunctionRef<void(const engine::Partition&)> fn);
  // ReplicaReader: OracleView, the read-only view that leaves out an SSTable whose block fails
  // its checksum instead of quarantining it (cluster_disk_faults.cc).
  std::optional<engine::Partition> ReadReplica(NodeId id, std::string_view key) override {
    return OracleView(id, key);
  }
  std::optional<engine::Partition> OracleView(NodeId id, std::string_view key);

  // A corrupt_sstable fault: one bit of one data block of one of node id's SSTables flips
  // (drawn from the stream ("disk_faults", fault_index)); a node with no SSTable ignores it.
  void CorruptSSTable(NodeId id, size_t fault_index);
  // A verify action on node id: every SSTable read and checked now (engine Store::Verify),
  // a corrupt one quarantined, its keys reported; a down node is skipped (counted).
  void Verify(NodeId id);

  // Node faults. Crash of a down node and Restart of an up node are no-ops (counted); Replace
  // of an up node crashes it first (its disk is wiped anyway).
  void Crash(NodeId id, engine::CrashKind kind);
  void Restart(NodeId id);
  void Replace(NodeId id);

  void OnEvent(const Event& event) override;

  // storage.*, bloom.*, hll.*, nodes.* metrics.
  void ExportTo(MetricSet* metrics) const;

 private:
  // Runs the store's compactions until none qualifies, reporting each to the oracle.
  void Compact(NodeId id);
  void NoteTombstones(const engine::Partition& p);
  // Tells the ledger (if any) that node id's pending data is durable when its store flushed
  // since the ledger last heard.
  void NoteFlushes(NodeId id);
  // The tables node id's store quarantined since the last call: counted, and their keys
  // reported to the oracle and the ledger as possibly lost.
  void NoteQuarantines(NodeId id);
  // The workload keys with a token in [lo, hi] that node id replicates. O(keys).
  std::vector<std::string> KeysInSpan(NodeId id, uint64_t lo, uint64_t hi) const;
  void ExportCorruption(MetricSet* metrics) const;  // storage.corruption.*

  const Scenario& scenario_;
  Scheduler* scheduler_;
  std::vector<NodeClock>* clocks_;
  const Ring* ring_;
  Oracle* oracle_;
  Ledger* ledger_ = nullptr;
  std::vector<uint64_t> ledger_flushes_;  // by node: the store's flush count the ledger saw
  bool hlc_;
  engine::StoreOptions store_options_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<NodeStateListener*> listeners_;
  uint32_t nodes_down_ = 0;
  // The smallest local deletion time of any tombstone applied anywhere: a compaction can purge
  // only once its node's clock passes it by gc_grace (storage.purge_scans counts from there).
  int64_t min_tombstone_ldt_us_ = INT64_MAX;

  uint64_t crashes_ = 0;
  uint64_t power_losses_ = 0;  // of the crashes
  uint64_t restarts_ = 0;
  uint64_t replaces_ = 0;
  uint64_t ignored_node_faults_ = 0;
  // Disk faults (cluster_disk_faults.cc): per node, the corrupt SSTables not yet detected.
  std::vector<absl::btree_set<std::string>> corrupt_files_;
  uint64_t corruptions_injected_ = 0;  // distinct corrupt files
  uint64_t corruptions_detected_ = 0;  // quarantined
  uint64_t corruptions_wiped_ = 0;     // gone undetected with a replaced node's disk
  uint64_t quarantined_partitions_ = 0;
  uint64_t fetched_files_rejected_ = 0;  // IngestSSTableFile: the bytes failed a checksum
  uint64_t verified_sstables_ = 0;       // verify actions: SSTables checked
  uint64_t verified_bytes_ = 0;          // and their bytes read
  uint64_t verify_skipped_down_ = 0;     // nodes a verify found down
  uint64_t purge_scans_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_CLUSTER_H_
