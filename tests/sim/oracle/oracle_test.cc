#include "sim/oracle/oracle.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/partition.h"
#include "sim/kv/kv_data.h"
#include "sim/net/topology.h"

namespace dsim::sim {
namespace {

// The replicas' current data as the oracle reads it; counts the reads.
class FakeReplicas : public ReplicaReader {
 public:
  std::optional<engine::Partition> ReadReplica(NodeId node, std::string_view key) override {
    ++reads;
    auto it = data.find({node, std::string(key)});
    if (it == data.end()) return std::nullopt;
    return it->second;
  }
  void Set(NodeId node, const engine::Partition& p) { data.insert_or_assign({node, p.key()}, p); }

  std::map<std::pair<NodeId, std::string>, engine::Partition> data;
  uint64_t reads = 0;
};

// Three nodes, RF 3: every key lives on every node.
class OracleTest : public ::testing::Test {
 protected:
  OracleTest() {
    ClusterConfig c;
    c.nodes = 3;
    c.vnodes = 4;
    topo_.emplace(*Topology::Create(c, NetworkConfig{}));
    ring_.emplace(*Ring::Create(c, *topo_, 3));
    oracle_.emplace(/*keys=*/10, /*columns=*/2, &*ring_);
    oracle_->SetReplicaReader(&replicas_);
  }

  static engine::Partition Live(uint64_t key, uint32_t col, uint64_t id, int64_t ts) {
    engine::Partition p(KvKey(key));
    p.Put(KvColumn(col), engine::Cell::Live(KvValue(id, 16), ts));
    return p;
  }
  static engine::Partition Dead(uint64_t key, uint32_t col, int64_t ts) {
    engine::Partition p(KvKey(key));
    p.Put(KvColumn(col), engine::Cell::Tombstone(ts, ts));
    return p;
  }
  // A compaction on one replica that purged `purged` (tombstones of `key`).
  static engine::CompactionRecord Purge(uint64_t key, const engine::Partition& purged) {
    engine::CompactionRecord r;
    for (const auto& [column, cell] : purged.cells()) {
      r.purged_cells.push_back({KvKey(key), column, cell});
    }
    r.tombstones_purged = r.purged_cells.size();
    r.expired_tombstone_keys = {KvKey(key)};
    return r;
  }
  // Ends the run with data[key][node] as the replicas' data.
  void Finish(Nanos end, const std::vector<std::vector<std::optional<engine::Partition>>>& data) {
    replicas_.data.clear();
    for (uint64_t key = 0; key < data.size(); ++key) {
      for (NodeId node = 0; node < data[key].size(); ++node) {
        if (data[key][node]) replicas_.Set(node, *data[key][node]);
      }
    }
    oracle_->Finish(end);
  }
  uint64_t Metric(const char* path) {
    MetricSet m;
    oracle_->ExportTo(&m);
    return m.Get(path)["value"].get<uint64_t>();
  }

