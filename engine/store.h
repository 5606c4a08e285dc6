// Store: one node's storage engine — commit log, memtable, SSTables, compaction, Merkle trees.
//
// The facade the cluster layer gives every virtual node. It owns its in-memory state and
// keeps every durable byte on a Disk (not owned; REQUIRES: the disk outlives the store).
// Time (microseconds) comes in as arguments: the store never reads a clock.
//
// Lifecycle: a Store starts down; Recover() brings it up (on an empty disk too; Open() does
// both). Crash(kind) models a failure: the memtable is always lost. A process crash
// (CrashKind::kProcess) keeps every byte written to the disk, synced or not (the OS holds the
// unsynced pages and writes them later), so replay restores every acknowledged write; a power
// loss (CrashKind::kPowerLoss) also drops every unsynced byte (under periodic sync the commit-log
// records since the last Sync are gone). The store is down until Recover(), which loads the
// SSTables, replays the commit log (stopping at a torn or corrupt tail, counting what it drops),
// flushes the replayed data to an SSTable and starts a fresh commit log. Statistics are cumulative
// across crashes (they describe the node, not the process).
//
// Writes: Apply appends to the commit log and merges into the memtable; once the memtable
// reaches memtable_flush_threshold_bytes it is flushed to a new SSTable (synced), which makes
// every write so far durable. Reads: the memtable plus every SSTable whose Bloom filter says
// "maybe", newest first, CRDT-merged. Range scans and Merkle trees see the same merged view.
// Tombstones are returned like any cell (callers need them to reconcile replicas).
//
// Corruption: an SSTable block that fails its checksum on a read, a range scan or a
// compaction (MaybeCompact) is never served. The store quarantines the SSTable (drops it from
// the live set and deletes its file, as Cassandra sets aside a corrupt SSTable), counts it
// (StoreStats::sstables_quarantined), records what it covered for the caller (TakeQuarantined:
// its token span, so the cluster can have the data repaired from the other replicas) and goes
// on without it: a read is retried on the remaining data, a scan resumes after the last
// partition it delivered (those came from verified blocks), a compaction is selected again, an
// incremental repair's anticompaction leaves the table out of the claim. CompactAll still
// returns the DataLoss status. ViewPartitionsInRange is the read-only scan for observers: it
// skips a table whose block fails, for that scan only, and changes nothing.
//
//   MemDisk disk;
//   auto store = Store::Open(StoreOptions{}, &disk).value();
//   store->Apply(Mutation::Put("k", "c", "v", now_us), now_us);
//   auto p = store->Read("k");  // StatusOr<optional<Partition>>
#ifndef DSIM_ENGINE_STORE_H_
#define DSIM_ENGINE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/commit_log.h"
#include "engine/compaction.h"
#include "engine/disk.h"
#include "engine/memtable.h"
#include "engine/merkle_tree.h"
#include "engine/mutation.h"
#include "engine/partition.h"
#include "engine/repair_state.h"
#include "engine/sstable.h"
#include "engine/store_options.h"
#include "engine/token.h"

