// Subrange repair (repair.subranges = k): each ring segment is repaired as k sessions over
// ranges of equal width, one tree each. On the merkle-depth scenario at a fixed depth d, every
// differing partition sits in a leaf holding ~n / (k 2^d) others, which Merkle repair streams
// both ways, on top of the 2 copies of the partition itself: over-streaming ~ 2 + 2 n / (k 2^d).
// So the excess over 2 falls as 1 / k, while the trees cost k times as much (k trees of the
// same depth per segment and replica): the trade-off a sweep over repair.subranges shows.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::U;

RunOutput RunWithSubranges(uint32_t k) {
  std::vector<std::string> o = {"repair.subranges=" + std::to_string(k)};
  if (!testing::Shrunk()) {
    o.insert(o.end(), {"workload.kv.keys=65536", "workload.kv.phases.0.rate=13107",
                       "repair.merkle_depth=12"});
  }
  return testing::RunOk(testing::LoadShipped("merkle-depth", o));
}

TEST(SubrangeRepairTest, OverStreamingFallsAsOneOverKWhileTreeBytesGrowAsK) {
  const RunOutput one = RunWithSubranges(1);
  const double excess_one = D(one, "repair.over_streaming.partitions") - 2;
  const uint64_t tree_bytes_one = U(one, "repair.trees.bytes");
  ASSERT_GT(excess_one, 4);  // leaves of several partitions: something to gain
  for (uint32_t k : {2u, 4u, 8u}) {
    SCOPED_TRACE(k);
    const RunOutput out = RunWithSubranges(k);
    EXPECT_EQ(U(out, "repair.sessions.completed"), k * U(one, "repair.sessions.completed"));
    EXPECT_EQ(U(out, "repair.minimum.partitions"), U(one, "repair.minimum.partitions"));
    EXPECT_EQ(U(out, "repair.trees.bytes"), k * tree_bytes_one);
    const double excess = D(out, "repair.over_streaming.partitions") - 2;
    // Binomial leaf populations around n / (k 2^d): 15 % covers the spread of ~90 leaves.
    EXPECT_NEAR(excess, excess_one / k, 0.15 * excess_one / k);
    EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  }
}

}  // namespace
}  // namespace dsim::sim
