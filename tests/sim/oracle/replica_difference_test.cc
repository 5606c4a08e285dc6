#include "sim/oracle/replica_difference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "engine/partition.h"
#include "engine/token.h"

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

}  // namespace
}  // namespace dsim::sim