namespace dsim::engine {

// What one Read did.
// What a crash takes (see the header comment): the process only, or the machine's power too.
enum class CrashKind { kProcess, kPowerLoss };

struct ReadStats {
  bool memtable_hit = false;
  uint64_t sstables_consulted = 0;     // filter said "maybe", so the data block was read
  uint64_t bloom_true_negatives = 0;   // filter said "no"
  uint64_t bloom_false_positives = 0;  // filter said "maybe", the partition was absent
  uint64_t bloom_true_positives = 0;   // filter said "maybe", the partition was there
  uint64_t bytes_read = 0;             // data-block bytes read from the disk
  // Sum of the theoretical false-positive rate of every filter queried for a partition it does
  // not hold (the true negatives and the false positives): the expected false-positive count.
  double bloom_expected_false_positives = 0;
};

// Cumulative counters of a store (kept across Crash/Recover).
struct StoreStats {
  uint64_t mutations_applied = 0;
  uint64_t commitlog_bytes_written = 0;
  uint64_t commitlog_syncs = 0;
  uint64_t flushes = 0;
  uint64_t sstable_bytes_written = 0;  // flushes, compactions and ingests
  uint64_t reads = 0;
  uint64_t reads_found = 0;
  uint64_t sstables_consulted = 0;
  uint64_t bloom_true_negatives = 0;
  uint64_t bloom_false_positives = 0;
  uint64_t bloom_true_positives = 0;
  double bloom_expected_false_positives = 0;  // see ReadStats
  uint64_t bytes_read = 0;                    // data-block bytes read by Read
  uint64_t compactions = 0;
  uint64_t compaction_bytes_read = 0;  // input SSTable bytes
  uint64_t tombstones_purged = 0;
  uint64_t ingests = 0;
  uint64_t partitions_ingested = 0;
  uint64_t anticompactions = 0;                // SSTables split at a repaired range's bounds
  uint64_t anticompaction_bytes_read = 0;      // their input bytes (the output is in
                                               // sstable_bytes_written)
  uint64_t incremental_sstables_claimed = 0;   // made pending, whole or as the inside part
  uint64_t incremental_sstables_repaired = 0;  // promoted by a completed session
  uint64_t incremental_sstables_released = 0;  // returned by a failed session
  uint64_t sstables_quarantined = 0;           // a block failed its checksum: set aside (see above)
  uint64_t recoveries = 0;
  uint64_t records_replayed = 0;
  uint64_t records_dropped = 0;
  // One per compaction, in order, without the per-cell lists (purged_cells and
  // expired_tombstone_keys are empty here: MaybeCompact and CompactAll return them).
  std::vector<CompactionRecord> compaction_history;

  uint64_t bytes_written() const { return commitlog_bytes_written + sstable_bytes_written; }
  // FP / (FP + TN): the observed rate of "maybe" answers for absent partitions; 0 if none.
  double ObservedBloomFpRate() const;
};

struct RecoveryReport {
  uint64_t sstables_loaded = 0;
  std::vector<std::string> corrupt_sstables;  // failed verification on open; left out
  ReplayResult replay;                        // commit-log records replayed / dropped
};

// An SSTable the store set aside because a block failed its checksum.
struct QuarantinedSSTable {
  std::string name;
  uint64_t min_token = 0;  // the token span of its partitions (inclusive)
  uint64_t max_token = 0;
  uint64_t partition_count = 0;
};

struct ApplyResult {
  bool durable = false;  // the write survives a crash (batch sync, or a flush it triggered)
  bool flushed = false;  // the write triggered a memtable flush
};

class Store {
 public:
  // A down store over `disk`. REQUIRES: options are valid (checked); disk != nullptr.
  Store(StoreOptions options, Disk* disk);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Constructs and recovers.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> Open(StoreOptions options,
                                                                   Disk* disk);

  // Brings the store up from what is on the disk. REQUIRES: !up().
  [[nodiscard]] absl::StatusOr<RecoveryReport> Recover();

  // Loses the memtable and, for a power loss, the disk's unsynced bytes; the store goes down.
  // REQUIRES: up().
  void Crash(CrashKind kind);
  bool up() const { return up_; }

  // Appends to the commit log, merges into the memtable, flushes at the threshold.
  // REQUIRES: up(); !mutation.partition.empty().
  [[nodiscard]] absl::StatusOr<ApplyResult> Apply(const Mutation& mutation, int64_t now_us);

  // Syncs the commit log (the periodic policy's tick). REQUIRES: up().
  [[nodiscard]] absl::Status Sync(int64_t now_us);
  // When the next periodic sync is due (meaningless under batch).
  int64_t NextSyncDueUs() const;
  // Syncs if the periodic policy says it is due; returns whether it synced. REQUIRES: up().
  [[nodiscard]] absl::StatusOr<bool> MaybeSync(int64_t now_us);

  // The merged partition, or nullopt if no source holds the key; an SSTable whose block fails
  // its checksum is quarantined and the read answered from the rest. REQUIRES: up().
  [[nodiscard]] absl::StatusOr<std::optional<Partition>> Read(std::string_view key,
                                                              ReadStats* stats = nullptr);

  // Writes the memtable to a new SSTable (no-op when empty). REQUIRES: up().
  [[nodiscard]] absl::Status Flush();

