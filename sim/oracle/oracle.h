// Oracle: the omniscient checker of the key-value cluster. It sees every cell version applied to
// any replica, every write a client issued or had acknowledged, and true time; it never
// influences the run (it draws no randomness, schedules nothing and answers no node).
//
// State, per cell (partition key x column) of the workload's key space, 48 bytes:
//   - the winner: the CRDT merge of every version ever applied to any replica;
//   - two bitmasks over the key's replica positions (Ring::Position): which replicas hold the
//     winner, and which hold any version of the cell. A replica holds the winner when its
//     current cell equals it, or when the winner is a tombstone and the replica has no cell at
//     all (the tombstone was purged, or never needed: absence reads the same as a deletion);
//   - the largest timestamp issued so far (lost updates) and the largest acknowledged version
//     (data loss).
// A cell is divergent when it has a winner and some replica of its key, up or down, does not
// hold it (a down node counts with the data it will come back with: its durable state).
// A winner that no replica holds any more after it lost data (a crash dropping unsynced writes,
// a replace) has been destroyed everywhere (a tombstone winner: its last copy as a cell went,
// whatever absence elsewhere stands for): the winner is then re-derived from what the
// replicas still hold (their merge; none: the cell is no longer tracked), so replicas that
// agree on what survived count as converged, and the loss shows in data_loss instead. (A copy
// still in flight, e.g. a hint, that lands later becomes the winner again.) A tombstone winner
// that some compaction purged is never re-derived, even when its other copies are destroyed
// later: absence holds it wherever it was purged, and live data that comes back over it is
// divergent (a zombie).
//
// Feeding it: the cluster calls one hook per change and nothing else — OnApplied for every
// application (client writes, hints, read repair, streamed partitions), and OnReplicaLost,
// OnReplicaWiped and OnCompaction for every event that can take a version away (a crash losing
// unsynced writes, a replace, a tombstone purge, as the engine's CompactionRecord reports it).
// The oracle updates the cell's record in O(1) per applied cell; after a loss it decides which
// partitions to reread and reads them itself through a ReplicaReader (replica_reader.h), for
// the affected keys only. The divergent-cell count is a counter: a sample costs O(1), never a
// scan.
//
// Convergence: the reference instant R is the last `mark` if there was one, otherwise the last
// fault event (a fault applied or undone, a heal, a crash/restart/replace, a verify, the end of
// a drop_mutations window; repairs are not faults). At R (after everything that happened at R)
// every divergent cell owes its winner; so does every cell whose write was issued at or before
// R but first reached a replica after it (the write's version, if larger). A cell's obligation
// is met while every replica holds its target or a version that supersedes it. convergence.time
// = the instant the last unmet obligation was met, minus R (0 when nothing was owed); null when
// some obligation is unmet at the end. Writes issued after R owe nothing, so the workload's own
// in-flight writes do not hold convergence back: they show in the replication lag instead (for
// every acknowledged cell write, the time from its issue until every replica holds it or
// something newer; replication_tracker.h). convergence.quiescence_time is the older, coarser
// figure: max(0, Z - R) where Z is the instant the divergent count last became 0 (the
// workload's in-flight writes included). The divergence area integrates the divergent count
// over true time (cells x seconds).
//
// End-of-run checks (Finish) read replicas only for the cells whose record cannot decide alone
// (no replica holds the winner, or the winner is a tombstone not held everywhere). For such a
// cell, "best" is the merge of the replicas' current cells (what a full repair would converge
// to):
//   - zombie: the winner is a tombstone but best is a live value (deleted data that came back);
//   - data loss: an acknowledged write, the largest for its cell, that best neither equals nor
//     supersedes (for an acknowledged tombstone, an absent cell counts as kept).
//
//   Oracle oracle(kv.keys, kv.columns, &ring);
//   oracle.SetReplicaReader(&cluster);
//   oracle.OnWriteIssued(key, column, version, now);
//   oracle.OnApplied(node, partition, now);   // after the store merged it
//   uint64_t d = oracle.divergent_cells();
#ifndef DSIM_SIM_ORACLE_H_
#define DSIM_SIM_ORACLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/btree_set.h"
#include "engine/compaction.h"
#include "engine/partition.h"
#include "engine/token.h"
#include "sim/core/metrics.h"
#include "sim/core/time.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/ring.h"
#include "sim/oracle/oracle_tap.h"
#include "sim/oracle/replica_reader.h"
#include "sim/oracle/replication_tracker.h"

