// Range-sync repair (sim/repair/range_sync_strategy.h) among replicas whose data the test loads
// directly, against a brute-force account of what each replica lacks: per (key, column) the
// winner is the last-write-wins merge of the versions, and a replica lacks a row when its
// version of some column is absent or not the winner. With one column per row the strategy must
// move exactly those rows, each replica receiving exactly the rows it lacks; with several
// columns it must stay within 1.05x the minimum; the replicas must end equal to the merge in
// every case. The narrowing's round trips follow log_B(n), not the number of differences.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cell.h"
#include "engine/token.h"
#include "sim/core/random.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/kv_world.h"
#include "tests/sim/kv_test_util.h"
#include "tests/sim/repair/row_repair_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::U;

using Data = testing::ReplicaData;
using Outcome = testing::RepairOutcome;

Scenario Replicas(int replicas, uint64_t keys, uint32_t columns) {
  return testing::RowRepairScenario("range_sync", replicas, keys, columns);
}

// MakeData(seed, replicas, ...) and Repair(scenario, data): the shared helpers.
Data MakeData(uint64_t seed, int replicas, uint64_t keys, uint32_t columns,
              uint64_t differ_per_1000) {
  return testing::MakeReplicaData(seed, replicas, keys, columns, differ_per_1000);
}
Outcome Repair(const Scenario& s, Data data) { return testing::RepairAll(s, std::move(data)); }

TEST(RangeSyncRepairTest, OneColumnMovesExactlyTheRowsEachReplicaLacks) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  for (uint64_t seed : {1, 2, 3}) {
    const Data data = MakeData(seed, 3, keys, /*columns=*/1, /*differ_per_1000=*/20);
    const auto lacking = testing::Lacking(data);
    const Outcome o = Repair(Replicas(3, keys, 1), data);
    EXPECT_GT(testing::ExpectExactlyTheLackingRows(data, o), 0u);
    EXPECT_DOUBLE_EQ(D(o.out, "repair.over_streaming.partitions"), 1.0);
    // The narrowing's exchanges (the longer follower's), then rows, pull, push.
    EXPECT_EQ(U(o.out, "repair.round_trips.max"), U(o.out, "repair.range_sync.rounds_max") + 3);
    // Each differing row is one difference per version it differs in: have and need.
    EXPECT_GE(U(o.out, "repair.range_sync.differences"), lacking[1].size() + lacking[2].size());
  }
}

TEST(RangeSyncRepairTest, SeveralColumnsStayWithinFivePercentOfTheMinimumRows) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  for (uint64_t seed : {4, 5}) {
    const Data data = MakeData(seed, 3, keys, /*columns=*/3, /*differ_per_1000=*/50);
    const Outcome o = Repair(Replicas(3, keys, 3), data);
    const double minimum = D(o.out, "repair.minimum.partitions");
    EXPECT_GT(minimum, 0);
    EXPECT_GE(D(o.out, "repair.streamed.partitions"), minimum);
    EXPECT_LE(D(o.out, "repair.streamed.partitions"), 1.05 * minimum) << "seed " << seed;
  }
}

TEST(RangeSyncRepairTest, NarrowsToTheDifferingRowsAndStreamsNothingWhenEqual) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  // One row missing on replica 2: one difference, and only that key is summarised (by
  // replica 1, the only follower holding it).
  Data data = MakeData(6, 3, keys, 1, 0);
  data[2].erase(data[2].begin() + static_cast<std::ptrdiff_t>(keys / 3));
  const Outcome o = Repair(Replicas(3, keys, 1), data);
  EXPECT_EQ(U(o.out, "repair.range_sync.differences"), 1u);
  EXPECT_EQ(U(o.out, "repair.rows.summarised"), 1u);
  EXPECT_EQ(U(o.out, "repair.streamed.partitions"), 1u);
  EXPECT_EQ(U(o.out, "repair.rows.pushed"), 1u);
  EXPECT_EQ(U(o.out, "repair.rows.pulled"), 0u);

  const Outcome same = Repair(Replicas(3, keys, 1), MakeData(6, 3, keys, 1, 0));
  EXPECT_EQ(U(same.out, "repair.streamed.partitions"), 0u);
  EXPECT_EQ(U(same.out, "repair.rows.summarised"), 0u);
  EXPECT_EQ(U(same.out, "repair.range_sync.differences"), 0u);
  EXPECT_EQ(U(same.out, "repair.range_sync.rounds_max"), 1u);
  EXPECT_EQ(U(same.out, "repair.round_trips.total"), 1u);
  EXPECT_EQ(U(same.out, "repair.sessions.completed"), 1u);
}

