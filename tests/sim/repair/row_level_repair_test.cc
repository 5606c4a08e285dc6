// Row-level repair (sim/repair/row_level_strategy.h) among three replicas whose data the test
// loads directly, against a brute-force account of what each replica lacks: per (key, column)
// the winner is the last-write-wins merge of the three versions, and a replica lacks a row when
// its version of some column is absent or not the winner. With one column per row the strategy
// must move exactly those rows: the master receives exactly the rows it lacks, each follower
// exactly the rows it lacks. With several columns (a row's winning cells may sit on two
// followers, so the master may pull one row twice) it must stay within 1.05x the minimum, and
// the replicas must end equal to the merge in every case.
#include <gtest/gtest.h>

#include <cstdint>

#include "tests/sim/kv_test_util.h"
#include "tests/sim/repair/row_repair_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::MakeReplicaData;
using testing::RepairAll;
using testing::RepairOutcome;
using testing::U;

Scenario ThreeReplicas(uint64_t keys, uint32_t columns, uint32_t set_rows) {
  Scenario s = testing::RowRepairScenario("row_level", 3, keys, columns);
  s.repair.row_set_rows = set_rows;
  return s;
}

TEST(RowLevelRepairTest, OneColumnMovesExactlyTheRowsEachReplicaLacks) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(seed);
    const auto data = MakeReplicaData(seed, 3, keys, /*columns=*/1, /*differ_per_1000=*/20);
    const RepairOutcome o = RepairAll(ThreeReplicas(keys, 1, 256), data);
    EXPECT_GT(testing::ExpectExactlyTheLackingRows(data, o), 0u);
    EXPECT_DOUBLE_EQ(D(o.out, "repair.over_streaming.partitions"), 1.0);
    EXPECT_EQ(U(o.out, "repair.round_trips.max"), 4u);  // set hashes, rows, pull, push
  }
}

TEST(RowLevelRepairTest, SeveralColumnsStayWithinFivePercentOfTheMinimumRows) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  for (uint64_t seed : {4, 5}) {
    const auto data = MakeReplicaData(seed, 3, keys, /*columns=*/3, /*differ_per_1000=*/50);
    const RepairOutcome o = RepairAll(ThreeReplicas(keys, 3, 128), data);
    const double minimum = D(o.out, "repair.minimum.partitions");
    EXPECT_GT(minimum, 0);
    EXPECT_GE(D(o.out, "repair.streamed.partitions"), minimum);
    EXPECT_LE(D(o.out, "repair.streamed.partitions"), 1.05 * minimum) << "seed " << seed;
  }
}

TEST(RowLevelRepairTest, NarrowsToTheDifferingSetsAndStreamsNothingWhenEqual) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  // One row missing on replica 2: one set of ~256 rows differs, and only its rows are summarised.
  auto data = MakeReplicaData(6, 3, keys, 1, 0);
  data[2].erase(data[2].begin() + static_cast<std::ptrdiff_t>(keys / 3));
  const RepairOutcome o = RepairAll(ThreeReplicas(keys, 1, 256), data);
  EXPECT_EQ(U(o.out, "repair.row_level.sets_differing"), 1u);
  EXPECT_LE(U(o.out, "repair.rows.summarised"), 2u * 2 * 256);
  EXPECT_EQ(U(o.out, "repair.streamed.partitions"), 1u);
  EXPECT_EQ(U(o.out, "repair.rows.pushed"), 1u);
  EXPECT_EQ(U(o.out, "repair.rows.pulled"), 0u);

  const RepairOutcome same =
      RepairAll(ThreeReplicas(keys, 1, 256), MakeReplicaData(6, 3, keys, 1, 0));
  EXPECT_EQ(U(same.out, "repair.streamed.partitions"), 0u);
  EXPECT_EQ(U(same.out, "repair.rows.summarised"), 0u);
  EXPECT_EQ(U(same.out, "repair.round_trips.total"), 1u);
  EXPECT_EQ(U(same.out, "repair.sessions.completed"), 1u);
}

}  // namespace
}  // namespace dsim::sim