namespace dsim::sim {

class Oracle {
 public:
  // Tracks keys "k0".."k<keys-1>" with `columns` columns each. REQUIRES: ring outlives it.
  Oracle(uint64_t keys, uint32_t columns, const Ring* ring);

  uint64_t keys() const { return keys_; }
  uint32_t columns() const { return columns_; }
  // The key's segment on the ring (cached).
  uint32_t SegmentOfKey(uint64_t key) const { return key_segment_[key]; }

  // Where the oracle reads replicas (the hooks after a loss, and Finish). REQUIRES: set before
  // the first of those; the reader outlives the oracle's use of it.
  void SetReplicaReader(ReplicaReader* reader) { reader_ = reader; }
  // Where the oracle copies every hook (oracle_tap.h); nullptr: none. For tests.
  void SetTap(OracleTap* tap) { tap_ = tap; }

  // A client write of (key, column) with version v was issued at true time `now`. Notes a lost
  // update, counted when the write is acknowledged (OnWriteAcked), when an earlier-issued write
  // of the cell had a strictly larger timestamp; starts the
  // write's replication lag (reads the replicas when the write is older than the winner and a
  // replica lacking the winner may hold something between the two).
  void OnWriteIssued(uint64_t key, uint32_t column, const CellVersion& v, Nanos now);
  // A replica acknowledged a write of (key, column) that then met its consistency level.
  void OnWriteAcked(uint64_t key, uint32_t column, const CellVersion& v);

  // `incoming` was merged into `node`'s store at `now`. O(cells of incoming).
  void OnApplied(NodeId node, const engine::Partition& incoming, Nanos now);
  // `node` may have lost data of these partitions (a crash dropped its memtable: `keys` are the
  // partition keys it held, any order; keys outside the key space are ignored). Rereads each,
  // in byte order of the key, and re-derives any winner no replica holds any more.
  void OnReplicaLost(NodeId node, std::vector<std::string> keys, Nanos now);
  // `node` lost every cell (replace): it now holds exactly the tombstone winners of its keys.
  // Re-derives, in key order, the winners no replica holds any more.
  void OnReplicaWiped(NodeId node, Nanos now);
  // `node`'s store ran the compaction `record` describes. Only a purge changes what the replica
  // holds; after one, rereads the partitions the record lists (see OnCompaction in oracle.cc).
  void OnCompaction(NodeId node, const engine::CompactionRecord& record, Nanos now);

  // Reference instants for convergence. The cells owed at the new instant are taken when the
  // next change at a later instant arrives (or at Finish): O(cells) per reference instant.
  void NoteFault(Nanos now);
  void Mark(Nanos now);

  uint64_t divergent_cells() const { return divergent_; }
  uint64_t tracked_cells() const { return tracked_; }
  // The divergence area (cells x s) accrued up to `now` (>= the last change's time).
  double divergence_area_until(Nanos now) const {
    return (area_cell_ns_ +
            static_cast<double>(divergent_) * static_cast<double>(now - last_change_)) /
           1e9;
  }
  // The largest divergent count since the previous call (or the start); restarts the span at
  // the current count. For per-window figures (sim/kv/window_recorder.h).
  uint64_t TakeSpanMax() {
    const uint64_t m = span_max_;
    span_max_ = divergent_;
    return m;
  }

  // The cells the reference instant owes that some replica still lacks, and the acknowledged
  // writes whose replication lag is known: the run so far (for tests).
  uint64_t owed_cells() const { return tracker_.obligations(); }
  uint64_t owed_cells_unmet() const { return tracker_.unmet(); }
  uint64_t replication_lags_known() const { return tracker_.lag().count(); }

  // Per replica: the cells of its keys it does not hold the winner of (a cell is divergent when
  // some replica lags on it), now and at its own worst moment. O(1) to read, kept with the masks
  // (O(R) per mask change).
  uint64_t lagging_cells(NodeId node) const { return lagging_[node]; }
  uint64_t lagging_cells_max(NodeId node) const { return lagging_max_[node]; }
  // The same per-replica counts recounted from every cell's record, for tests: O(cells x R).
  std::vector<uint64_t> RecountLagging() const;