// Round trips grow with log_B(n), not with the differences d; bytes grow about linearly in d.
// RF 2: the follower lacks d of the master's n rows, spread at random. With B = 16 and T = 32
// the ranges are split L times before they fit an IdList, L the least with T * B^L >= n (3 for
// n = 10^5, 2 for 6,000), and the exchange takes (L + 2) / 2 rounds (engine/range_reconcile.h):
// 2 here, whatever d (d <= 100 stays below the engine's one-extra-level condition).
//
// Bytes: 10x the differences cost about 7x the bytes, not 10x, because the upper levels are
// shared. At n = 10^5 the levels hold 16, 256 and 4,096 ranges; d random differences touch
// m (1 - (1 - 1/m)^d) of m ranges: for d = 10 about 7.6, 9.8 and 10, for d = 100 about 16, 84
// and 99. Each touched range of the first two levels is split into 16 fingerprints (~400 B),
// each touched last-level range costs one IdList of ~24 ids and its IdDiff (~430 B): about
// 11.7 KB for d = 10 and 83 KB for d = 100 (the engine's own test measures 11,439 and 79,780 B,
// this one 11,665 and 81,302). Below 4x would mean differences share the last levels more than
// random placement allows, above 12x that a difference costs more when there are more of them.
TEST(RangeSyncRepairTest, RoundTripsFollowLogNNotTheDifferences) {
  const uint64_t n = testing::Shrunk() ? 6'000 : 100'000;
  uint64_t levels = 0;
  for (uint64_t cap = 32; cap < n; cap *= 16) ++levels;
  std::map<uint64_t, uint64_t> rounds, bytes;
  for (const uint64_t d : {1, 10, 100}) {
    Data data = MakeData(7, 2, n, 1, 0);
    Rng rng(StreamSeed(d, "range-sync-test", 1));
    for (uint64_t i = 0; i < d; ++i) {
      data[1].erase(data[1].begin() + static_cast<std::ptrdiff_t>(rng.Bounded(data[1].size())));
    }
    const Outcome o = Repair(Replicas(2, n, 1), std::move(data));
    EXPECT_EQ(U(o.out, "repair.range_sync.differences"), d);
    EXPECT_EQ(U(o.out, "repair.streamed.partitions"), d);
    // The narrowing's exchanges, then rows and push (nothing to pull).
    EXPECT_EQ(U(o.out, "repair.round_trips.max"), U(o.out, "repair.range_sync.rounds_max") + 2);
    rounds[d] = U(o.out, "repair.range_sync.rounds_max");
    bytes[d] = U(o.out, "repair.range_sync.bytes");
    std::printf("range_sync: n %llu d %llu: rounds %llu bytes %llu\n",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(d),
                static_cast<unsigned long long>(rounds[d]),
                static_cast<unsigned long long>(bytes[d]));
  }
  EXPECT_EQ(rounds[1], (levels + 2) / 2);
  EXPECT_EQ(rounds[1], rounds[10]);
  EXPECT_EQ(rounds[1], rounds[100]);
  EXPECT_GE(bytes[100], 4 * bytes[10]);
  EXPECT_LE(bytes[100], 12 * bytes[10]);
}

}  // namespace
}  // namespace dsim::sim
