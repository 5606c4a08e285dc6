// sstable_dag end to end on two replicas (one range, the full ring) with data loaded directly,
// so every SSTable is known: identical files are in sync after one round trip; a file one side
// lacks is fetched whole, byte-identical (the receiver then holds the same content address),
// for exactly its file size in chunk bytes; a second sync moves only the file made since; and
// on the rejoin-empty comparison scenario (RF 3, a replaced node) the chunks come from both
// peers at once, neither serving more than 70 % of them.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/token.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/kv_world.h"
#include "tests/sim/kv_test_util.h"
#include "tests/sim/repair/repair_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::U;

engine::Partition Row(uint64_t i, int64_t ts) {
  engine::Partition p(KvKey(i));
  p.Put("c0", engine::Cell::Live(KvValue(i + 1, 24), ts));
  return p;
}

std::vector<engine::Partition> Rows(uint64_t from, uint64_t to, int64_t ts = 1000) {
  std::vector<engine::Partition> out;
  for (uint64_t i = from; i < to; ++i) out.push_back(Row(i, ts));
  return out;
}

// Two replicas repaired by sstable_dag.
struct World : testing::TwoReplicaWorld {
  explicit World(const std::string& chunking = "cdc") : TwoReplicaWorld(Make(chunking)) {}
  static Scenario Make(const std::string& chunking) {
    Scenario s = testing::TwoReplicaScenario("dag", /*seed=*/5, 50'000, 24);
    s.repair.strategy = "sstable_dag";
    s.repair.chunking = chunking;
    return s;
  }
  // Content digests of node's SSTables.
  std::vector<engine::Digest128> Files(NodeId node) {
    std::vector<engine::Digest128> out;
    for (const auto& t : w->cluster().node(node).store().sstables()) {
      out.push_back(t->metadata().content_digest);
    }
    return out;
  }
  uint64_t FileBytes(NodeId node, size_t i) {
    return w->cluster().node(node).store().sstables()[i]->file_bytes();
  }
};

TEST(SSTableDagRepairTest, IdenticalFilesAreInSyncAfterOneRoundTrip) {
  World world;
  KvWorld& w = *world.w;
  w.cluster().Ingest(0, Rows(0, 5000));
  w.cluster().Ingest(1, Rows(0, 5000));
  ASSERT_EQ(world.Files(0), world.Files(1));  // the same rows make the same file
  world.Repair();
  EXPECT_EQ(testing::RepairMetric(w, "repair.dag.sessions_in_sync"), 1u);
  EXPECT_EQ(testing::RepairMetric(w, "repair.dag.bytes_fetched"), 0u);
  RunOutput out;
  w.Finish(&out);
  EXPECT_EQ(U(out, "repair.round_trips.max"), 1u);
}

TEST(SSTableDagRepairTest, LackedFileIsFetchedWholeAndByteIdenticalThenOnlyTheNewOne) {
  World world;
  KvWorld& w = *world.w;
  w.cluster().Ingest(0, Rows(0, 5000));
  w.cluster().Ingest(1, Rows(0, 5000));
  w.cluster().Ingest(1, Rows(5000, 6000));  // a second file node 0 lacks
  ASSERT_EQ(world.Files(1).size(), 2u);
  const uint64_t second = world.FileBytes(1, 1);
  world.Repair();
  EXPECT_EQ(testing::RepairMetric(w, "repair.dag.sstables_ingested"), 1u);
  EXPECT_EQ(testing::RepairMetric(w, "repair.dag.ingests_byte_identical"), 1u);
  // Nothing of it was held (its rows are new to node 0): every byte of the file moved.
  EXPECT_EQ(testing::RepairMetric(w, "repair.dag.bytes_fetched"), second);
  const std::vector<engine::Digest128> at0 = world.Files(0);
  EXPECT_NE(std::find(at0.begin(), at0.end(), world.Files(1)[1]), at0.end());

  // Nothing new: the drives name the same files.
  world.Repair();
  EXPECT_EQ(testing::RepairMetric(w, "repair.dag.sessions_in_sync"), 1u);
  // A third file: only it moves.
  w.cluster().Ingest(0, Rows(6000, 6500));
  const uint64_t third = world.FileBytes(0, world.Files(0).size() - 1);
  world.Repair();
  EXPECT_EQ(testing::RepairMetric(w, "repair.dag.sstables_ingested"), 2u);
  EXPECT_EQ(testing::RepairMetric(w, "repair.dag.bytes_fetched"), second + third);
}

// rejoin-empty: node 2 is replaced with an empty disk and repaired from its two peers. Both
// serve it (rarest first, then the least-loaded holder), and neither more than 70 % of the
// chunk bytes; the replica converges, having received each row about once.
TEST(SSTableDagRepairTest, ReplacedNodeFetchesFromBothPeers) {
  std::vector<std::string> o = {"repair.strategy=sstable_dag"};
  if (testing::Shrunk()) {
    o.insert(o.end(), {"workload.kv.keys=10000", "workload.kv.phases.0.rate=5000",
                       "workload.kv.phases.1.rate=500"});
  }
  absl::StatusOr<Scenario> s =
      LoadScenarioFile(testing::ShippedPath("repair-compare/rejoin-empty"), o);
  ASSERT_TRUE(s.ok()) << s.status();
  const RunOutput out = testing::RunOk(*s);
  EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  EXPECT_GE(U(out, "repair.dag.uploaders"), 2u);
  EXPECT_LE(D(out, "repair.dag.upload_share_max"), 0.70);
  EXPECT_GE(D(out, "repair.over_streaming.partitions"), 1.0);
}

// A `corrupt` fault during the repair flips a byte in 10 % of the chunk batches and of the
// stream batches: every corrupted chunk fails its address check and is fetched again, every
// corrupted stream batch fails its checksum and is sent again (detected = injected, exactly),
// nothing corrupted is ingested (sstable_dag checks every reassembled file against its root),
// and the replicas converge.
TEST(SSTableDagRepairTest, EveryCorruptedChunkAndBatchIsDetectedAndRefetched) {
  for (const std::string strategy : {"sstable_dag", "merkle"}) {
    SCOPED_TRACE(strategy);
    Scenario s = testing::LoadShipped("sstable-dag", {"repair.strategy=" + strategy});
    FaultConfig corrupt;
    corrupt.kind = FaultConfig::Kind::kCorrupt;
    corrupt.at = 8 * kSecond;  // before the repair at 9 s, to the end
    corrupt.probability = Ratio{1, 10};
    corrupt.categories = {"chunk", "stream"};
    s.faults.push_back(corrupt);
    const RunOutput out = testing::RunOk(s);
    EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
    if (strategy == "sstable_dag") {
      EXPECT_GT(U(out, "network.chunk.corrupted.messages"), 0u);
      EXPECT_EQ(U(out, "repair.dag.chunks_corrupt"), U(out, "network.chunk.corrupted.messages"));
    } else {
      EXPECT_GT(U(out, "network.stream.corrupted.messages"), 0u);
      EXPECT_EQ(U(out, "repair.stream.batches_corrupt"),
                U(out, "network.stream.corrupted.messages"));
    }
  }
}

// "Even if the original seed goes away, the swarm can still replicate": node 0 wrote an
// SSTable, node 1 fetched it in a first sync, and in a sync of all three node 2 fetches it from
// both; node 0 crashes in the middle. Node 2 gets the chunks node 0 had not sent from node 1,
// and completes: it ends with the same file, and the session does not fail.
TEST(SSTableDagRepairTest, SwarmFinishesFromThePeerThatFetchedItWhenTheWriterGoesDown) {
  Scenario s = World::Make("cdc");
  s.cluster.nodes = 3;
  s.cluster.replication_factor = 3;
  s.repair.stream_bytes_per_sec = 2 << 20;  // a slow upload, so the crash lands mid-fetch
  testing::TwoReplicaWorld world(s);
  KvWorld& w = *world.w;
  w.cluster().Ingest(0, Rows(0, 20000));
  const engine::Digest128 file =
      w.cluster().node(0).store().sstables()[0]->metadata().content_digest;
  const uint64_t size = w.cluster().node(0).store().sstables()[0]->file_bytes();
  w.repair().StartCustomRepair({engine::TokenRange::FullRing()}, {0, 1}, -1);
  w.scheduler().Run();
  ASSERT_EQ(w.cluster().node(1).store().sstables().back()->metadata().content_digest, file);
  const uint64_t fetched_first = testing::RepairMetric(w, "repair.dag.bytes_fetched");
  ASSERT_EQ(fetched_first, size);

  w.repair().StartCustomRepair({engine::TokenRange::FullRing()}, {0, 1, 2}, -1);
  // Both holders upload at 2 MiB/s: the file takes ~size / 4 MiB/s; crash node 0 halfway.
  const Nanos start = w.scheduler().now();
  w.scheduler().Run(
      {.until = start + static_cast<Nanos>(size * kSecond / (8u << 20)) + 100 * kMillisecond});
  ASSERT_LT(testing::RepairMetric(w, "repair.dag.bytes_fetched") - fetched_first, size);
  w.cluster().Crash(0, engine::CrashKind::kPowerLoss);
  w.scheduler().Run();
  EXPECT_EQ(w.repair().sessions_failed(), 0u);
  EXPECT_EQ(w.repair().sessions_completed(), 2u);
  bool has = false;
  for (const auto& t : w.cluster().node(2).store().sstables()) {
    has |= t->metadata().content_digest == file;
  }
  EXPECT_TRUE(has);
  EXPECT_EQ(w.oracle().divergent_cells(), 0u);
  // Every chunk came once (those in flight at the crash arrived), from both peers.
  EXPECT_EQ(testing::RepairMetric(w, "repair.dag.bytes_fetched") - fetched_first, size);
  EXPECT_GT(testing::RepairMetric(w, "repair.dag.chunks_reassigned"), 0u);
}

}  // namespace
}  // namespace dsim::sim
