// ReplicationTracker: the oracle's record of single cell versions on their way to every replica
// of their key. It measures two things the divergent-cell count mixes together: how long each
// acknowledged write takes to reach every replica (the replication lag, a distribution), and
// when the cells a fault broke are whole again (convergence).
//
// A record is (cell, version v, held bits): bit p is set when replica position p (Ring::Position)
// holds v or a version that supersedes it under the engine's merge order, or holds no cell where
// absence stands for v (v is a tombstone, or the cell's winner is a tombstone >= v; see
// oracle.h). Two kinds:
//   - a write record per issued client cell write, from its issue until every replica holds it.
//     Its lag is completion - issue; it enters the distribution if the write was acknowledged
//     (when both have happened, in either order);
//   - an obligation per cell the current reference instant left owing: the target version every
//     replica must hold for the cell to count as repaired. An obligation is met while every bit
//     is set; the tracker keeps the number of unmet ones and the instant it last became 0.
//
// The oracle tells it what it sees, in the order it happens: a replica merged a version
// (OnMerged), a replica's cell was reread after it may have lost data (OnReread). The tracker
// never reads a replica itself. Each call costs one hash lookup of the cell plus O(records of the
// cell); memory is the records alive: writes not yet everywhere (or not yet acknowledged) and
// the current obligations. Records of writes that are never acknowledged (the operation failed)
// stay until the end of the run.
//
//   ReplicationTracker t(/*full=*/0b111);
//   t.AddWrite(cell, v, held, now);            // the oracle computed who already holds >= v
//   t.OnMerged(cell, /*bit=*/0b010, u, /*was_absent=*/false, /*also=*/0, now);
//   t.AckWrite(cell, v);
//   t.lag().Percentile(99, 100);
#ifndef DSIM_SIM_ORACLE_REPLICATION_TRACKER_H_
#define DSIM_SIM_ORACLE_REPLICATION_TRACKER_H_

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "sim/core/histogram.h"
#include "sim/core/time.h"
#include "sim/kv/kv_data.h"

namespace dsim::sim {

class ReplicationTracker {
 public:
  // `full`: the bits of every replica position of a key. REQUIRES: full != 0.
  explicit ReplicationTracker(uint16_t full);

  // A client wrote version v of `cell` at `now`; `held` are the replicas that already hold >= v.
  void AddWrite(uint64_t cell, const CellVersion& v, uint16_t held, Nanos now);
  // The write of version v of `cell` met its consistency level.
  void AckWrite(uint64_t cell, const CellVersion& v);

  // Drops every obligation: the new reference instant `at` starts with none (met since `at`).
  void ClearObligations(Nanos at);
  // `cell` owes `target` from `now` (`held`: the replicas holding >= target). When the cell
  // already owes a version >= target, nothing changes; otherwise the target is raised.
  void Owe(uint64_t cell, const CellVersion& target, uint16_t held, Nanos now);

  // What OnMerged saw of the write whose version is exactly the merged one, if any.
  struct FirstApplication {
    bool first = false;  // this was that write's first application anywhere
    Nanos issued = 0;    // when it was issued
    uint16_t held = 0;   // the replicas holding >= it now
  };
  // Replica `bit` merged version u into `cell` at `now`. was_absent: it held no cell before (so
  // it now holds exactly u). `also`: replicas that now hold u by absence (u became a tombstone
  // winner and they hold no cell).
  FirstApplication OnMerged(uint64_t cell, uint16_t bit, const CellVersion& u, bool was_absent,
                            uint16_t also, Nanos now);
  // Replica `bit`'s cell was reread (it may have lost data, or the winner changed): `holds(v)`
  // tells whether it now holds >= v.
  void OnReread(uint64_t cell, uint16_t bit, absl::FunctionRef<bool(const CellVersion&)> holds,
                Nanos now);

  // Whether `cell` has any record (the oracle skips the rest when not).
  bool Tracks(uint64_t cell) const { return records_.contains(cell); }

  uint64_t obligations() const { return obligations_; }  // created since the last clear
  uint64_t unmet() const { return unmet_; }
  Nanos met_since() const { return met_since_; }  // when unmet() last became 0
  // Replication lag of every acknowledged write that reached every replica (ns).
  const LatencyHistogram& lag() const { return lag_; }
  // Acknowledged writes not (yet) held by every replica. O(records).
  uint64_t UnreplicatedAcked() const;

 private:
  struct Record {
    CellVersion v;
    Nanos issued = 0;
    Nanos completed = -1;  // writes: when `held` first became full (-1: not yet)
    uint16_t held = 0;
    bool obligation = false;
    bool applied = false;  // writes: v itself was applied somewhere
    bool acked = false;
  };
  using Records = absl::InlinedVector<Record, 1>;

  // A write record whose lag is recorded: it is complete and acknowledged.
  static bool Done(const Record& r) { return !r.obligation && r.completed >= 0 && r.acked; }
  // Sets r's bits to `held`, at `now`: keeps the unmet count, completes a write. Returns
  // Done(*r).
  bool SetHeld(Record* r, uint16_t held, Nanos now);
  // Erases the done records of the cell `it` points at (and the cell, when none is left).
  void EraseDone(absl::flat_hash_map<uint64_t, Records>::iterator it);

  uint16_t full_;
  absl::flat_hash_map<uint64_t, Records> records_;
  uint64_t obligations_ = 0;
  uint64_t unmet_ = 0;
  Nanos met_since_ = 0;
  LatencyHistogram lag_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_ORACLE_REPLICATION_TRACKER_H_
