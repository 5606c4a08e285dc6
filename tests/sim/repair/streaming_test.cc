// Streaming's seams: the batch cutting rule (BatchPacker) alone, and a whole stream through a
// two-node world: what a node holds and the other lacks is cut into batches of at most
// kMaxBatchBytes, waits for the sender's throttle (stream_throughput) and lands on the
// receiver.
#include "sim/repair/streaming.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/partition.h"
#include "engine/token.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/kv_world.h"
#include "sim/net/transfer_time.h"
#include "tests/sim/kv_test_util.h"
#include "tests/sim/repair/repair_test_util.h"

namespace dsim::sim {
namespace {

using testing::U;

// The batch index each partition of `sizes` lands in.
std::vector<uint64_t> Pack(const std::vector<uint64_t>& sizes, uint64_t max_bytes) {
  BatchPacker packer(max_bytes);
  std::vector<uint64_t> batch;
  for (uint64_t s : sizes) {
    packer.Add(s);
    batch.push_back(packer.batches() - 1);
  }
  return batch;
}

TEST(BatchPackerTest, FillsEachBatchUpToTheLimit) {
  EXPECT_EQ(Pack({4, 4, 2, 1}, 10), (std::vector<uint64_t>{0, 0, 0, 1}));  // 4+4+2 = 10 fits
  EXPECT_EQ(Pack({6, 5, 5, 6}, 10), (std::vector<uint64_t>{0, 1, 1, 2}));
  EXPECT_TRUE(Pack({}, 10).empty());
}

TEST(BatchPackerTest, APartitionLargerThanTheLimitTravelsAlone) {
  EXPECT_EQ(Pack({3, 25, 3, 3}, 10), (std::vector<uint64_t>{0, 1, 2, 2}));
  EXPECT_EQ(Pack({25, 25}, 10), (std::vector<uint64_t>{0, 1}));
  // The first partition always opens a batch, whatever its size.
  BatchPacker packer(10);
  EXPECT_TRUE(packer.Add(0));
  EXPECT_FALSE(packer.Add(10));
  EXPECT_EQ(packer.open_bytes(), 10u);
  EXPECT_TRUE(packer.Add(1));
  EXPECT_EQ(packer.batches(), 2u);
}

Scenario TwoNodes() {
  Scenario s = testing::TwoReplicaScenario("streaming", /*seed=*/3, /*keys=*/400,
                                           /*value_bytes=*/10 << 10);
  s.repair.stream_bytes_per_sec = 8 << 20;
  return s;
}

TEST(StreamingTest, MissingDataCrossesInBoundedBatchesBehindTheThrottle) {
  absl::StatusOr<std::unique_ptr<KvWorld>> world = KvWorld::Create(TwoNodes());
  ASSERT_TRUE(world.ok()) << world.status();
  KvWorld& w = **world;
  ASSERT_TRUE(w.Start().ok());
  // 400 partitions of about 10 KiB on node 0 only: about 4 MiB, so several batches.
  std::vector<engine::Partition> rows;
  for (uint64_t i = 0; i < 400; ++i) {
    engine::Partition p(KvKey(i));
    p.Put(KvColumn(0),
          engine::Cell::Live(KvValue(i + 1, w.scenario().workload.kv.value_bytes), 1000));
    rows.push_back(std::move(p));
  }
  w.cluster().Ingest(0, std::move(rows));
  // Node 0's partitions in ring order, as the stream reads them: the expected batches.
  const engine::TokenRange full = engine::TokenRange::FullRing();
  BatchPacker expected(Streaming::kMaxBatchBytes);
  uint64_t bytes = 0;
  w.cluster().ForEachInRange(0, full, [&](const engine::Partition& p) {
    expected.Add(static_cast<uint64_t>(p.ByteSize()));
    bytes += static_cast<uint64_t>(p.ByteSize());
  });
  ASSERT_GT(expected.batches(), 3u);

  w.repair().set_record_streams(true);
  w.repair().StartCustomRepair({full}, {0, 1}, /*depth=*/0);  // one leaf: everything streams
  w.scheduler().Run();
  RunOutput out;
  w.Finish(&out);

  EXPECT_EQ(U(out, "repair.sessions.completed"), 1u);
  EXPECT_EQ(U(out, "repair.stream.batches"), expected.batches());
  EXPECT_EQ(U(out, "repair.stream.batches_dropped"), 0u);
  EXPECT_EQ(U(out, "repair.streamed.partitions"), 400u);  // node 1 had nothing to send
  EXPECT_EQ(U(out, "repair.streamed.bytes"), bytes);
  EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  // One stream each way; the empty one sends nothing.
  ASSERT_EQ(w.repair().stream_log().size(), 2u);
  for (const StreamRecord& r : w.repair().stream_log()) {
    EXPECT_EQ(r.partitions, r.from == 0 ? 400u : 0u);
  }
  // The sender's throttle serialises the batches: the repair lasts at least bytes / rate.
  EXPECT_GE(testing::D(out, "repair.duration.max"),
            ToSeconds(TransferTime(bytes, TwoNodes().repair.stream_bytes_per_sec)));
}

}  // namespace
}  // namespace dsim::sim