  std::optional<Topology> topo_;
  std::optional<Ring> ring_;
  std::optional<Oracle> oracle_;
  FakeReplicas replicas_;
};

TEST_F(OracleTest, AWriteIsDivergentUntilEveryReplicaHoldsIt) {
  Oracle& o = *oracle_;
  o.OnApplied(0, Live(1, 0, 1, 100), 10);
  EXPECT_EQ(o.divergent_cells(), 1u);
  EXPECT_EQ(o.tracked_cells(), 1u);
  o.OnApplied(1, Live(1, 0, 1, 100), 20);
  EXPECT_EQ(o.divergent_cells(), 1u);
  // An older version on the last replica does not help.
  o.OnApplied(2, Live(1, 0, 7, 50), 30);
  EXPECT_EQ(o.divergent_cells(), 1u);
  o.OnApplied(2, Live(1, 0, 1, 100), 40);
  EXPECT_EQ(o.divergent_cells(), 0u);
  // A newer version somewhere makes the others stale again.
  o.OnApplied(1, Live(1, 0, 2, 200), 50);
  EXPECT_EQ(o.divergent_cells(), 1u);
}

TEST_F(OracleTest, AbsenceHoldsATombstoneButNotAfterOlderDataLands) {
  Oracle& o = *oracle_;
  // A delete of a cell nobody had: every replica "holds" it (absence reads as deleted).
  o.OnApplied(0, Dead(2, 1, 100), 1);
  EXPECT_EQ(o.divergent_cells(), 0u);
  // Older live data lands on replica 1 (e.g. a delayed write): it no longer holds the delete.
  o.OnApplied(1, Live(2, 1, 3, 50), 2);
  EXPECT_EQ(o.divergent_cells(), 1u);
  // The tombstone reaches it: it shadows the old value.
  o.OnApplied(1, Dead(2, 1, 100), 3);
  EXPECT_EQ(o.divergent_cells(), 0u);
  // A new live write on 0, then a newer tombstone on 0: 1 and 2 hold older versions (1 the old
  // tombstone, 2 nothing, which does hold the new tombstone).
  o.OnApplied(0, Live(2, 1, 4, 150), 4);
  EXPECT_EQ(o.divergent_cells(), 1u);
  o.OnApplied(0, Dead(2, 1, 160), 5);
  EXPECT_EQ(o.divergent_cells(), 1u);  // replica 1 has the tombstone at 100
  o.OnApplied(1, Dead(2, 1, 160), 6);
  EXPECT_EQ(o.divergent_cells(), 0u);  // replica 2 holds it by absence
}

TEST_F(OracleTest, RecomputeAfterLossAndRederiveWhenTheWinnerIsGoneEverywhere) {
  Oracle& o = *oracle_;
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(3, 0, 1, 100), 1);
  o.OnApplied(0, Live(3, 0, 2, 200), 2);
  EXPECT_EQ(o.divergent_cells(), 1u);
  // Node 0 crashes and loses the new version: back to the old one, which the others hold.
  const engine::Partition old = Live(3, 0, 1, 100);
  for (NodeId n = 0; n < 3; ++n) replicas_.Set(n, old);
  o.OnReplicaLost(0, {KvKey(3), "not-a-kv-key"}, 3);
  // Nobody holds the winner any more: the oracle reread node 0, then every replica to re-derive.
  EXPECT_EQ(replicas_.reads, 1u + 3u);
  std::vector<std::optional<engine::Partition>> views(3, old);
  EXPECT_EQ(o.divergent_cells(), 0u);
  MetricSet m;
  // An acknowledged write that is gone everywhere is data loss at the end.
  o.OnWriteAcked(3, 0, VersionOf(Live(3, 0, 2, 200).cells().begin()->second));
  std::vector<std::vector<std::optional<engine::Partition>>> data(4, views);
  Finish(10, data);
  EXPECT_EQ(Metric("data_loss.cells"), 1u);
  EXPECT_EQ(Metric("oracle.winners_lost"), 1u);
}

// Found by the ledger on swarm seed 220: an acknowledged delete lost on the replicas that had
// it re-derives the winner from an older delete, and every replica purges that one. Nothing is
// left anywhere, and absence keeps an acknowledged delete: no data is lost (the older purged
// tombstone must not stand in for the cell and count the newer delete as lost).
TEST_F(OracleTest, AnAcknowledgedDeleteIsKeptByAbsenceAfterAnOlderPurgedWinner) {
  Oracle& o = *oracle_;
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Dead(5, 0, 100), 1);
  o.OnApplied(0, Dead(5, 0, 200), 2);
  o.OnApplied(1, Dead(5, 0, 200), 2);
  o.OnWriteAcked(5, 0, VersionOf(Dead(5, 0, 200).cells().begin()->second));
  for (NodeId n = 0; n < 3; ++n) replicas_.Set(n, Dead(5, 0, 100));
  o.OnReplicaLost(0, {KvKey(5)}, 3);  // the unsynced newer delete goes
  o.OnReplicaLost(1, {KvKey(5)}, 3);
  replicas_.data.clear();
  for (NodeId n = 0; n < 3; ++n) o.OnCompaction(n, Purge(5, Dead(5, 0, 100)), 4);
  Finish(10, {});
  EXPECT_EQ(Metric("oracle.winners_lost"), 1u);  // the older delete became the winner again
  EXPECT_EQ(Metric("data_loss.cells"), 0u);
  EXPECT_EQ(Metric("zombies.cells"), 0u);
}

