// MerkleDag: one SSTable as a content-addressed Merkle DAG, hypercore style: a binary hash tree
// over the SSTable's chunks (chunk i is leaf i), so that any chunk, fetched from anyone, can be
// checked against the SSTable's 128-bit root alone.
//
// Layout: the flat in-order tree of engine/flat_tree.h (leaf i at index 2i, parents at odd
// indices). For a chunk count n that is not a power of two the tree is hypercore's forest of
// perfect trees, one per one-bit of n ("full roots", flat_tree::FullRoots), whose roots are
// combined into one root hash; nothing is padded, so appending a chunk never changes an existing
// node.
//
// Hashes (XXH3-128; integers as little-endian fixed64, digests as low then high half; hypercore
// writes big-endian sizes and uses BLAKE2b, otherwise the same scheme):
//   leaf   = H(0x00 || size || address.low || address.high)                 25 bytes hashed
//   parent = H(0x01 || left.size + right.size || left.hash || right.hash)  41 bytes
//   root   = H(0x02 || for each full root, left to right: hash || index || size)  1 + 32 r
// where size is the number of chunk bytes a node covers and address = ChunkAddressOf(bytes).
// The type byte and the input lengths keep the three apart, so (short of a 128-bit collision) a
// leaf never passes for a parent, nor the reverse, and the sizes make every node commit to the byte
// length under it; the root's indices commit to n (they are FullRoots(n)). Leaves hash the chunk's
// address rather than its bytes, so a node can walk a peer's tree down to the chunk addresses
// (verifying each step with VerifyChildren / VerifyLeafRef) and fetch only the chunks its
// ChunkStore lacks. The root of zero chunks is H(0x02).
//
// Proof of chunk i (DagProof): the sibling hashes and sizes along the path from leaf i up to the
// full root holding it (the depth of that root: at most floor(log2 n)), then the other full roots
// left to right (popcount(n) - 1 of them); node indices are implied by (i, n). Wire form:
// fixed64 chunk_index, fixed64 chunk_count, then per node hash.low, hash.high, size as fixed64:
// SerializedBytes() = 16 + 24 (path + other roots), with path + other roots at most
// floor(log2 n) + popcount(n) - 1 (n = 2^k: k nodes, 16 + 24 k bytes).
//
// Node wire form (DagNode, a top-down walk's unit): fixed64 index, fixed64 size, hash.low,
// hash.high = 32 bytes. A chunk reference (ChunkRef, the leaf's content): address 16 + size 8.
//
// Cost: building hashes n leaves and n - popcount(n) parents once (and keeps them: 24 bytes per
// flat index, about 48 per chunk, plus the 24-byte ChunkRef); Prove copies about log2(n) +
// popcount(n) nodes, Verify hashes as many inputs plus the chunk's bytes.
//
//   MerkleDag dag = MerkleDag::FromData(sstable_bytes, Chunker(opts).Split(sstable_bytes));
//   DagProof proof = dag.Prove(i);                        // sent with chunk i
//   MerkleDag::Verify(dag.root(), i, chunk_bytes, proof);  // on the receiver
#ifndef DSIM_ENGINE_MERKLE_DAG_H_
#define DSIM_ENGINE_MERKLE_DAG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/chunk_store.h"
#include "engine/chunker.h"
#include "engine/hash.h"

namespace dsim::engine {

// The hash type prefixes.
inline constexpr uint8_t kDagLeafType = 0x00;
inline constexpr uint8_t kDagParentType = 0x01;
inline constexpr uint8_t kDagRootType = 0x02;

// A chunk as a leaf sees it.
struct ChunkRef {
  static constexpr uint64_t kSerializedBytes = 24;

  ChunkAddress address;
  uint64_t size_bytes = 0;

  friend bool operator==(const ChunkRef&, const ChunkRef&) = default;
};

// A node of the tree: its flat index, the chunk bytes under it and its hash.
struct DagNode {
  static constexpr uint64_t kSerializedBytes = 32;

  uint64_t index = 0;
  uint64_t size_bytes = 0;
  Digest128 hash;

  friend bool operator==(const DagNode&, const DagNode&) = default;

