#include "engine/merkle_tree.h"

#include <bit>
#include <cstring>
#include <utility>

#include "engine/check.h"
#include "engine/coding.h"

namespace dsim::engine {
namespace {

// XXH3_128 of n words as little-endian fixed64 values.
Digest128 HashWords(const uint64_t* words, int n) {
  char buf[32];
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(buf, words, 8 * n);
  } else {
    for (int i = 0; i < n; ++i) {
      for (int b = 0; b < 8; ++b) buf[8 * i + b] = static_cast<char>((words[i] >> (8 * b)) & 0xff);
    }
  }
  return Hash128(std::string_view(buf, 8 * n));
}

}  // namespace

int MerkleDepthFor(uint64_t estimated_partitions, int max_depth) {
  DSIM_CHECK(max_depth >= 0);
  if (estimated_partitions <= 1) return 0;
  // ceil(log2(n)) for n >= 2 is the bit width of n - 1.
  const int depth = std::bit_width(estimated_partitions - 1);
  return depth < max_depth ? depth : max_depth;
}

MerkleTree::MerkleTree(TokenRange range, int depth) : range_(range), depth_(depth) {
  DSIM_CHECK_MSG(depth >= 0 && depth <= kMaxDepth, "Merkle depth out of [0, 20]");
  // At least 2^depth tokens, i.e. WidthMinusOne() >= 2^depth - 1.
  DSIM_CHECK_MSG(range.IsFullRing() || range.WidthMinusOne() >= (uint64_t{1} << depth) - 1,
                 "token range too narrow for this Merkle depth");
  leaf_sums_.assign(leaf_count(), Digest128{});
  leaf_counts_.assign(leaf_count(), 0);
}

uint64_t MerkleTree::LeafIndex(uint64_t token) const {
  DSIM_CHECK(range_.Contains(token));
  const uint64_t offset = range_.Offset(token);
  if (range_.IsFullRing()) return depth_ == 0 ? 0 : offset >> (64 - depth_);
  // Descend the halvings: a sub-range of w tokens puts floor(w / 2) on the left.
  unsigned __int128 width = static_cast<unsigned __int128>(range_.WidthMinusOne()) + 1;
  unsigned __int128 rel = offset;
  uint64_t leaf = 0;
  for (int level = 0; level < depth_; ++level) {
    const unsigned __int128 half = width / 2;
    leaf <<= 1;
    if (rel < half) {
      width = half;
    } else {
      rel -= half;
      width -= half;
      leaf |= 1;
    }
  }
  return leaf;
}

TokenRange MerkleTree::LeafRange(uint64_t i) const {
  DSIM_CHECK(i < leaf_count());
  TokenRange r = range_;
  for (int level = depth_ - 1; level >= 0; --level) {
    auto [left, right] = r.Split();
    r = ((i >> level) & 1) ? right : left;
  }
  return r;
}

void MerkleTree::Add(uint64_t token, const Digest128& d) {
  DSIM_CHECK_MSG(!finalized_, "MerkleTree::Add after Finalize");
  const uint64_t leaf = LeafIndex(token);
  Digest128& sum = leaf_sums_[leaf];
  const uint64_t low = sum.low + d.low;
  sum.high += d.high + (low < sum.low ? 1 : 0);
  sum.low = low;
  ++leaf_counts_[leaf];
}

void MerkleTree::Finalize() {
  DSIM_CHECK_MSG(!finalized_, "MerkleTree::Finalize called twice");
  finalized_ = true;
  nodes_.assign(2 * leaf_count() - 1, Digest128{});
  for (uint64_t i = 0; i < leaf_count(); ++i) {
    if (leaf_counts_[i] == 0) continue;  // empty leaf: all-zero digest
    const uint64_t words[3] = {leaf_sums_[i].low, leaf_sums_[i].high, leaf_counts_[i]};
    nodes_[LeafNode(i)] = HashWords(words, 3);
  }
  for (uint64_t n = leaf_count() - 1; n-- > 0;) {
    const Digest128& l = nodes_[2 * n + 1];
    const Digest128& r = nodes_[2 * n + 2];
    const uint64_t words[4] = {l.low, l.high, r.low, r.high};
    nodes_[n] = HashWords(words, 4);
  }
}