TEST_F(OracleTest, ZombieWhenPurgedDeletesMeetOldData) {
  Oracle& o = *oracle_;
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(4, 0, 1, 100), 1);
  o.OnApplied(0, Dead(4, 0, 200), 2);
  o.OnApplied(1, Dead(4, 0, 200), 2);
  o.OnWriteAcked(4, 0, VersionOf(Dead(4, 0, 200).cells().begin()->second));
  EXPECT_EQ(o.divergent_cells(), 1u);  // replica 2 missed the delete
  // Replicas 0 and 1 purge the tombstone: they hold the deletion by absence.
  replicas_.Set(2, Live(4, 0, 1, 100));
  o.OnCompaction(0, Purge(4, Dead(4, 0, 200)), 3);
  o.OnCompaction(1, Purge(4, Dead(4, 0, 200)), 3);
  EXPECT_EQ(replicas_.reads, 2u);  // each reread its own partition; no winner was lost
  EXPECT_EQ(o.divergent_cells(), 1u);
  // Repair streams replica 2's old value to them: every replica now has it. Still divergent.
  o.OnApplied(0, Live(4, 0, 1, 100), 4);
  o.OnApplied(1, Live(4, 0, 1, 100), 4);
  EXPECT_EQ(o.divergent_cells(), 1u);
  std::vector<std::vector<std::optional<engine::Partition>>> data(
      5, std::vector<std::optional<engine::Partition>>(3, Live(4, 0, 1, 100)));
  Finish(10, data);
  EXPECT_EQ(Metric("zombies.cells"), 1u);
  EXPECT_EQ(Metric("data_loss.cells"), 1u);  // the acknowledged delete did not hold
}

// Once a repair spread the zombie to every replica, no replica holds the purged delete even by
// absence; a later reread of the key (here a purge of another column) must not re-derive the
// winner from the zombie: the delete still stands, the cell stays divergent and a zombie at the
// end. (Found by the ledger's zombie recount on swarm seeds 40, 138, 144 and 194.)
TEST_F(OracleTest, ASpreadZombieStaysAZombieWhenItsKeyIsReread) {
  Oracle& o = *oracle_;
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(4, 0, 1, 100), 1);
  o.OnApplied(0, Dead(4, 0, 200), 2);
  o.OnApplied(1, Dead(4, 0, 200), 2);
  replicas_.Set(2, Live(4, 0, 1, 100));
  o.OnCompaction(0, Purge(4, Dead(4, 0, 200)), 3);
  o.OnCompaction(1, Purge(4, Dead(4, 0, 200)), 3);
  o.OnApplied(0, Live(4, 0, 1, 100), 4);
  o.OnApplied(1, Live(4, 0, 1, 100), 4);
  // Column 1 of the key: deleted on replica 0, then purged there; replica 0 is reread.
  o.OnApplied(0, Dead(4, 1, 300), 5);
  replicas_.Set(0, Live(4, 0, 1, 100));
  o.OnCompaction(0, Purge(4, Dead(4, 1, 300)), 6);
  EXPECT_EQ(o.divergent_cells(), 1u);  // column 0's zombie (absence holds column 1's delete)
  std::vector<std::vector<std::optional<engine::Partition>>> data(
      5, std::vector<std::optional<engine::Partition>>(3, Live(4, 0, 1, 100)));
  Finish(10, data);
  EXPECT_EQ(Metric("zombies.cells"), 1u);
  EXPECT_EQ(Metric("oracle.winners_lost"), 0u);
}

