// Merkle repair's depth rule with Cassandra 4.0's repair_session_space (repair.session_space):
// the initiator holds one tree per replica, so each tree gets session_space / replicas bytes,
// and the depth is capped at the deepest tree that fits. Cassandra's own derivation (its
// MerkleTree.estimatedMaxDepthForBytes): a tree of depth n holds 2^n leaves of L bytes and
// 2^n - 1 inner nodes of I bytes, so T = 2^n (L + I) - I and n = floor(log2((T + I) / (L + I))).
// dsim's serialised tree (merkle_tree.h) has L = I = 16 plus a 17-byte header; the test checks
// BudgetDepth against that formula, computed independently, and a run that the cap binds.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/merkle_tree.h"
#include "sim/repair/merkle_strategy.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::U;

// floor(log2(x)) for x >= 1 by repeated halving.
int FloorLog2(uint64_t x) {
  int n = -1;
  while (x > 0) {
    x /= 2;
    ++n;
  }
  return n;
}

// Cassandra's formula with L = I = 16 on the bytes left after the header; at least depth 0,
// at most the tree's cap.
int Formula(uint64_t budget) {
  if (budget < 17 + 16) return 0;
  const int n = FloorLog2((budget - 17 + 16) / 32);
  return std::min(n, engine::MerkleTree::kMaxDepth);
}

TEST(MerkleDepthRuleTest, BudgetDepthIsCassandrasFormula) {
  for (int d = 0; d <= engine::MerkleTree::kMaxDepth; ++d) {
    const uint64_t size =
        engine::MerkleTree(engine::TokenRange::FullRing(), d).SerializedSizeBytes();
    EXPECT_EQ(MerkleStrategy::BudgetDepth(size), d);
    if (d > 0) {
      EXPECT_EQ(MerkleStrategy::BudgetDepth(size - 1), d - 1);
    }
    EXPECT_EQ(Formula(size), d);
  }
  uint64_t x = 1;
  for (int i = 0; i < 2000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const uint64_t budget = x >> (i % 64);
    EXPECT_EQ(MerkleStrategy::BudgetDepth(budget), Formula(budget)) << budget;
  }
}

// merkle-depth, smaller (65,536 partitions: 32,768 per range; 4,096 in shrunk builds), under
// the rule (depth 0), which picks ceil(log2 32,768) = 15 (12). A session space of two trees of
// depth 12 (10): one per replica, exactly, caps it there.
RunOutput RunRule(const std::string& space) {
  std::vector<std::string> o = {"repair.merkle_depth=0", "repair.session_space=" + space};
  if (!testing::Shrunk()) {
    o.insert(o.end(), {"workload.kv.keys=65536", "workload.kv.phases.0.rate=13107"});
  }
  return testing::RunOk(testing::LoadShipped("merkle-depth", o));
}

TEST(MerkleDepthRuleTest, SessionSpaceCapsTheDepth) {
  const int rule = testing::Shrunk() ? 12 : 15;
  const int cap = rule - 2;
  const uint64_t tree =
      engine::MerkleTree(engine::TokenRange::FullRing(), cap).SerializedSizeBytes();
  const RunOutput free = RunRule("0");
  EXPECT_EQ(U(free, "repair.depth.min"), static_cast<uint64_t>(rule));
  const RunOutput capped = RunRule(std::to_string(2 * tree));
  EXPECT_EQ(U(capped, "repair.depth.max"), static_cast<uint64_t>(cap));
  EXPECT_EQ(U(capped, "repair.depth.min"), static_cast<uint64_t>(cap));
  const RunOutput below = RunRule(std::to_string(2 * tree - 1));
  EXPECT_EQ(U(below, "repair.depth.max"), static_cast<uint64_t>(cap - 1));
  EXPECT_EQ(U(capped, "convergence.divergent_cells_end"), 0u);
}

}  // namespace
}  // namespace dsim::sim
