// Ledger: a second, independent bookkeeping of the oracle's hardest figures, kept to catch the
// oracle (or the engine) being wrong. It shares no state with the oracle and keeps its records
// its own way: a log of every client write in issue order, the set of acknowledged versions,
// and per replica the versions applied since that replica last made its data durable.
//
// Durability follows the configuration's contract, never the store's own report, so a store
// that breaks its contract (storage.test_defect) disagrees with the ledger:
//   - commitlog_sync = "batch": a mutation is durable once applied;
//   - "periodic": a mutation applied through the commit log is durable at the node's next sync
//     tick, or at the next flush of its memtable (the store reports flushes by count);
//   - partitions ingested (streams, fetched SSTables) go straight into a synced SSTable.
// For each cell a replica applied since its last sync ("pending"), the ledger keeps the cell's
// durable version (the replica's cell just before the first pending version arrived, merged
// with anything ingested since) and the pending versions. Only a power loss can lose pending
// versions, so the ledger keeps them only when the scenario schedules a power loss.
//
// Checks, each counted as a disagreement when it fails:
//   - every crash, for every cell of the keys the node's memtable held or had pending: after a
//     process crash the replica's cell is what it was before (the OS keeps unsynced pages);
//     after a power loss it is the durable version for a pending cell and unchanged for any
//     other. So `crash` under periodic sync loses nothing, and `power_loss` loses exactly the
//     versions the ledger says were unsynced (ledger.power_loss.*). A pending cell that a
//     compaction purged (its durable tombstone may be gone, an older version may show through)
//     is skipped and counted as indeterminate, never guessed;
//   - at the end, lww.lost_updates recounted from the write log (an acknowledged write that an
//     earlier-issued write of its cell outranked by timestamp), data_loss.cells recounted from
//     every replica's data (the largest acknowledged version of a cell, against the merge of
//     every replica's cell; absence keeps an acknowledged delete, or a purged tombstone that
//     supersedes the acknowledged version) and zombies.cells (the merge of every replica's cell
//     is a live version below the largest tombstone of the cell that some compaction purged:
//     absence still stands for that delete) must equal the oracle's.
// Costs: O(cells) per mutation only while power losses are scheduled (a read of the replica's
// partition before a cell's first pending version); O(writes) for the log; at the end one read
// of every replica of every key with an acknowledged write or a purged tombstone. Enabled by
// [checks] ledger (dsim swarm enables it); the oracle never depends on it.
//
//   Ledger ledger(scenario, &ring, &cluster);   // cluster: the ReplicaReader
//   ledger.BeforeLogged(node, partition);       // then the store applies it
//   ledger.OnLogged(node, partition);
//   ledger.Finish(oracle_metrics); ledger.ExportTo(&metrics);
#ifndef DSIM_SIM_ORACLE_LEDGER_H_
#define DSIM_SIM_ORACLE_LEDGER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/compaction.h"
#include "engine/partition.h"
#include "sim/core/metrics.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/ring.h"
#include "sim/oracle/replica_reader.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class Ledger {
 public:
  // REQUIRES: ring and reader outlive the ledger.
  Ledger(const Scenario& scenario, const Ring* ring, ReplicaReader* reader);

  // The coordinator: a client write issued, and one that met its consistency level.
  void OnWriteIssued(uint64_t key, uint32_t column, const CellVersion& v);
  void OnWriteAcked(uint64_t key, uint32_t column, const CellVersion& v);

  // A mutation through `node`'s commit log: BeforeLogged before the store applies it (reads the
  // replica's durable cells where needed), OnLogged after.
  void BeforeLogged(NodeId node, const engine::Partition& p);
  void OnLogged(NodeId node, const engine::Partition& p);
  // Partitions written straight to a synced SSTable on `node` (streams, fetched SSTables).
  void OnIngested(NodeId node, const engine::Partition& p);
  // `node` made everything it applied durable (a sync tick, a flush).
  void OnDurable(NodeId node);
  // `node` ran a compaction; a purge of a pending cell makes that cell indeterminate.
  void OnCompaction(NodeId node, const engine::CompactionRecord& record);
  // A crash of `node`: BeforeCrash with the keys its memtable holds (reads them), AfterCrash
  // once the store recovered (rereads and compares). Recovery flushes: nothing stays pending.
  void BeforeCrash(NodeId node, const std::vector<std::string>& memtable_keys);
  void AfterCrash(NodeId node, bool power_loss);
  // `node` was replaced: an empty store.
  void OnWiped(NodeId node);
  // Some of `node`'s data of these keys may be unreadable (a corrupt SSTable, flipped or
  // quarantined): their pending cells' durable versions are no longer known (indeterminate).
  void OnCorrupted(NodeId node, const std::vector<std::string>& keys);

  // The end-of-run recounts, against the oracle's figures in `oracle_metrics`
  // (lww.lost_updates, data_loss.cells, zombies.cells).
  void Finish(const MetricSet& oracle_metrics);
  // ledger.* (see the README's metric table).
  void ExportTo(MetricSet* metrics) const;

  uint64_t disagreements() const { return crash_disagreements_ + finish_disagreements_; }
  // The first disagreement, in words ("" when none).
  const std::string& first_disagreement() const { return first_; }

 private:
  struct Pending {
    std::optional<CellVersion> durable;  // what survives a power loss (nullopt: nothing)
    std::vector<CellVersion> versions;   // applied since the last sync
    bool indeterminate = false;          // purged while pending
  };
  using VersionKey = std::tuple<uint64_t, int64_t, uint64_t, bool>;  // cell, ts, tag, tombstone
  static VersionKey KeyOf(uint64_t cell, const CellVersion& v) {
    return {cell, v.timestamp_us, v.tag, v.tombstone};
  }
  // The cell index of (key, column) when both are in the key space.
  std::optional<uint64_t> CellOf(std::string_view key, std::string_view column) const;
  std::optional<CellVersion> CellIn(const std::optional<engine::Partition>& p,
                                    uint32_t column) const;
  void Disagree(std::string what);
  uint64_t RecountLostUpdates() const;
  uint64_t RecountDataLoss();
  uint64_t RecountZombies();
  // Every replica's partition `key` (one per ring position; nullopt: none), and the merge of
  // their cells of `column`.
  std::vector<std::optional<engine::Partition>> ReadAllReplicas(uint64_t key);
  std::optional<CellVersion> Best(const std::vector<std::optional<engine::Partition>>& views,
                                  uint32_t column) const;

  uint64_t keys_;
  uint32_t columns_;
  const Ring* ring_;
  ReplicaReader* reader_;
  bool periodic_;       // the contract: durable at the next sync (else at once)
  bool track_pending_;  // some power loss is scheduled

  struct Write {
    uint64_t cell;
    CellVersion v;
  };
  std::vector<Write> writes_;  // issue order
  absl::flat_hash_set<VersionKey> acked_;
  std::vector<absl::btree_map<uint64_t, Pending>> pending_;  // by node, by cell
  absl::btree_map<uint64_t, CellVersion> purged_tomb_max_;   // by cell
  // BeforeCrash's reading: key index -> the partition before the crash.
  absl::btree_map<uint64_t, std::optional<engine::Partition>> before_crash_;

  uint64_t crashes_checked_ = 0;
  uint64_t cells_checked_ = 0;
  uint64_t unsynced_cells_ = 0;       // pending cells a power loss was predicted to roll back
  uint64_t acked_versions_lost_ = 0;  // acknowledged pending versions above the durable one
  uint64_t indeterminate_ = 0;
  uint64_t crash_disagreements_ = 0;
  uint64_t finish_disagreements_ = 0;
  uint64_t lost_updates_ = 0;
  uint64_t data_loss_ = 0;
  uint64_t zombies_ = 0;
  bool finished_ = false;
  std::string first_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_ORACLE_LEDGER_H_