// A delete purged on one replica stands there by absence: when another replica then loses its
// copy of the tombstone (a crash, a corrupt SSTable), the winner is not re-derived from the old
// value a third replica holds, and that value is a zombie. (Found by the ledger on swarm seeds
// with corrupt_sstable faults.)
TEST_F(OracleTest, APurgedDeleteStandsWhenItsLastCopyIsDestroyedElsewhere) {
  Oracle& o = *oracle_;
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(5, 0, 1, 100), 1);
  o.OnApplied(0, Dead(5, 0, 200), 2);
  o.OnApplied(1, Dead(5, 0, 200), 2);
  replicas_.Set(2, Live(5, 0, 1, 100));
  o.OnCompaction(0, Purge(5, Dead(5, 0, 200)), 3);  // replica 0 holds the delete by absence
  o.OnReplicaLost(1, {KvKey(5)}, 4);                // replica 1 reads nothing now
  EXPECT_EQ(o.divergent_cells(), 1u);               // replica 2's old value still lags the delete
  std::vector<std::vector<std::optional<engine::Partition>>> data(
      6, std::vector<std::optional<engine::Partition>>(3));
  data[5][2] = Live(5, 0, 1, 100);
  Finish(10, data);
  EXPECT_EQ(Metric("zombies.cells"), 1u);
  EXPECT_EQ(Metric("oracle.winners_lost"), 0u);
}

// A compaction that purged nothing changed nothing the oracle tracks: it reads nothing.
TEST_F(OracleTest, CompactionWithoutPurgeReadsNothing) {
  Oracle& o = *oracle_;
  o.OnApplied(0, Dead(5, 0, 100), 1);
  engine::CompactionRecord r = Purge(5, Dead(5, 0, 100));
  r.purged_cells.clear();
  r.tombstones_purged = 0;
  o.OnCompaction(0, r, 2);
  EXPECT_EQ(replicas_.reads, 0u);
  Finish(3, {});
  EXPECT_EQ(Metric("oracle.replica_rereads"), 0u);
}

// A replace wipes a node: a live winner only it held is gone everywhere, and is re-derived from
// what the other replicas hold.
TEST_F(OracleTest, ReplaceRederivesWinnersOnlyTheWipedNodeHeld) {
  Oracle& o = *oracle_;
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(6, 1, 1, 100), 1);
  o.OnApplied(2, Live(6, 1, 2, 200), 2);
  EXPECT_EQ(o.divergent_cells(), 1u);
  replicas_.Set(0, Live(6, 1, 1, 100));
  replicas_.Set(1, Live(6, 1, 1, 100));
  o.OnReplicaWiped(2, 3);
  EXPECT_EQ(replicas_.reads, 3u);      // one re-derivation of key 6
  EXPECT_EQ(o.divergent_cells(), 1u);  // node 2 holds nothing yet
  o.OnApplied(2, Live(6, 1, 1, 100), 4);
  EXPECT_EQ(o.divergent_cells(), 0u);
  Finish(5, {});
  EXPECT_EQ(Metric("oracle.winners_lost"), 1u);
}

// The swarm-found bug: a delete that reached only the node then replaced. Its tombstone winner
// is gone everywhere, although every replica without the cell still "holds" it by absence; the
// winner must be re-derived (the old value), else the old value repair spreads reads as a
// zombie and the cell never converges.
TEST_F(OracleTest, ReplaceRederivesATombstoneWinnerOnlyTheWipedNodeHeld) {
  Oracle& o = *oracle_;
  o.OnApplied(0, Live(7, 0, 1, 100), 1);  // only replica 0 has the value
  o.OnApplied(2, Dead(7, 0, 200), 2);     // only replica 2 the delete (never acknowledged)
  EXPECT_EQ(o.divergent_cells(), 1u);     // replica 0 lags; 1 holds the delete by absence
  replicas_.Set(0, Live(7, 0, 1, 100));
  o.OnReplicaWiped(2, 3);
  EXPECT_EQ(replicas_.reads, 3u);      // key 7 re-derived: the value is the winner again
  EXPECT_EQ(o.divergent_cells(), 1u);  // 1 and 2 lack it
  o.OnApplied(1, Live(7, 0, 1, 100), 4);
  o.OnApplied(2, Live(7, 0, 1, 100), 4);
  EXPECT_EQ(o.divergent_cells(), 0u);
  std::vector<std::vector<std::optional<engine::Partition>>> data(
      8, std::vector<std::optional<engine::Partition>>(3, Live(7, 0, 1, 100)));
  Finish(5, data);
  EXPECT_EQ(Metric("zombies.cells"), 0u);
  EXPECT_EQ(Metric("oracle.winners_lost"), 1u);
}

