// RIBLT repair (sim/repair/riblt_strategy.h) among replicas whose data the test loads directly,
// checked against a brute-force account: per (key, column) the winner is the last-write-wins
// merge of the replicas' versions, and a replica lacks a row when its version is absent or is
// not the merge. With one column per row the strategy must move exactly those rows (the master
// receives the rows it lacks, each follower the rows it lacks, followers only through the
// master); with several columns within 1.05x the minimum. The narrowing is checked against the
// engine run by hand on each (master, follower) pair: the same symbols needed, the same
// differences, and one exchange per doubling batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cell.h"
#include "engine/riblt.h"
#include "engine/token.h"
#include "sim/core/random.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/kv_world.h"
#include "sim/repair/riblt_strategy.h"
#include "tests/sim/kv_test_util.h"
#include "tests/sim/repair/repair_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::U;
using Data = std::vector<std::vector<engine::Partition>>;  // by replica

Scenario Replicas(int replicas, uint64_t keys, uint32_t columns) {
  Scenario s = testing::TwoReplicaScenario("riblt", /*seed=*/5, keys, /*value_bytes=*/8);
  s.cluster.nodes = static_cast<uint32_t>(replicas);
  s.cluster.replication_factor = static_cast<uint32_t>(replicas);
  s.workload.kv.columns = columns;
  s.repair.strategy = "riblt";
  return s;
}