Digest128 MerkleTree::root() const {
  DSIM_CHECK(finalized_);
  return nodes_[0];
}

uint64_t MerkleTree::LeafPartitionCount(uint64_t i) const {
  DSIM_CHECK(i < leaf_count());
  return leaf_counts_[i];
}

Digest128 MerkleTree::LeafDigest(uint64_t i) const {
  DSIM_CHECK(finalized_ && i < leaf_count());
  return nodes_[LeafNode(i)];
}

uint64_t MerkleTree::SerializedSizeBytes() const { return 17 + 16 * (2 * leaf_count() - 1); }

std::string MerkleTree::Serialize() const {
  DSIM_CHECK(finalized_);
  std::string out;
  out.reserve(SerializedSizeBytes());
  PutFixed64(&out, range_.begin());
  PutFixed64(&out, range_.end());
  out.push_back(static_cast<char>(depth_));
  for (const Digest128& d : nodes_) {
    PutFixed64(&out, d.low);
    PutFixed64(&out, d.high);
  }
  DSIM_CHECK(out.size() == SerializedSizeBytes());
  return out;
}

absl::StatusOr<MerkleTree> MerkleTree::Deserialize(std::string_view bytes) {
  uint64_t begin = 0, end = 0;
  uint8_t depth = 0;
  if (!GetFixed64(&bytes, &begin) || !GetFixed64(&bytes, &end) || !GetByte(&bytes, &depth)) {
    return absl::DataLossError("merkle tree: truncated header");
  }
  const TokenRange range(begin, end);
  if (depth > kMaxDepth ||
      (!range.IsFullRing() && range.WidthMinusOne() < (uint64_t{1} << depth) - 1)) {
    return absl::DataLossError("merkle tree: bad depth");
  }
  const uint64_t nodes = (uint64_t{2} << depth) - 1;
  if (bytes.size() != 16 * nodes) return absl::DataLossError("merkle tree: bad length");
  MerkleTree t(range, depth);
  t.finalized_ = true;
  t.nodes_.resize(nodes);
  for (Digest128& d : t.nodes_) {
    if (!GetFixed64(&bytes, &d.low) || !GetFixed64(&bytes, &d.high)) {
      return absl::DataLossError("merkle tree: truncated nodes");
    }
  }
  return t;
}

std::vector<TokenRange> MerkleTree::Difference(const MerkleTree& a, const MerkleTree& b) {
  DSIM_CHECK(a.finalized_ && b.finalized_);
  DSIM_CHECK_MSG(a.range_ == b.range_ && a.depth_ == b.depth_,
                 "comparing Merkle trees of different shape");
  // Iterative depth-first walk, left child first, so leaves come out in ring order.
  std::vector<uint64_t> leaves;
  std::vector<uint64_t> stack = {0};
  const uint64_t first_leaf = a.leaf_count() - 1;
  while (!stack.empty()) {
    const uint64_t n = stack.back();
    stack.pop_back();
    if (a.nodes_[n] == b.nodes_[n]) continue;
    if (n >= first_leaf) {
      leaves.push_back(n - first_leaf);
    } else {
      stack.push_back(2 * n + 2);
      stack.push_back(2 * n + 1);
    }
  }
  std::vector<TokenRange> ranges;
  for (size_t i = 0; i < leaves.size();) {
    size_t j = i;
    while (j + 1 < leaves.size() && leaves[j + 1] == leaves[j] + 1) ++j;
    ranges.emplace_back(a.LeafRange(leaves[i]).begin(), a.LeafRange(leaves[j]).end());
    i = j + 1;
  }
  // On a full-ring tree the last leaf ends where the first begins: join a run ending at the
  // last leaf with one starting at the first.
  if (a.range_.IsFullRing() && ranges.size() >= 2 && leaves.front() == 0 &&
      leaves.back() == a.leaf_count() - 1) {
    ranges.front() = TokenRange(ranges.back().begin(), ranges.front().end());
    ranges.pop_back();
  }
  return ranges;
}

}  // namespace dsim::engine
