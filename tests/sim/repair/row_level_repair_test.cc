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
#include "tests/sim/repair/repair_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::U;

constexpr int kReplicas = 3;

Scenario ThreeReplicas(uint64_t keys, uint32_t columns, uint32_t set_rows) {
  Scenario s = testing::TwoReplicaScenario("row-level", /*seed=*/3, keys, /*value_bytes=*/8);
  s.cluster.nodes = kReplicas;
  s.cluster.replication_factor = kReplicas;
  s.workload.kv.columns = columns;
  s.repair.strategy = "row_level";
  s.repair.row_set_rows = set_rows;
  return s;
}

// Replica r's data: every key on replica 0 (the master) unless dropped, with per replica and
// column an independent version; `differ` is the chance that a (replica, key) deviates from
// the common version (absent, or another timestamp). Timestamps are distinct per replica, so
// no two versions tie.
std::vector<std::vector<engine::Partition>> MakeData(uint64_t seed, uint64_t keys, uint32_t columns,
                                                     uint64_t differ_per_1000) {
  Rng rng(StreamSeed(seed, "row-level-test", 0));
  std::vector<std::vector<engine::Partition>> data(kReplicas);
  for (uint64_t k = 0; k < keys; ++k) {
    std::vector<std::optional<engine::Partition>> versions(kReplicas);
    for (int r = 0; r < kReplicas; ++r) {
      const bool deviates = rng.Bounded(1000) < differ_per_1000;
      if (deviates && rng.Bounded(2) == 0) continue;  // the replica lacks the row
      engine::Partition p(KvKey(k));
      for (uint32_t c = 0; c < columns; ++c) {
        // The common version, or (deviating) a later one of its own value.
        int64_t ts = 1000;
        uint64_t write_id = 1 + (k * columns + c) * 512;
        if (deviates && rng.Bounded(2) == 0) {
          const uint64_t later = 4 * (1 + rng.Bounded(100)) + static_cast<uint64_t>(r);
          ts += static_cast<int64_t>(later);
          write_id += later;
        }
        p.Put(absl::StrCat("c", c), engine::Cell::Live(KvValue(write_id, 8), ts));
      }
      data[r].push_back(std::move(p));
    }
  }
  return data;
}

// What replica r lacks of the merge: the keys of the rows it must receive.
std::vector<std::set<std::string>> Lacking(
    const std::vector<std::vector<engine::Partition>>& data) {
  std::map<std::string, engine::Partition> merged;
  for (const auto& replica : data) {
    for (const engine::Partition& p : replica) {
      merged.try_emplace(p.key(), engine::Partition(p.key())).first->second.MergeFrom(p);
    }
  }
  std::vector<std::set<std::string>> lacking(data.size());
  for (size_t r = 0; r < data.size(); ++r) {
    std::map<std::string, const engine::Partition*> mine;
    for (const engine::Partition& p : data[r]) mine[p.key()] = &p;
    for (const auto& [key, m] : merged) {
      const auto it = mine.find(key);
      if (it == mine.end() || !(*it->second == m)) lacking[r].insert(key);
    }
  }
  return lacking;
}

struct Outcome {
  std::vector<StreamRecord> streams;
  RunOutput out;
};

Outcome Repair(const Scenario& s, std::vector<std::vector<engine::Partition>> data) {
  absl::StatusOr<std::unique_ptr<KvWorld>> world = KvWorld::Create(s);
  EXPECT_TRUE(world.ok()) << world.status();
  KvWorld& w = **world;
  EXPECT_TRUE(w.Start().ok());
  for (int r = 0; r < kReplicas; ++r) w.cluster().Ingest(r, std::move(data[r]));
  w.repair().set_record_streams(true);
  w.repair().StartCustomRepair({engine::TokenRange::FullRing()}, {0, 1, 2}, -1);
  w.scheduler().Run();
  EXPECT_EQ(w.oracle().divergent_cells(), 0u);
  Outcome o;
  o.streams = w.repair().stream_log();
  w.Finish(&o.out);
  return o;
}

TEST(RowLevelRepairTest, OneColumnMovesExactlyTheRowsEachReplicaLacks) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  for (uint64_t seed : {1, 2, 3}) {
    const auto data = MakeData(seed, keys, /*columns=*/1, /*differ_per_1000=*/20);
    const auto lacking = Lacking(data);
    const Outcome o = Repair(ThreeReplicas(keys, 1, 256), data);
    std::vector<uint64_t> received(kReplicas, 0);
    for (const StreamRecord& r : o.streams) {
      EXPECT_TRUE(r.keyed);
      EXPECT_TRUE(r.from == 0 || r.to == 0) << "followers exchange through the master";
      received[r.to] += r.partitions;
    }
    uint64_t minimum = 0;
    for (int r = 0; r < kReplicas; ++r) {
      EXPECT_EQ(received[r], lacking[r].size()) << "seed " << seed << " replica " << r;
      minimum += lacking[r].size();
    }
    EXPECT_GT(minimum, 0u);
    EXPECT_EQ(U(o.out, "repair.minimum.partitions"), minimum);
    EXPECT_EQ(U(o.out, "repair.streamed.partitions"), minimum);
    EXPECT_DOUBLE_EQ(D(o.out, "repair.over_streaming.partitions"), 1.0);
    EXPECT_EQ(U(o.out, "repair.round_trips.max"), 4u);  // set hashes, rows, pull, push
  }
}

TEST(RowLevelRepairTest, SeveralColumnsStayWithinFivePercentOfTheMinimumRows) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  for (uint64_t seed : {4, 5}) {
    const auto data = MakeData(seed, keys, /*columns=*/3, /*differ_per_1000=*/50);
    const Outcome o = Repair(ThreeReplicas(keys, 3, 128), data);
    const double minimum = D(o.out, "repair.minimum.partitions");
    EXPECT_GT(minimum, 0);
    EXPECT_GE(D(o.out, "repair.streamed.partitions"), minimum);
    EXPECT_LE(D(o.out, "repair.streamed.partitions"), 1.05 * minimum) << "seed " << seed;
  }
}

TEST(RowLevelRepairTest, NarrowsToTheDifferingSetsAndStreamsNothingWhenEqual) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  // One row missing on replica 2: one set of ~256 rows differs, and only its rows are summarised.
  auto data = MakeData(6, keys, 1, 0);
  data[2].erase(data[2].begin() + static_cast<std::ptrdiff_t>(keys / 3));
  const Outcome o = Repair(ThreeReplicas(keys, 1, 256), data);
  EXPECT_EQ(U(o.out, "repair.row_level.sets_differing"), 1u);
  EXPECT_LE(U(o.out, "repair.rows.summarised"), 2u * 2 * 256);
  EXPECT_EQ(U(o.out, "repair.streamed.partitions"), 1u);
  EXPECT_EQ(U(o.out, "repair.rows.pushed"), 1u);
  EXPECT_EQ(U(o.out, "repair.rows.pulled"), 0u);

  const Outcome same = Repair(ThreeReplicas(keys, 1, 256), MakeData(6, keys, 1, 0));
  EXPECT_EQ(U(same.out, "repair.streamed.partitions"), 0u);
  EXPECT_EQ(U(same.out, "repair.rows.summarised"), 0u);
  EXPECT_EQ(U(same.out, "repair.round_trips.total"), 1u);
  EXPECT_EQ(U(same.out, "repair.sessions.completed"), 1u);
}

}  // namespace
}  // namespace dsim::sim
