// Helpers for the tests of the row strategies (row_level, riblt, range_sync; sim/repair/
// row_sync.h): replicas loaded directly with data that deviates from a common version at a
// chosen rate, a brute-force account of what each replica lacks of the merge, and one full-ring
// repair among all of them.
#ifndef DSIM_TESTS_SIM_REPAIR_ROW_REPAIR_TEST_UTIL_H_
#define DSIM_TESTS_SIM_REPAIR_ROW_REPAIR_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cell.h"
#include "engine/partition.h"
#include "engine/token.h"
#include "sim/core/random.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/kv_world.h"
#include "tests/sim/kv_test_util.h"
#include "tests/sim/repair/repair_test_util.h"

namespace dsim::sim::testing {

using ReplicaData = std::vector<std::vector<engine::Partition>>;  // by replica

// `replicas` nodes, RF = replicas, one vnode each, `keys` keys of `columns` columns, with the
// given repair strategy; the data is loaded by the test.
inline Scenario RowRepairScenario(std::string_view strategy, int replicas, uint64_t keys,
                                  uint32_t columns) {
  Scenario s = TwoReplicaScenario(std::string(strategy), /*seed=*/3, keys, /*value_bytes=*/8);
  s.cluster.nodes = static_cast<uint32_t>(replicas);
  s.cluster.replication_factor = static_cast<uint32_t>(replicas);
  s.workload.kv.columns = columns;
  s.repair.strategy = std::string(strategy);
  return s;
}

// Every replica holds a common version of each key, except that a (replica, key) deviates with
// probability differ_per_1000: it lacks the row, or some of its columns carry a later write of
// its own (timestamps distinct per replica, so no two versions tie).
inline ReplicaData MakeReplicaData(uint64_t seed, int replicas, uint64_t keys, uint32_t columns,
                                   uint64_t differ_per_1000) {
  Rng rng(StreamSeed(seed, "row-repair-test", 0));
  ReplicaData data(static_cast<size_t>(replicas));
  for (uint64_t k = 0; k < keys; ++k) {
    for (int r = 0; r < replicas; ++r) {
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
      data[static_cast<size_t>(r)].push_back(std::move(p));
    }
  }
  return data;
}

// What each replica lacks of the merge of all of them: the keys of the rows it must receive.
inline std::vector<std::set<std::string>> Lacking(const ReplicaData& data) {
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

struct RepairOutcome {
  std::vector<StreamRecord> streams;
  RunOutput out;
};

// Loads replica r's data on node r, repairs the full ring among all of them (node 0 the
// master), and checks that the replicas end equal to the merge.
inline RepairOutcome RepairAll(const Scenario& s, ReplicaData data) {
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
  RepairOutcome o;
  o.streams = w.repair().stream_log();
  w.Finish(&o.out);
  return o;
}

// The exactness a row strategy promises with one column per row: every stream is a key stream
// to or from the master, each replica receives exactly the rows it lacks, and what moved is the
// oracle's minimum. Returns the minimum.
inline uint64_t ExpectExactlyTheLackingRows(const ReplicaData& data, const RepairOutcome& o) {
  const std::vector<std::set<std::string>> lacking = Lacking(data);
  std::vector<uint64_t> received(data.size(), 0);
  for (const StreamRecord& r : o.streams) {
    EXPECT_TRUE(r.keyed);
    EXPECT_TRUE(r.from == 0 || r.to == 0) << "followers exchange through the master";
    received[r.to] += r.partitions;
  }
  uint64_t minimum = 0;
  for (size_t r = 0; r < data.size(); ++r) {
    EXPECT_EQ(received[r], lacking[r].size()) << "replica " << r;
    minimum += lacking[r].size();
  }
  EXPECT_EQ(U(o.out, "repair.minimum.partitions"), minimum);
  EXPECT_EQ(U(o.out, "repair.streamed.partitions"), minimum);
  return minimum;
}

}  // namespace dsim::sim::testing

#endif  // DSIM_TESTS_SIM_REPAIR_ROW_REPAIR_TEST_UTIL_H_