  void AppendTo(std::string* out) const;
  // InvalidArgument unless bytes.size() == kSerializedBytes.
  [[nodiscard]] static absl::StatusOr<DagNode> Parse(std::string_view bytes);
};

// A hash with the byte size it covers: a proof's unit (the index is implied).
struct DagHashSize {
  Digest128 hash;
  uint64_t size_bytes = 0;

  friend bool operator==(const DagHashSize&, const DagHashSize&) = default;
};

struct DagProof {
  uint64_t chunk_index = 0;
  uint64_t chunk_count = 0;
  std::vector<DagHashSize> path;         // siblings, from the leaf's up to the full root's child
  std::vector<DagHashSize> other_roots;  // the full roots but the leaf's, left to right

  friend bool operator==(const DagProof&, const DagProof&) = default;

  uint64_t SerializedBytes() const { return 16 + 24 * (path.size() + other_roots.size()); }
  std::string Serialize() const;
  // InvalidArgument if the header is short, chunk_index >= chunk_count, chunk_count exceeds
  // MerkleDag::kMaxChunks, or the length is not the one (chunk_index, chunk_count) imply.
  [[nodiscard]] static absl::StatusOr<DagProof> Parse(std::string_view bytes);
};

Digest128 DagLeafHash(const ChunkRef& chunk);
// REQUIRES: left.size_bytes + right.size_bytes does not overflow.
Digest128 DagParentHash(const DagHashSize& left, const DagHashSize& right);
// `roots` with their indices, left to right.
Digest128 DagRootHash(absl::Span<const DagNode> roots);

class MerkleDag {
 public:
  static constexpr uint64_t kMaxChunks = uint64_t{1} << 40;

  // REQUIRES: chunks.size() <= kMaxChunks; the total size fits 64 bits.
  explicit MerkleDag(std::vector<ChunkRef> chunks);
  // The DAG of data cut at `spans`. REQUIRES: spans cover data contiguously from 0 (as
  // Chunker::Split returns them).
  static MerkleDag FromData(std::string_view data, absl::Span<const ChunkSpan> spans);

  uint64_t chunk_count() const { return chunks_.size(); }
  uint64_t size_bytes() const { return size_bytes_; }
  const Digest128& root() const { return root_; }
  // REQUIRES: i < chunk_count().
  const ChunkRef& chunk(uint64_t i) const;
  const std::vector<ChunkRef>& chunks() const { return chunks_; }
  // chunk(i).address for every i, in chunk order.
  std::vector<ChunkAddress> ChunkAddresses() const;

  // The full roots, left to right (what a top-down walk starts from).
  std::vector<DagNode> Roots() const;
  // flat_tree::Exists(index, chunk_count()).
  bool HasNode(uint64_t index) const;
  // REQUIRES: HasNode(index).
  DagNode Node(uint64_t index) const;
  // REQUIRES: HasNode(index), depth >= 1 (an odd index).
  std::pair<DagNode, DagNode> Children(uint64_t index) const;

  // REQUIRES: chunk_index < chunk_count().
  DagProof Prove(uint64_t chunk_index) const;

  // `chunk_bytes` is chunk `chunk_index` of the DAG with root `root`, by `proof`. False for any
  // proof that does not match (wrong index or count, wrong shape, any wrong hash or size).
  static bool Verify(const Digest128& root, uint64_t chunk_index, std::string_view chunk_bytes,
                     const DagProof& proof);

  // Top-down walk checks. VerifyRoots: `roots` are the full roots of some chunk count, left to
  // right, and hash to `root`. VerifyChildren: `left` and `right` are the children of `parent`
  // and hash to it. VerifyLeafRef: `leaf` is a leaf and `chunk` hashes to it.
  static bool VerifyRoots(const Digest128& root, absl::Span<const DagNode> roots);
  static bool VerifyChildren(const DagNode& parent, const DagNode& left, const DagNode& right);
  static bool VerifyLeafRef(const DagNode& leaf, const ChunkRef& chunk);

  // Wire bytes of the full-roots message for `chunk_count` chunks: popcount * kSerializedBytes.
  static uint64_t RootsSerializedBytes(uint64_t chunk_count);

 private:
  std::vector<ChunkRef> chunks_;
  std::vector<Digest128> hashes_;  // by flat index; entries of nodes that do not exist are zero
  std::vector<uint64_t> sizes_;
  uint64_t size_bytes_ = 0;
  Digest128 root_;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_MERKLE_DAG_H_