  // Stale reads (oracle_reads.cc). The largest acknowledged version of each column of `key`
  // (nullopt: none acknowledged yet), into *acked (resized to columns()), taken when a read is
  // issued. O(columns), no allocation once *acked has grown.
  void AckedVersions(uint64_t key, std::vector<std::optional<CellVersion>>* acked) const;
  // A read of `key`, issued when AckedVersions was `acked_at_issue`, met its consistency level
  // with `result`, the merge of the responses it counted (nullopt: no replica had the partition).
  // The read is stale when some column's result neither equals nor supersedes the version
  // acknowledged before the read began: a write acknowledged to the client is missing from a
  // later read. Absence reads as a deletion: it is stale only against a live version that no
  // tombstone winner has since superseded (a purged deletion is not staleness).
  void OnReadMet(uint64_t key, const std::vector<std::optional<CellVersion>>& acked_at_issue,
                 const std::optional<engine::Partition>& result);
  uint64_t stale_reads() const { return stale_reads_; }

  // End-of-run checks, reading through the ReplicaReader only the cells the record cannot
  // decide alone.
  void Finish(Nanos end);

  // convergence.*, lww.*, zombies.*, data_loss.*, reads.* (see the README's metric table).
  void ExportTo(MetricSet* metrics) const;

 private:
  enum Flags : uint8_t {
    kExists = 1,      // some version was applied somewhere
    kWinnerTomb = 2,  // the winner is a tombstone
    kIssued = 4,      // issued_max_ts is set
    kAcked = 8,       // acked_* is set
    kAckedTomb = 16,
    // The tombstone winner's last copy was destroyed (a wipe, a loss of unsynced writes): no
    // replica holds it but by absence, so it is re-derived (RederiveWinners). Not set by a
    // purge: absence after a purge still holds the delete.
    kTombLost = 32,
    // Some compaction purged the tombstone winner: its absence stands for the delete wherever it
    // was purged, so losing its other copies never makes it lost (kTombLost is not set).
    kTombPurged = 64,
  };
  struct CellState {
    int64_t winner_ts = 0;
    uint64_t winner_tag = 0;
    int64_t issued_max_ts = 0;
    int64_t acked_ts = 0;
    uint64_t acked_tag = 0;
    uint16_t mask = 0;     // replicas holding the winner
    uint16_t present = 0;  // replicas holding some version
    uint8_t flags = 0;
  };