// The same through a loss of unsynced writes (OnReplicaLost) on the only node with the delete.
// A purge is different: absence still holds a purged delete (ZombieWhenPurgedDeletesMeetOldData).
TEST_F(OracleTest, LostUnsyncedTombstoneIsRederivedButAPurgedOneIsNot) {
  Oracle& o = *oracle_;
  o.OnApplied(0, Live(8, 0, 1, 100), 1);
  o.OnApplied(2, Dead(8, 0, 200), 2);
  replicas_.Set(0, Live(8, 0, 1, 100));
  o.OnReplicaLost(2, {KvKey(8)}, 3);  // replica 2 reads nothing now
  EXPECT_EQ(o.divergent_cells(), 1u);
  o.OnApplied(1, Live(8, 0, 1, 100), 4);
  o.OnApplied(2, Live(8, 0, 1, 100), 4);
  EXPECT_EQ(o.divergent_cells(), 0u);  // the value is the winner: converged
  // A purged delete on key 9 stays the winner.
  o.OnApplied(0, Live(9, 0, 1, 100), 5);
  o.OnApplied(2, Dead(9, 0, 200), 6);
  o.OnCompaction(2, Purge(9, Dead(9, 0, 200)), 7);
  o.OnApplied(2, Live(9, 0, 1, 100), 8);  // repair brings the old value back over it
  EXPECT_EQ(o.divergent_cells(), 1u);
}

// A read that met its consistency level is stale when, for some column, it returned a version
// older than the one acknowledged before it was issued; absence is stale only against a live
// acknowledged version that no tombstone winner covers.
TEST_F(OracleTest, StaleReadsAgainstWhatWasAcknowledgedAtIssue) {
  Oracle& o = *oracle_;
  std::vector<std::optional<CellVersion>> acked;
  o.AckedVersions(1, &acked);
  o.OnReadMet(1, acked, std::nullopt);  // nothing acknowledged yet: nothing to miss
  const engine::Partition v1 = Live(1, 0, 1, 100);
  o.OnApplied(0, v1, 1);
  o.OnWriteAcked(1, 0, VersionOf(v1.cells().begin()->second));
  o.AckedVersions(1, &acked);
  o.OnReadMet(1, acked, v1);                  // fresh
  o.OnReadMet(1, acked, std::nullopt);        // stale: the value is missing
  o.OnReadMet(1, acked, Live(1, 0, 9, 50));   // stale: older
  o.OnReadMet(1, acked, Live(1, 0, 2, 300));  // newer than acknowledged: fine
  // A write acknowledged after issue does not count against the read.
  const engine::Partition v3 = Live(1, 0, 3, 400);
  o.OnApplied(0, v3, 2);
  o.OnWriteAcked(1, 0, VersionOf(v3.cells().begin()->second));
  o.OnReadMet(1, acked, v1);  // fresh against what was acknowledged at its issue
  // An acknowledged delete: absence is fine.
  const engine::Partition d = Dead(1, 0, 500);
  o.OnApplied(0, d, 3);
  o.OnWriteAcked(1, 0, VersionOf(d.cells().begin()->second));
  o.AckedVersions(1, &acked);
  o.OnReadMet(1, acked, std::nullopt);
  Finish(4, {});
  EXPECT_EQ(Metric("reads.checked"), 7u);
  EXPECT_EQ(Metric("reads.stale"), 2u);
  EXPECT_EQ(Metric("reads.stale_cells"), 2u);
}