  // Runs at most one size-tiered compaction; returns its record (inputs, purged cells: see
  // CompactionRecord), or nullopt if no bucket qualifies. REQUIRES: up().
  [[nodiscard]] absl::StatusOr<std::optional<CompactionRecord>> MaybeCompact(int64_t now_us);
  // A major compaction: the SSTables of each repair group (repair_state.h) into one SSTable per
  // group; the records in group order (unrepaired, repaired, pending sessions by id), none for
  // an empty store.
  [[nodiscard]] absl::StatusOr<std::vector<CompactionRecord>> CompactAll(int64_t now_us);

  // Calls fn for every partition with a token in `range`, merged across memtable and SSTables,
  // in ring order from range.begin() (ascending token, then key, for a non-wrapping range).
  // REQUIRES: up(); fn does not modify the store.
  [[nodiscard]] absl::Status ForEachPartitionInRange(const TokenRange& range,
                                                     absl::FunctionRef<void(const Partition&)> fn);

  // ForEachPartitionInRange for observers (the oracle): a table whose block fails its checksum
  // is left out of this scan only; nothing is quarantined, counted or changed. REQUIRES: the
  // store is recovered (up(), or down after a crash: its durable state).
  [[nodiscard]] absl::Status ViewPartitionsInRange(const TokenRange& range,
                                                   absl::FunctionRef<void(const Partition&)> fn);

  // A finalized Merkle tree of the merged view over `range` at `depth` (see MerkleDepthFor
  // and MerkleDepthForRange). REQUIRES: up().
  [[nodiscard]] absl::StatusOr<MerkleTree> BuildMerkleTree(const TokenRange& range, int depth);
  // Estimated partitions in `range`: the merged HLL of the SSTables and the memtable keys,
  // times the range's ring fraction. The merged sketch's estimate is cached until the memtable
  // or the SSTable set changes (repair asks once per session, and sessions are many).
  double EstimatePartitions(const TokenRange& range) const;
  // Cassandra's depth rule over EstimatePartitions(range), capped at merkle_max_depth.
  int MerkleDepthForRange(const TokenRange& range) const;

  // Writes streamed partitions as one new SSTable (duplicates merged, any order, empty
  // partitions ignored; no-op if nothing is left), in repair state `state` (an incremental
  // session's streams are pending for it). REQUIRES: up(); state is not kRepaired.
  [[nodiscard]] absl::Status IngestPartitions(std::vector<Partition> partitions,
                                              SSTableRepairState state = {});

  // Adds `file`, the complete bytes of an SSTable (one fetched whole from a peer), as a new
  // SSTable with those exact bytes (so its content digest is the sender's). DataLoss if the
  // bytes do not open as an SSTable. REQUIRES: up().
  [[nodiscard]] absl::Status IngestSSTableFile(const std::string& file);
  // The bytes of one of this store's SSTables, as on the disk.
  [[nodiscard]] absl::StatusOr<std::string> ReadSSTableFile(const SSTable& table) const;

  // Incremental repair (incremental_repair.h). REQUIRES for each: up(); session > 0.
  // Prepare: flushes the memtable, then claims for `session` the unrepaired data in `range`
  // (SSTables inside become pending; straddling ones are anticompacted). Returns the
  // SSTables claimed and the bytes anticompaction read and wrote.
  struct PrepareReport {
    uint64_t sstables_claimed = 0;
    uint64_t anticompactions = 0;
    uint64_t bytes_read = 0;
    uint64_t bytes_written = 0;
  };
  [[nodiscard]] absl::StatusOr<PrepareReport> PrepareIncrementalRepair(const TokenRange& range,
                                                                       uint64_t session);
  // Like ForEachPartitionInRange over the session's pending SSTables only (merged among them).
  [[nodiscard]] absl::Status ForEachPendingPartitionInRange(
      const TokenRange& range, uint64_t session, absl::FunctionRef<void(const Partition&)> fn);
  // The session completed: its pending SSTables become repaired at now_us (each marker written
  // and synced). Returns how many.
  [[nodiscard]] absl::StatusOr<uint64_t> FinalizeIncrementalRepair(uint64_t session,
                                                                   int64_t now_us);
  // Estimated partitions the session claimed (the merged HLL of its pending SSTables).
  double EstimatePendingPartitions(uint64_t session) const;
  // The session failed: its pending SSTables become unrepaired again. Returns how many.
  uint64_t ReleaseIncrementalRepair(uint64_t session);