  CellVersion Winner(const CellState& s) const {
    return CellVersion{s.winner_ts, (s.flags & kWinnerTomb) != 0, s.winner_tag};
  }
  uint16_t FullMask() const {
    return static_cast<uint16_t>((1u << ring_->replicas_per_segment()) - 1);
  }
  bool Divergent(const CellState& s) const { return (s.flags & kExists) && s.mask != FullMask(); }
  // The replica positions of s that lag: every position without the winner, when s exists.
  uint16_t LaggingBits(const CellState& s) const {
    return (s.flags & kExists) ? static_cast<uint16_t>(~s.mask & FullMask()) : uint16_t{0};
  }
  // Moves the per-replica lagging counts of the cell *s from bits `before` to `after`.
  void UpdateLagging(const CellState* s, uint16_t before, uint16_t after);
  // Whether a replica whose cell is `held` (nullopt: none) holds v or something newer.
  bool HoldsAtLeast(const CellState& s, const std::optional<CellVersion>& held,
                    const CellVersion& v) const;
  // The replicas of `key` holding >= v in cell s (reads them only when the record cannot tell).
  uint16_t HeldAtLeast(uint64_t key, uint32_t column, const CellVersion& v);
  // Tells the tracker that replica `bit` of cell `index` now holds `held` (nullopt: none).
  void TellHeld(uint64_t index, uint16_t bit, const std::optional<CellVersion>& held, Nanos now);
  // Takes the cells owed at the reference instant, if it moved and `now` is past it.
  void MaybeRebase(Nanos now) {
    if (rebase_pending_ && now > reference_) Rebase();
  }
  void Rebase();
  void ExportConvergence(MetricSet* metrics) const;  // convergence.*, replication_lag.*
  // Merges version v, just applied to replica `bit`, into the record *s (winner, masks, counts).
  // Returns the other replicas that now hold v by absence (v became a tombstone winner).
  uint16_t ApplyToRecord(CellState* s, uint16_t bit, const CellVersion& v, Nanos now);
  // Sets s's mask, keeping the divergent count and area exact.
  void SetMask(CellState* s, uint16_t mask, Nanos now);
  void Advance(Nanos now);
  int PositionOf(NodeId node, uint64_t key) const;
  // Every replica's current partition `key`, one per ring position (nullopt: none).
  std::vector<std::optional<engine::Partition>> ReadReplicas(uint64_t key);
  // Rereads `node`'s partition `key` (a kv key string) and recomputes its bits; re-derives the
  // key's lost winners if that leaves one held by no replica. `destroyed`: the node lost data
  // (a tombstone it held is gone, not purged).
  void Reread(NodeId node, const std::string& key, bool destroyed, Nanos now);
  // Re-derives `node`'s bits for `key` from its current partition (nullptr: none), after the
  // node may have lost data. Returns true when no replica holds some cell's winner any more
  // (a tombstone winner: no replica holds it but by absence, after `destroyed` took its last
  // copy; kTombLost).
  bool RecomputeReplica(NodeId node, uint64_t key, const engine::Partition* current, bool destroyed,
                        Nanos now);
  // Whether s's winner is a tombstone held by some replica as a cell, not only by absence.
  static bool TombHeld(const CellState& s) { return (s.mask & s.present) != 0; }
  // Whether no replica holds s's winner any more, so it must be re-derived: a live winner no
  // replica holds, or a tombstone winner whose last copy was destroyed (kTombLost). A purged
  // tombstone winner is never lost, even once every replica holds older live data again (a
  // repair spread the zombie): absence still stands for the delete.
  static bool WinnerLost(const CellState& s) {
    if (s.flags & kWinnerTomb) return (s.flags & kTombLost) != 0;
    return s.mask == 0;
  }
  // For every cell of `key` that no replica holds the winner of (mask 0, or kTombLost), the
  // winner becomes the merge of the replicas' current cells (`views`, one per replica
  // position; nullopt: none).
  void RederiveWinners(uint64_t key, const std::vector<std::optional<engine::Partition>>& views,
                       Nanos now);

  uint64_t keys_;
  uint32_t columns_;
  const Ring* ring_;
  ReplicaReader* reader_ = nullptr;
  OracleTap* tap_ = nullptr;
  std::vector<uint32_t> key_segment_;
  std::vector<CellState> cells_;
  ReplicationTracker tracker_;

  std::vector<uint64_t> lagging_;      // by NodeId
  std::vector<uint64_t> lagging_max_;  // by NodeId
  uint64_t tracked_ = 0;               // cells with a winner
  uint64_t divergent_ = 0;
  uint64_t divergent_max_ = 0;
  uint64_t span_max_ = 0;    // TakeSpanMax
  double area_cell_ns_ = 0;  // integral of divergent_ over time (cells x ns)
  Nanos last_change_ = 0;
  Nanos zero_since_ = 0;  // when divergent_ last became 0
  Nanos reference_ = 0;
  bool rebase_pending_ = false;  // reference_ moved; the owed cells are not taken yet
  bool marked_ = false;
  Nanos end_ = 0;
  bool finished_ = false;

  uint64_t untracked_cells_ = 0;  // applied cells outside the key space (not checked)
  uint64_t writes_issued_ = 0;
  uint64_t lost_updates_ = 0;
  // Writes issued with a timestamp below an earlier-issued write of their cell, not yet
  // acknowledged: (cell index, timestamp, tag, tombstone). One becomes a lost update at its ack.
  absl::btree_set<std::tuple<uint64_t, int64_t, uint64_t, bool>> shadowed_unacked_;
  uint64_t recomputes_ = 0;
  uint64_t winners_lost_ = 0;
  uint64_t zombies_ = 0;
  uint64_t data_loss_ = 0;
  uint64_t acked_cells_ = 0;
  uint64_t end_checked_cells_ = 0;
  uint64_t reads_checked_ = 0;  // reads that met their level (OnReadMet)
  uint64_t stale_reads_ = 0;
  uint64_t stale_read_cells_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_ORACLE_H_
