#include "sim/oracle/replica_difference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/partition.h"
#include "engine/token.h"
#include "sim/core/random.h"

namespace dsim::sim {
namespace {

engine::Partition P(const char* key, std::vector<std::pair<const char*, int64_t>> cells) {
  engine::Partition out(key);
  for (auto [col, ts] : cells) out.Put(col, engine::Cell::Live("v", ts));
  return out;
}

// Ring order within `range`, as Store::ForEachPartitionInRange yields.
std::vector<engine::Partition> Sorted(const engine::TokenRange& range,
                                      std::vector<engine::Partition> v) {
  std::sort(v.begin(), v.end(), [&](const engine::Partition& a, const engine::Partition& b) {
    return range.Offset(a.token()) < range.Offset(b.token());
  });
  return v;
}

TEST(ReplicaDifferenceTest, CountsPartitionsAndCellsThatDiffer) {
  const engine::TokenRange full = engine::TokenRange::FullRing();
  const auto a =
      Sorted(full, {P("a", {{"c0", 1}, {"c1", 1}}), P("b", {{"c0", 1}}), P("c", {{"c0", 1}})});
  const auto b =
      Sorted(full, {P("a", {{"c0", 1}, {"c1", 2}}), P("b", {{"c0", 1}}), P("d", {{"c0", 1}})});
  const ReplicaDifference d = CompareReplicas(full, a, b);
  EXPECT_EQ(d.partitions, 3u);  // a differs in c1; c only in a; d only in b
  EXPECT_EQ(d.cells, 3u);
  EXPECT_EQ(CompareReplicas(full, a, a).partitions, 0u);
}

TEST(ReplicaDifferenceTest, OneSidedPartitionsCountAllTheirCellsAndTheOrderOfSidesDoesNotMatter) {
  const engine::TokenRange full = engine::TokenRange::FullRing();
  const auto a = Sorted(full, {P("x", {{"c0", 1}, {"c1", 1}, {"c2", 1}}), P("y", {{"c0", 1}})});
  const auto b = Sorted(full, {P("y", {{"c0", 1}, {"c1", 1}})});
  const ReplicaDifference ab = CompareReplicas(full, a, b);
  const ReplicaDifference ba = CompareReplicas(full, b, a);
  EXPECT_EQ(ab.partitions, 2u);  // x only in a; y lacks c1 in a
  EXPECT_EQ(ab.cells, 4u);       // x's three cells, y's c1
  EXPECT_EQ(ba.partitions, ab.partitions);
  EXPECT_EQ(ba.cells, ab.cells);
  EXPECT_EQ(CompareReplicas(full, a, {}).cells, 4u);
  EXPECT_EQ(CompareReplicas(full, {}, {}).partitions, 0u);
}

TEST(RepairMinimumTest, EachReplicaNeedsWhatItLacksOfTheMergeOnce) {
  const engine::TokenRange full = engine::TokenRange::FullRing();
  // x: only on replica 0 (2 cells): replicas 1 and 2 need it. y: replica 2 holds c0 older.
  const auto r0 = Sorted(full, {P("x", {{"c0", 1}, {"c1", 1}}), P("y", {{"c0", 5}})});
  const auto r1 = Sorted(full, {P("y", {{"c0", 5}})});
  const auto r2 = Sorted(full, {P("y", {{"c0", 3}})});
  const RepairMinimum m = MinimumRepair(full, {r0, r1, r2});
  EXPECT_EQ(m.partitions, 3u);  // x to 1, x to 2, y to 2
  EXPECT_EQ(m.cells, 5u);
  // Partition::ByteSize units: key + 8, plus per cell name + value + 17.
  const uint64_t x_bytes = 1 + 8 + 2 * (2 + 1 + 17), y_bytes = 1 + 8 + (2 + 1 + 17);
  EXPECT_EQ(m.bytes, 2 * x_bytes + y_bytes);
  EXPECT_EQ(MinimumRepair(full, {r1, r1, r1}).cells, 0u);
  EXPECT_EQ(MinimumRepair(full, {}).cells, 0u);
}

// Against brute force: per (key, column), the winner is the merge of every replica's cell; each
// replica that lacks it or holds another version needs it once.
TEST(RepairMinimumTest, MatchesBruteForceOnRandomReplicas) {
  const engine::TokenRange full = engine::TokenRange::FullRing();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(StreamSeed(seed, "repair-minimum-test", 0));
    const size_t rf = 1 + rng.Bounded(4);
    std::vector<std::map<std::string, engine::Partition>> replicas(rf);
    std::map<std::pair<std::string, std::string>, int> versions;  // every (key, column) written
    for (size_t r = 0; r < rf; ++r) {
      for (int k = 0; k < 30; ++k) {
        for (int c = 0; c < 4; ++c) {
          if (rng.Bounded(3) == 0) continue;  // absent on this replica
          const std::string key = absl::StrCat("k", k), col = absl::StrCat("c", c);
          const int64_t ts = static_cast<int64_t>(rng.Bounded(3));
          const engine::Cell cell = rng.Bounded(5) == 0
                                        ? engine::Cell::Tombstone(ts, ts)
                                        : engine::Cell::Live(rng.Bounded(2) ? "a" : "bb", ts);
          replicas[r].try_emplace(key, engine::Partition(key)).first->second.Put(col, cell);
          versions[{key, col}];
        }
      }
    }
    std::vector<std::vector<engine::Partition>> data(rf);
    for (size_t r = 0; r < rf; ++r) {
      for (auto& [key, p] : replicas[r]) data[r].push_back(p);
      data[r] = Sorted(full, data[r]);
    }
    // Brute force, cell by cell.
    std::map<std::pair<size_t, std::string>, uint64_t> needed_bytes;  // (replica, key)
    uint64_t cells = 0;
    for (const auto& [kc, unused] : versions) {
      std::optional<engine::Cell> winner;
      for (size_t r = 0; r < rf; ++r) {
        const auto p = replicas[r].find(kc.first);
        if (p == replicas[r].end()) continue;
        const auto c = p->second.cells().find(kc.second);
        if (c == p->second.cells().end()) continue;
        winner = winner ? engine::Merge(*winner, c->second) : c->second;
      }
      ASSERT_TRUE(winner.has_value());
      for (size_t r = 0; r < rf; ++r) {
        const auto p = replicas[r].find(kc.first);
        bool has = false;
        if (p != replicas[r].end()) {
          const auto c = p->second.cells().find(kc.second);
          has = c != p->second.cells().end() && c->second == *winner;
        }
        if (has) continue;
        ++cells;
        uint64_t& b = needed_bytes[{r, kc.first}];
        if (b == 0) b = kc.first.size() + 8;
        b += kc.second.size() + winner->value.size() + 17;
      }
    }
    uint64_t bytes = 0;
    for (const auto& [unused, b] : needed_bytes) bytes += b;
    const RepairMinimum m = MinimumRepair(full, data);
    EXPECT_EQ(m.cells, cells) << "seed " << seed;
    EXPECT_EQ(m.partitions, needed_bytes.size()) << "seed " << seed;
    EXPECT_EQ(m.bytes, bytes) << "seed " << seed;
  }
}

}  // namespace
}  // namespace dsim::sim