// A lost update is an acknowledged write that an earlier-issued write of its cell shadows by a
// larger timestamp; a shadowed write that never meets its consistency level is no loss.
TEST_F(OracleTest, LostUpdatesCountAcknowledgedLaterWritesWithLowerTimestamps) {
  Oracle& o = *oracle_;
  auto v = [](int64_t ts) { return CellVersion{ts, false, static_cast<uint64_t>(ts)}; };
  o.OnWriteIssued(5, 0, v(100), 0);
  o.OnWriteIssued(5, 0, v(150), 0);
  o.OnWriteIssued(5, 0, v(120), 0);  // issued later, loses to 150
  o.OnWriteIssued(5, 0, v(130), 0);  // loses to 150 too, but is never acknowledged
  o.OnWriteIssued(5, 0, v(150), 0);  // a tie is not a skew loss
  o.OnWriteIssued(5, 1, v(10), 0);   // another cell
  for (int64_t ts : {100, 150, 120, 150}) o.OnWriteAcked(5, 0, v(ts));
  o.OnWriteAcked(5, 0, v(120));  // a second report of the same write counts once
  o.OnWriteAcked(5, 1, v(10));
  Finish(1, {});
  EXPECT_EQ(Metric("lww.lost_updates"), 1u);
  EXPECT_EQ(Metric("lww.writes"), 6u);
}

TEST_F(OracleTest, ConvergenceTimeAreaAndReference) {
  Oracle& o = *oracle_;
  o.NoteFault(5 * kSecond);
  o.OnApplied(0, Live(6, 0, 1, 1), 2 * kSecond);  // divergent from 2 s
  o.OnApplied(0, Live(7, 0, 2, 1), 4 * kSecond);  // 2 cells from 4 s
  for (NodeId n = 1; n < 3; ++n) o.OnApplied(n, Live(6, 0, 1, 1), 6 * kSecond);  // 1 from 6 s
  for (NodeId n = 1; n < 3; ++n) o.OnApplied(n, Live(7, 0, 2, 1), 9 * kSecond);  // 0 from 9 s
  Finish(12 * kSecond, {});
  MetricSet m;
  o.ExportTo(&m);
  // Both cells were divergent at the reference (5 s): the last is repaired at 9 s.
  EXPECT_DOUBLE_EQ(m.Get("convergence.time")["value"].get<double>(), 4.0);  // 9 s - 5 s
  EXPECT_DOUBLE_EQ(m.Get("convergence.quiescence_time")["value"].get<double>(), 4.0);
  EXPECT_EQ(m.Get("convergence.owed_cells")["value"].get<uint64_t>(), 2u);
  // 1 cell x 2 s + 2 cells x 2 s + 1 cell x 3 s = 9 cell-seconds.
  EXPECT_DOUBLE_EQ(m.Get("convergence.divergence_area")["value"].get<double>(), 9.0);
  EXPECT_EQ(m.Get("convergence.divergent_cells_max")["value"].get<uint64_t>(), 2u);
}

TEST_F(OracleTest, NotConvergedIsNullAndMarkOverridesFaults) {
  Oracle& o = *oracle_;
  o.OnApplied(0, Live(9, 0, 3, 1), kSecond / 2);  // divergent at the mark
  o.Mark(kSecond);
  o.NoteFault(3 * kSecond);  // after a mark, faults no longer move the reference
  o.OnApplied(0, Live(8, 0, 1, 1), 2 * kSecond);
  Finish(4 * kSecond, {});
  MetricSet m;
  o.ExportTo(&m);
  EXPECT_TRUE(m.Get("convergence.time")["value"].is_null());
  EXPECT_TRUE(m.Get("convergence.quiescence_time")["value"].is_null());
  EXPECT_EQ(m.Get("convergence.owed_cells_end")["value"].get<uint64_t>(), 1u);
  EXPECT_DOUBLE_EQ(m.Get("convergence.reference_time")["value"].get<double>(), 1.0);
}