// Every replica holds a common version of each key, except that a (replica, key) deviates with
// probability differ_per_1000: it lacks the row, or some of its columns carry a later write of
// the replica's own (timestamps distinct per replica: no ties).
Data MakeData(int replicas, uint64_t seed, uint64_t keys, uint32_t columns,
              uint64_t differ_per_1000) {
  Rng rng(StreamSeed(seed, "riblt-test", 0));
  Data data(replicas);
  for (uint64_t k = 0; k < keys; ++k) {
    for (int r = 0; r < replicas; ++r) {
      const bool deviates = rng.Bounded(1000) < differ_per_1000;
      if (deviates && rng.Bounded(2) == 0) continue;
      engine::Partition p(KvKey(k));
      for (uint32_t c = 0; c < columns; ++c) {
        int64_t ts = 2000;
        uint64_t write_id = 7 + (k * columns + c) * 1024;
        if (deviates && (columns == 1 || rng.Bounded(2) == 0)) {
          const uint64_t later = 8 * (1 + rng.Bounded(50)) + static_cast<uint64_t>(r);
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

// The rows each replica lacks of the merge, by key.
std::vector<std::set<std::string>> Lacking(const Data& data) {
  std::map<std::string, engine::Partition> merge;
  for (const auto& replica : data) {
    for (const engine::Partition& p : replica) {
      auto [it, fresh] = merge.try_emplace(p.key(), p);
      if (!fresh) it->second.MergeFrom(p);
    }
  }
  std::vector<std::set<std::string>> lacking(data.size());
  for (size_t r = 0; r < data.size(); ++r) {
    std::set<std::string> same;
    for (const engine::Partition& p : data[r]) {
      if (p == merge.at(p.key())) same.insert(p.key());
    }
    for (const auto& [key, p] : merge) {
      if (!same.contains(key)) lacking[r].insert(key);
    }
  }
  return lacking;
}

// The engine by hand: master (replica 0) against each follower, items (token, digest).
struct Expected {
  uint64_t symbols_needed = 0;
  uint64_t differences = 0;
  uint32_t exchanges = 0;  // the most batches one follower sent
};
Expected RunEngine(const Data& data) {
  Expected e;
  for (size_t f = 1; f < data.size(); ++f) {
    engine::RibltEncoder enc;
    for (const engine::Partition& p : data[f]) {
      enc.Add(engine::RibltItem::Of(p.token(), p.Digest()));
    }
    engine::RibltDecoder dec;
    for (const engine::Partition& p : data[0]) {
      dec.AddLocal(engine::RibltItem::Of(p.token(), p.Digest()));
    }
    while (!dec.Decoded()) dec.AddRemoteSymbol(enc.ProduceNext());
    e.symbols_needed += dec.symbols_received();
    e.differences += dec.remote_only_count() + dec.local_only_count();
    uint32_t batches = 0;
    for (uint64_t sent = 0; sent < dec.symbols_received(); ++batches) {
      sent += RibltStrategy::kFirstBatch << batches;
    }
    e.exchanges = std::max(e.exchanges, batches);
  }
  return e;
}

struct Outcome {
  std::vector<StreamRecord> streams;
  RunOutput out;
};

Outcome Repair(const Scenario& s, Data data) {
  absl::StatusOr<std::unique_ptr<KvWorld>> world = KvWorld::Create(s);
  EXPECT_TRUE(world.ok()) << world.status();
  KvWorld& w = **world;
  EXPECT_TRUE(w.Start().ok());
  std::vector<NodeId> replicas;
  for (size_t r = 0; r < data.size(); ++r) {
    replicas.push_back(static_cast<NodeId>(r));
    w.cluster().Ingest(static_cast<NodeId>(r), std::move(data[r]));
  }
  w.repair().set_record_streams(true);
  w.repair().StartCustomRepair({engine::TokenRange::FullRing()}, replicas, -1);
  w.scheduler().Run();
  EXPECT_EQ(w.oracle().divergent_cells(), 0u);
  Outcome o;
  o.streams = w.repair().stream_log();
  w.Finish(&o.out);
  return o;
}

TEST(RibltRepairTest, OneColumnMovesExactlyTheRowsEachReplicaLacks) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  for (uint64_t seed : {1, 2, 3}) {
    const Data data = MakeData(3, seed, keys, /*columns=*/1, /*differ_per_1000=*/20);
    const auto lacking = Lacking(data);
    const Expected e = RunEngine(data);
    const Outcome o = Repair(Replicas(3, keys, 1), data);
    std::vector<uint64_t> received(3, 0);
    for (const StreamRecord& r : o.streams) {
      EXPECT_TRUE(r.keyed);
      EXPECT_TRUE(r.from == 0 || r.to == 0) << "followers exchange through the master";
      received[r.to] += r.partitions;
    }
    uint64_t minimum = 0;
    for (int r = 0; r < 3; ++r) {
      EXPECT_EQ(received[r], lacking[r].size()) << "seed " << seed << " replica " << r;
      minimum += lacking[r].size();
    }
    EXPECT_GT(minimum, 0u);
    EXPECT_EQ(U(o.out, "repair.minimum.partitions"), minimum);
    EXPECT_EQ(U(o.out, "repair.streamed.partitions"), minimum);
    EXPECT_DOUBLE_EQ(D(o.out, "repair.over_streaming.partitions"), 1.0);
    EXPECT_EQ(U(o.out, "repair.riblt.symbols_needed"), e.symbols_needed);
    EXPECT_EQ(U(o.out, "repair.riblt.differences"), e.differences);
    EXPECT_GE(U(o.out, "repair.riblt.symbols"), e.symbols_needed);
    EXPECT_EQ(U(o.out, "repair.riblt.decode_failures"), 0u);
    // The batches of the slowest follower, then summaries, pull and push.
    EXPECT_EQ(U(o.out, "repair.round_trips.max"), e.exchanges + 3u) << "seed " << seed;
  }
}

TEST(RibltRepairTest, SeveralColumnsStayWithinFivePercentOfTheMinimumRows) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  for (uint64_t seed : {4, 5}) {
    const Data data = MakeData(3, seed, keys, /*columns=*/3, /*differ_per_1000=*/50);
    const Outcome o = Repair(Replicas(3, keys, 3), data);
    const double minimum = D(o.out, "repair.minimum.partitions");
    EXPECT_GT(minimum, 0);
    EXPECT_GE(D(o.out, "repair.streamed.partitions"), minimum);
    EXPECT_LE(D(o.out, "repair.streamed.partitions"), 1.05 * minimum) << "seed " << seed;
    EXPECT_EQ(U(o.out, "repair.riblt.decode_failures"), 0u);
  }
}

TEST(RibltRepairTest, EqualReplicasStreamNothingInOneRoundTrip) {
  const uint64_t keys = testing::Shrunk() ? 3'000 : 20'000;
  const Outcome o = Repair(Replicas(3, keys, 1), MakeData(3, 6, keys, 1, 0));
  EXPECT_EQ(U(o.out, "repair.streamed.partitions"), 0u);
  EXPECT_EQ(U(o.out, "repair.rows.summarised"), 0u);
  EXPECT_EQ(U(o.out, "repair.round_trips.total"), 1u);
  EXPECT_EQ(U(o.out, "repair.sessions.completed"), 1u);
  EXPECT_EQ(U(o.out, "repair.riblt.differences"), 0u);
  EXPECT_EQ(U(o.out, "repair.riblt.symbols_needed"), 2u);  // symbol 0, once per follower
  EXPECT_EQ(U(o.out, "repair.riblt.symbols"), 2 * RibltStrategy::kFirstBatch);
  EXPECT_TRUE(o.out.metrics.Get("repair.riblt.symbols_per_difference")["value"].is_null());
}

// Thousands of differences between two replicas: the decoder needs about 1.35 symbols per
// difference (engine/riblt.h; riblt_test measures 1.30..1.50 at d = 10,000, ~1.38 at 1,000).
// At d ~ 2,000..7,500 one decode's overhead varies by a few percent, so [1.2, 1.8] fails only
// when the strategy miscounts: e.g. counting the symbols sent (up to 2x the needed, through
// the doubling batches) instead of those consumed, or half the differences (one per row
// instead of one per side's version).
TEST(RibltRepairTest, NeedsAboutOneAndAThirdSymbolsPerDifference) {
  const uint64_t keys = testing::Shrunk() ? 4'000 : 20'000;
  const Data data = MakeData(2, 7, keys, 1, /*differ_per_1000=*/120);
  const Expected e = RunEngine(data);
  const Outcome o = Repair(Replicas(2, keys, 1), data);
  const uint64_t d = U(o.out, "repair.riblt.differences");
  EXPECT_EQ(d, e.differences);
  EXPECT_GE(d, 1'000u);
  EXPECT_LE(d, 10'000u);
  const double per = D(o.out, "repair.riblt.symbols_per_difference");
  EXPECT_GE(per, 1.2);
  EXPECT_LE(per, 1.8);
  EXPECT_DOUBLE_EQ(per, static_cast<double>(e.symbols_needed) / static_cast<double>(d));
  EXPECT_DOUBLE_EQ(D(o.out, "repair.over_streaming.partitions"), 1.0);
}

}  // namespace
}  // namespace dsim::sim
