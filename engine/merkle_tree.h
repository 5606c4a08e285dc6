// MerkleTree: a hash tree over a token range, the validation product of anti-entropy repair.
//
// The range is cut into 2^depth leaves by halving it depth times (TokenRange::Split: the left
// half takes floor(width / 2) tokens). A partition belongs to the leaf whose sub-range holds
// its token. Leaf digest (order-independent): the partition digests of the leaf are summed as
// 128-bit integers (wrapping), and the leaf digest is XXH3_128 of (sum.low, sum.high, count) as
// three fixed64 values; an empty leaf has the all-zero digest. So partitions may be added in
// any order, and two replicas with the same partitions get the same leaf. An inner node is
// XXH3_128 of its two children (left.low, left.high, right.low, right.high as fixed64).
//
// Comparison (Difference) walks both trees from the root, descends only where digests differ,
// and returns the differing leaf ranges in ring order, with contiguous leaves merged into one
// range (on a full-ring tree a run through the last leaf and one from the first leaf are
// contiguous too: they are joined into one wrapping range, listed first). Serialised form: fixed64
// begin, fixed64 end, one byte depth, then every node in breadth-first order (root first) as
// fixed64 low, fixed64 high: SerializedSizeBytes() = 17 + 16 * (2^(depth+1) - 1).
//
// Depth rule (Cassandra 4): MerkleDepthFor(estimate) = min(max_depth, ceil(log2(estimate))),
// 0 for an estimate <= 1.
//
//   MerkleTree t(TokenRange::FullRing(), 15);
//   for (const Partition& p : data) t.Add(p.token(), p.Digest());
//   t.Finalize();
//   std::vector<TokenRange> diff = MerkleTree::Difference(t, other);
#ifndef DSIM_ENGINE_MERKLE_TREE_H_
#define DSIM_ENGINE_MERKLE_TREE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/hash.h"
#include "engine/token.h"

namespace dsim::engine {

// min(max_depth, ceil(log2(estimated_partitions))); 0 when the estimate is <= 1.
int MerkleDepthFor(uint64_t estimated_partitions, int max_depth = 20);

class MerkleTree {
 public:
  static constexpr int kMaxDepth = 20;  // Cassandra's cap; 2^21 - 1 nodes, 32 MiB

  // REQUIRES: 0 <= depth <= kMaxDepth; the range holds at least 2^depth tokens.
  MerkleTree(TokenRange range, int depth);

  // Adds one partition. REQUIRES: !finalized(); range().Contains(token).
  void Add(uint64_t token, const Digest128& partition_digest);

  // Computes leaf and inner digests. REQUIRES: called once, before root()/Difference().
  void Finalize();
  bool finalized() const { return finalized_; }

  Digest128 root() const;
  const TokenRange& range() const { return range_; }
  int depth() const { return depth_; }
  uint64_t leaf_count() const { return uint64_t{1} << depth_; }

  // Index of the leaf whose sub-range holds `token`. REQUIRES: range().Contains(token).
  uint64_t LeafIndex(uint64_t token) const;
  // The sub-range of leaf `i`. REQUIRES: i < leaf_count().
  TokenRange LeafRange(uint64_t i) const;
  // Partitions added to leaf `i` (0 for a deserialised tree).
  uint64_t LeafPartitionCount(uint64_t i) const;
  Digest128 LeafDigest(uint64_t i) const;

  uint64_t SerializedSizeBytes() const;
  std::string Serialize() const;
  // The result is finalized. DataLoss on malformed input.
  [[nodiscard]] static absl::StatusOr<MerkleTree> Deserialize(std::string_view bytes);

  // Differing leaf ranges, contiguous ones merged, in ring order.
  // REQUIRES: a and b finalized, with equal range and depth.
  static std::vector<TokenRange> Difference(const MerkleTree& a, const MerkleTree& b);

 private:
  uint64_t LeafNode(uint64_t i) const { return leaf_count() - 1 + i; }

  TokenRange range_;
  int depth_;
  bool finalized_ = false;
  std::vector<Digest128> leaf_sums_;
  std::vector<uint64_t> leaf_counts_;
  std::vector<Digest128> nodes_;  // heap layout: children of n are 2n+1, 2n+2
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_MERKLE_TREE_H_
