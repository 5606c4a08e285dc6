// Flat in-order tree indexing (hypercore's "flat-tree"): a binary tree laid out in one array by
// in-order position, so a growing list of leaves never renumbers a node.
//
// Leaves (depth 0) sit at the even indices: leaf i at 2i. A node at depth d and offset o (the
// o-th node of its level, left to right) sits at (2o + 1) 2^d - 1, so its index in binary is o,
// then a 0, then d ones, and its depth is the number of trailing one-bits. It covers the 2^d
// leaves o 2^d .. (o + 1) 2^d - 1, i.e. the indices LeftSpan .. RightSpan = index -+ (2^d - 1);
// its children are index -+ 2^(d-1).
//
//        depth 2:              3
//        depth 1:      1               5
//        depth 0:  0       2       4       6      (leaves 0..3)
//
// A tree of n leaves is the indices 0 .. 2n - 2, but when n is not a power of two some of those
// parents do not exist (n = 3: node 3 would need leaf 3). The nodes that exist form a forest of
// perfect trees, one per one-bit of n, largest first: its roots are FullRoots(n) (n = 3: 1 and
// 4; n = 6: 3 and 9). A node exists iff RightSpan(index) < 2n.
//
// REQUIRES everywhere: indices below 2^62 (every depth is then at most 61 and no shift or sum
// overflows); LeftChild / RightChild need depth >= 1.
#ifndef DSIM_ENGINE_FLAT_TREE_H_
#define DSIM_ENGINE_FLAT_TREE_H_

#include <bit>
#include <cstdint>
#include <vector>

namespace dsim::engine::flat_tree {

inline constexpr uint64_t kMaxIndex = uint64_t{1} << 62;

constexpr int Depth(uint64_t index) { return std::countr_one(index); }
constexpr uint64_t Offset(uint64_t index) { return index >> (Depth(index) + 1); }
constexpr uint64_t Index(int depth, uint64_t offset) {
  return (offset << (depth + 1)) | ((uint64_t{1} << depth) - 1);
}
constexpr uint64_t LeafIndex(uint64_t leaf) { return 2 * leaf; }

constexpr uint64_t Parent(uint64_t index) { return Index(Depth(index) + 1, Offset(index) >> 1); }
constexpr uint64_t Sibling(uint64_t index) { return Index(Depth(index), Offset(index) ^ 1); }
constexpr bool IsLeftChild(uint64_t index) { return (Offset(index) & 1) == 0; }
constexpr uint64_t LeftChild(uint64_t index) { return index - (uint64_t{1} << (Depth(index) - 1)); }
constexpr uint64_t RightChild(uint64_t index) {
  return index + (uint64_t{1} << (Depth(index) - 1));
}
constexpr uint64_t LeftSpan(uint64_t index) { return index - ((uint64_t{1} << Depth(index)) - 1); }
constexpr uint64_t RightSpan(uint64_t index) { return index + ((uint64_t{1} << Depth(index)) - 1); }
// The leaves a node covers: [FirstLeaf, FirstLeaf + LeafCount).
constexpr uint64_t FirstLeaf(uint64_t index) { return LeftSpan(index) / 2; }
constexpr uint64_t LeafCount(uint64_t index) { return uint64_t{1} << Depth(index); }

// The node exists in a tree of `leaves` leaves.
constexpr bool Exists(uint64_t index, uint64_t leaves) { return RightSpan(index) / 2 < leaves; }

// The roots of the perfect trees covering `leaves` leaves, left to right (one per one-bit of
// `leaves`, largest first; none for 0).
inline std::vector<uint64_t> FullRoots(uint64_t leaves) {
  std::vector<uint64_t> roots;
  uint64_t first = 0;  // first leaf not yet covered; a multiple of every later tree's size
  for (int depth = 63; depth >= 0; --depth) {
    if (((leaves >> depth) & 1) == 0) continue;
    roots.push_back(Index(depth, first >> depth));
    first += uint64_t{1} << depth;
  }
  return roots;
}

}  // namespace dsim::engine::flat_tree

#endif  // DSIM_ENGINE_FLAT_TREE_H_