// What the reference owes: the cells divergent at it, and the writes issued by it that land
// after it. A write issued after it owes nothing, even while it is still on its way.
TEST_F(OracleTest, ConvergenceCountsWhatTheReferenceOwedNotLaterWrites) {
  Oracle& o = *oracle_;
  const CellVersion before{1, false, 1}, after{2, false, 2};
  o.OnWriteIssued(4, 0, before, 900 * kMillisecond);  // in flight at the fault (1 s)
  o.NoteFault(kSecond);
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(4, 0, 1, 1), 1500 * kMillisecond);
  o.OnWriteIssued(4, 1, after, 2 * kSecond);  // after the reference
  o.OnApplied(0, Live(4, 1, 2, 2), 2 * kSecond);
  o.OnApplied(1, Live(4, 1, 2, 2), 3 * kSecond);  // replica 2 never gets it
  Finish(4 * kSecond, {});
  MetricSet m;
  o.ExportTo(&m);
  EXPECT_EQ(m.Get("convergence.owed_cells")["value"].get<uint64_t>(), 1u);  // (4, c0) only
  EXPECT_DOUBLE_EQ(m.Get("convergence.time")["value"].get<double>(), 0.5);  // 1.5 s - 1 s
  EXPECT_TRUE(m.Get("convergence.quiescence_time")["value"].is_null());     // (4, c1) lags
  EXPECT_EQ(m.Get("convergence.divergent_cells_end")["value"].get<uint64_t>(), 1u);
}

// Replication lag: from issue until every replica holds the write or something newer; only
// acknowledged writes count, in either order of acknowledgement and completion.
TEST_F(OracleTest, ReplicationLagOfAcknowledgedWrites) {
  Oracle& o = *oracle_;
  auto at = [](int ms) { return ms * kMillisecond; };
  o.OnWriteIssued(1, 0, CellVersion{10, false, 1}, at(0));
  for (NodeId n = 0; n < 2; ++n) o.OnApplied(n, Live(1, 0, 1, 10), at(2));
  o.OnWriteAcked(1, 0, CellVersion{10, false, 1});  // acknowledged before it is everywhere
  o.OnApplied(2, Live(1, 0, 1, 10), at(7));         // lag 7 ms
  o.OnWriteIssued(2, 0, CellVersion{10, false, 2}, at(10));
  o.OnWriteIssued(2, 0, CellVersion{20, false, 3}, at(11));
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(2, 0, 3, 20), at(14));  // supersedes id 2
  o.OnWriteAcked(2, 0, CellVersion{20, false, 3});  // after completion: lag 3 ms
  o.OnWriteAcked(2, 0, CellVersion{10, false, 2});  // superseded everywhere at 14 ms: lag 4 ms
  o.OnWriteIssued(3, 0, CellVersion{30, false, 4}, at(20));
  o.OnApplied(0, Live(3, 0, 4, 30), at(21));
  o.OnWriteAcked(3, 0, CellVersion{30, false, 4});           // never reaches replicas 1 and 2
  o.OnWriteIssued(3, 1, CellVersion{30, false, 5}, at(20));  // never acknowledged
  for (NodeId n = 0; n < 3; ++n) o.OnApplied(n, Live(3, 1, 5, 30), at(40));
  Finish(at(50), {});
  MetricSet m;
  o.ExportTo(&m);
  EXPECT_EQ(m.Get("replication_lag.writes")["value"].get<uint64_t>(), 3u);
  EXPECT_EQ(m.Get("replication_lag.unreplicated")["value"].get<uint64_t>(), 1u);
  EXPECT_DOUBLE_EQ(m.Get("replication_lag.max")["value"].get<double>(), 0.007);
  // The median of {3, 4, 7} ms, to the histogram's resolution (1/1024 above 1024 ns, upward).
  const double p50 = m.Get("replication_lag.p50")["value"].get<double>();
  EXPECT_GE(p50, 0.004);
  EXPECT_LE(p50, 0.004 * (1 + 1.0 / 1024));
}

}  // namespace
}  // namespace dsim::sim
