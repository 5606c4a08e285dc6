#include "engine/flat_tree.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <vector>

namespace dsim::engine::flat_tree {
namespace {

TEST(FlatTreeTest, SmallTreeByHand) {
  // hypercore's picture: leaves 0 2 4 6, parents 1 5, root 3.
  EXPECT_EQ(Depth(0), 0);
  EXPECT_EQ(Depth(1), 1);
  EXPECT_EQ(Depth(3), 2);
  EXPECT_EQ(Depth(7), 3);
  EXPECT_EQ(Offset(5), 1u);
  EXPECT_EQ(Index(2, 0), 3u);
  EXPECT_EQ(Index(1, 2), 9u);
  EXPECT_EQ(Parent(0), 1u);
  EXPECT_EQ(Parent(2), 1u);
  EXPECT_EQ(Parent(4), 5u);
  EXPECT_EQ(Parent(1), 3u);
  EXPECT_EQ(Parent(5), 3u);
  EXPECT_EQ(Sibling(0), 2u);
  EXPECT_EQ(Sibling(5), 1u);
  EXPECT_EQ(LeftChild(3), 1u);
  EXPECT_EQ(RightChild(3), 5u);
  EXPECT_EQ(LeftSpan(3), 0u);
  EXPECT_EQ(RightSpan(3), 6u);
  EXPECT_EQ(FirstLeaf(5), 2u);
  EXPECT_EQ(LeafCount(5), 2u);
  EXPECT_EQ(FullRoots(0), std::vector<uint64_t>{});
  EXPECT_EQ(FullRoots(1), std::vector<uint64_t>{0});
  EXPECT_EQ(FullRoots(3), (std::vector<uint64_t>{1, 4}));
  EXPECT_EQ(FullRoots(6), (std::vector<uint64_t>{3, 9}));
  EXPECT_EQ(FullRoots(7), (std::vector<uint64_t>{3, 9, 12}));
  EXPECT_EQ(FullRoots(8), std::vector<uint64_t>{7});
}

TEST(FlatTreeTest, RelationsAreConsistent) {
  for (uint64_t i = 0; i < 5000; ++i) {
    const int d = Depth(i);
    EXPECT_EQ(Index(d, Offset(i)), i);
    const uint64_t p = Parent(i);
    EXPECT_EQ(Depth(p), d + 1);
    EXPECT_EQ(Sibling(Sibling(i)), i);
    EXPECT_EQ(Parent(Sibling(i)), p);
    EXPECT_EQ(IsLeftChild(i) ? LeftChild(p) : RightChild(p), i);
    EXPECT_EQ(LeftSpan(i) % 2, 0u);
    EXPECT_EQ(RightSpan(i) - LeftSpan(i), 2 * (LeafCount(i) - 1));
    EXPECT_EQ(FirstLeaf(i), Offset(i) << d);
    if (d > 0) {
      EXPECT_EQ(LeftSpan(LeftChild(i)), LeftSpan(i));
      EXPECT_EQ(RightSpan(RightChild(i)), RightSpan(i));
    }
  }
}

TEST(FlatTreeTest, FullRootsCoverTheLeavesAndExistsMatchesBruteForce) {
  for (uint64_t n = 0; n <= 600; ++n) {
    const std::vector<uint64_t> roots = FullRoots(n);
    EXPECT_EQ(roots.size(), static_cast<size_t>(std::popcount(n)));
    uint64_t next = 0;  // the roots tile leaves 0..n-1 left to right, largest first
    for (size_t k = 0; k < roots.size(); ++k) {
      EXPECT_EQ(FirstLeaf(roots[k]), next);
      EXPECT_TRUE(Exists(roots[k], n));
      EXPECT_FALSE(Exists(Parent(roots[k]), n)) << n << " " << roots[k];
      if (k > 0) {
        EXPECT_LT(Depth(roots[k]), Depth(roots[k - 1]));
      }
      next += LeafCount(roots[k]);
    }
    EXPECT_EQ(next, n);
    for (uint64_t i = 0; i < 2 * n + 8; ++i) {
      // Brute force: a node exists iff every leaf under it does.
      EXPECT_EQ(Exists(i, n), FirstLeaf(i) + LeafCount(i) <= n) << i << " " << n;
    }
  }
}

}  // namespace
}  // namespace dsim::engine::flat_tree