  // The SSTables quarantined since the last call, in order (see the header comment).
  std::vector<QuarantinedSSTable> TakeQuarantined();

  // Cassandra's nodetool verify: reads every live SSTable whole and checks its content digest
  // (every data, index and metadata byte) and every data block's checksum; a table that fails
  // is quarantined like one a read finds. After it, no live SSTable holds a flipped byte.
  // REQUIRES: up().
  struct VerifyReport {
    uint64_t sstables_checked = 0;
    uint64_t bytes_read = 0;
    uint64_t sstables_quarantined = 0;
  };
  VerifyReport Verify();

  const StoreOptions& options() const { return options_; }
  const StoreStats& stats() const { return stats_; }
  const Memtable& memtable() const { return memtable_; }
  // Live SSTables, oldest first.
  const std::vector<std::unique_ptr<SSTable>>& sstables() const { return sstables_; }
  // The configured fp chance, and the mean theoretical FP rate of the live filters (each read
  // of an absent key queries every filter once, so the plain mean is the expected rate); 0
  // with no SSTable.
  double bloom_fp_chance() const { return options_.bloom_fp_chance; }
  double BloomTheoreticalFpRate() const;

 private:
  SSTableOptions sstable_options() const;
  std::string NextSSTableName();
  // Writes `file` durably under a new name and opens it.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<SSTable>> WriteSSTable(const std::string& file);
  // Merged scan of `range` over the memtable (if include_memtable) and the SSTables for which
  // `use` holds.
  // A table whose block fails is quarantined (`quarantine`) or only left out of this scan.
  [[nodiscard]] absl::Status ScanRange(const TokenRange& range, bool include_memtable,
                                       absl::FunctionRef<bool(const SSTable&)> use,
                                       absl::FunctionRef<void(const Partition&)> fn,
                                       bool quarantine = true);
  // Writes the repaired marker of `table` durably (its state must be kRepaired).
  [[nodiscard]] absl::Status PersistRepaired(const SSTable& table);
  // Deletes sstables_[i]'s file and its marker, if any.
  [[nodiscard]] absl::Status DeleteSSTableFiles(const SSTable& table);
  // Reads each loaded SSTable's marker (Recover) and deletes markers of missing SSTables.
  [[nodiscard]] absl::Status LoadRepairMarkers();
  // When `s` is a CorruptionError naming a live SSTable: quarantines it and returns true.
  bool QuarantineIfCorrupt(const absl::Status& s);
  // Records, deletes and counts a quarantined table (already out of sstables_).
  void SetAside(const SSTable& table);
  [[nodiscard]] absl::StatusOr<std::optional<Partition>> ReadOnce(std::string_view key,
                                                                  ReadStats* stats);
  [[nodiscard]] absl::StatusOr<std::optional<CompactionRecord>> MaybeCompactOnce(int64_t now_us);
  // EstimatePartitions over the whole ring, uncached.
  double EstimateAllPartitions() const;
  // Compacts sstables_[i] for i in `indices` (all of one repair group).
  [[nodiscard]] absl::StatusOr<std::optional<CompactionRecord>> Compact(
      const std::vector<size_t>& indices, int64_t now_us);

  StoreOptions options_;
  Disk* disk_;
  bool up_ = false;
  Memtable memtable_;
  std::unique_ptr<CommitLog> commit_log_;
  std::vector<std::unique_ptr<SSTable>> sstables_;
  uint64_t next_sstable_id_ = 0;
  StoreStats stats_;
  std::vector<QuarantinedSSTable> quarantined_;  // not yet taken
  // Bumped by every change of memtable_ or sstables_ (DataChanged), for the estimate's cache.
  void DataChanged() { ++data_generation_; }
  uint64_t data_generation_ = 0;
  mutable uint64_t estimate_generation_ = UINT64_MAX;  // UINT64_MAX: nothing cached
  mutable double estimate_ = 0;                        // the whole ring's, at estimate_generation_
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_STORE_H_
