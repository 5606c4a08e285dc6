#include "engine/merkle_dag.h"

#include <bit>
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "engine/coding.h"
#include "engine/flat_tree.h"

namespace dsim::engine {
namespace {

// A hash input of at most N bytes, built on the stack (a node hash must not allocate).
template <size_t N>
class HashInput {
 public:
  explicit HashInput(uint8_t type) { data_[n_++] = static_cast<char>(type); }
  void Fixed64(uint64_t v) {
    DSIM_CHECK(n_ + 8 <= N);
    for (int i = 0; i < 8; ++i) data_[n_++] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
  void Digest(const Digest128& d) {
    Fixed64(d.low);
    Fixed64(d.high);
  }
  Digest128 Hash() const { return Hash128(std::string_view(data_, n_)); }

 private:
  char data_[N];
  size_t n_ = 0;
};

// A chunk count <= kMaxChunks = 2^40 has at most 41 one-bits, so at most 41 full roots.
constexpr size_t kMaxRoots = 64;

bool SumFits(uint64_t a, uint64_t b) { return a <= UINT64_MAX - b; }

// The full roots of `chunk_count` chunks and the position among them of the one holding
// `chunk_index`. REQUIRES: chunk_index < chunk_count <= MerkleDag::kMaxChunks.
struct ProofShape {
  std::vector<uint64_t> roots;
  size_t position = 0;

  ProofShape(uint64_t chunk_index, uint64_t chunk_count)
      : roots(flat_tree::FullRoots(chunk_count)) {
    DSIM_CHECK(chunk_index < chunk_count && chunk_count <= MerkleDag::kMaxChunks);
    while (flat_tree::FirstLeaf(roots[position]) + flat_tree::LeafCount(roots[position]) <=
           chunk_index) {
      ++position;
      DSIM_CHECK(position < roots.size());
    }
  }
  size_t path_length() const { return flat_tree::Depth(roots[position]); }
  size_t other_roots() const { return roots.size() - 1; }
};

bool GetHashSize(std::string_view* in, DagHashSize* out) {
  return GetFixed64(in, &out->hash.low) && GetFixed64(in, &out->hash.high) &&
         GetFixed64(in, &out->size_bytes);
}

}  // namespace

void DagNode::AppendTo(std::string* out) const {
  PutFixed64(out, index);
  PutFixed64(out, size_bytes);
  PutFixed64(out, hash.low);
  PutFixed64(out, hash.high);
}

absl::StatusOr<DagNode> DagNode::Parse(std::string_view bytes) {
  if (bytes.size() != kSerializedBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("dag node: ", bytes.size(), " bytes, expected ", kSerializedBytes));
  }
  DagNode n;
  const bool ok = GetFixed64(&bytes, &n.index) && GetFixed64(&bytes, &n.size_bytes) &&
                  GetFixed64(&bytes, &n.hash.low) && GetFixed64(&bytes, &n.hash.high);
  DSIM_CHECK(ok && bytes.empty());
  return n;
}

std::string DagProof::Serialize() const {
  std::string out;
  out.reserve(SerializedBytes());
  PutFixed64(&out, chunk_index);
  PutFixed64(&out, chunk_count);
  for (const auto* list : {&path, &other_roots}) {
    for (const DagHashSize& n : *list) {
      PutFixed64(&out, n.hash.low);
      PutFixed64(&out, n.hash.high);
      PutFixed64(&out, n.size_bytes);
    }
  }
  DSIM_CHECK(out.size() == SerializedBytes());
  return out;
}

absl::StatusOr<DagProof> DagProof::Parse(std::string_view bytes) {
  DagProof p;
  if (!GetFixed64(&bytes, &p.chunk_index) || !GetFixed64(&bytes, &p.chunk_count)) {
    return absl::InvalidArgumentError("dag proof: header shorter than 16 bytes");
  }
  if (p.chunk_index >= p.chunk_count || p.chunk_count > MerkleDag::kMaxChunks) {
    return absl::InvalidArgumentError(absl::StrCat("dag proof: chunk ", p.chunk_index, " of ",
                                                   p.chunk_count, " is out of range"));
  }
  const ProofShape shape(p.chunk_index, p.chunk_count);
  const uint64_t nodes = shape.path_length() + shape.other_roots();
  if (bytes.size() != 24 * nodes) {
    return absl::InvalidArgumentError(
        absl::StrCat("dag proof: ", bytes.size(), " bytes of nodes, expected ", 24 * nodes));
  }
  p.path.resize(shape.path_length());
  p.other_roots.resize(shape.other_roots());
  for (auto* list : {&p.path, &p.other_roots}) {
    for (DagHashSize& n : *list) DSIM_CHECK(GetHashSize(&bytes, &n));
  }
  DSIM_CHECK(bytes.empty());
  return p;
}

Digest128 DagLeafHash(const ChunkRef& chunk) {
  HashInput<25> in(kDagLeafType);
  in.Fixed64(chunk.size_bytes);
  in.Digest(chunk.address);
  return in.Hash();
}

Digest128 DagParentHash(const DagHashSize& left, const DagHashSize& right) {
  DSIM_CHECK(SumFits(left.size_bytes, right.size_bytes));
  HashInput<41> in(kDagParentType);
  in.Fixed64(left.size_bytes + right.size_bytes);
  in.Digest(left.hash);
  in.Digest(right.hash);
  return in.Hash();
}

Digest128 DagRootHash(absl::Span<const DagNode> roots) {
  DSIM_CHECK(roots.size() <= kMaxRoots);
  HashInput<1 + 32 * kMaxRoots> in(kDagRootType);
  for (const DagNode& r : roots) {
    in.Digest(r.hash);
    in.Fixed64(r.index);
    in.Fixed64(r.size_bytes);
  }
  return in.Hash();
}

MerkleDag::MerkleDag(std::vector<ChunkRef> chunks) : chunks_(std::move(chunks)) {
  const uint64_t n = chunks_.size();
  DSIM_CHECK_MSG(n <= kMaxChunks, "MerkleDag: too many chunks");
  if (n > 0) {
    hashes_.assign(2 * n - 1, Digest128{});
    sizes_.assign(2 * n - 1, 0);
  }
  for (uint64_t i = 0; i < n; ++i) {
    DSIM_CHECK_MSG(SumFits(size_bytes_, chunks_[i].size_bytes), "MerkleDag: size overflows");
    size_bytes_ += chunks_[i].size_bytes;
    hashes_[2 * i] = DagLeafHash(chunks_[i]);
    sizes_[2 * i] = chunks_[i].size_bytes;
  }
  // At depth d the nodes that exist are offsets 0 .. floor(n / 2^d) - 1; children come first.
  for (int depth = 1; depth < 64 && (n >> depth) > 0; ++depth) {
    for (uint64_t o = 0; o < (n >> depth); ++o) {
      const uint64_t i = flat_tree::Index(depth, o);
      const uint64_t l = flat_tree::LeftChild(i), r = flat_tree::RightChild(i);
      sizes_[i] = sizes_[l] + sizes_[r];  // <= size_bytes_, so no overflow
      hashes_[i] = DagParentHash({hashes_[l], sizes_[l]}, {hashes_[r], sizes_[r]});
    }
  }
  root_ = DagRootHash(Roots());
}

MerkleDag MerkleDag::FromData(std::string_view data, absl::Span<const ChunkSpan> spans) {
  std::vector<ChunkRef> chunks;
  chunks.reserve(spans.size());
  uint64_t offset = 0;
  for (const ChunkSpan& s : spans) {
    DSIM_CHECK_MSG(s.offset == offset && s.length <= data.size() - offset,
                   "MerkleDag::FromData: spans do not tile the data");
    chunks.push_back(ChunkRef{ChunkAddressOf(data.substr(s.offset, s.length)), s.length});
    offset += s.length;
  }
  DSIM_CHECK_MSG(offset == data.size(), "MerkleDag::FromData: spans do not cover the data");
  return MerkleDag(std::move(chunks));
}

const ChunkRef& MerkleDag::chunk(uint64_t i) const {
  DSIM_CHECK(i < chunks_.size());
  return chunks_[i];
}

std::vector<ChunkAddress> MerkleDag::ChunkAddresses() const {
  std::vector<ChunkAddress> out;
  out.reserve(chunks_.size());
  for (const ChunkRef& c : chunks_) out.push_back(c.address);
  return out;
}

std::vector<DagNode> MerkleDag::Roots() const {
  std::vector<DagNode> roots;
  for (uint64_t i : flat_tree::FullRoots(chunk_count())) roots.push_back(Node(i));
  return roots;
}

bool MerkleDag::HasNode(uint64_t index) const {
  return index < flat_tree::kMaxIndex && flat_tree::Exists(index, chunk_count());
}

DagNode MerkleDag::Node(uint64_t index) const {
  DSIM_CHECK(HasNode(index));
  return DagNode{index, sizes_[index], hashes_[index]};
}

std::pair<DagNode, DagNode> MerkleDag::Children(uint64_t index) const {
  DSIM_CHECK(HasNode(index) && flat_tree::Depth(index) >= 1);
  return {Node(flat_tree::LeftChild(index)), Node(flat_tree::RightChild(index))};
}

DagProof MerkleDag::Prove(uint64_t chunk_index) const {
  const ProofShape shape(chunk_index, chunk_count());
  DagProof p{chunk_index, chunk_count(), {}, {}};
  const uint64_t root = shape.roots[shape.position];
  for (uint64_t i = flat_tree::LeafIndex(chunk_index); i != root; i = flat_tree::Parent(i)) {
    const uint64_t s = flat_tree::Sibling(i);
    p.path.push_back(DagHashSize{hashes_[s], sizes_[s]});
  }
  for (size_t k = 0; k < shape.roots.size(); ++k) {
    const uint64_t r = shape.roots[k];
    if (k != shape.position) p.other_roots.push_back(DagHashSize{hashes_[r], sizes_[r]});
  }
  DSIM_CHECK(p.path.size() == shape.path_length());
  return p;
}

bool MerkleDag::Verify(const Digest128& root, uint64_t chunk_index, std::string_view chunk_bytes,
                       const DagProof& proof) {
  if (proof.chunk_index != chunk_index || chunk_index >= proof.chunk_count ||
      proof.chunk_count > kMaxChunks) {
    return false;
  }
  const ProofShape shape(chunk_index, proof.chunk_count);
  if (proof.path.size() != shape.path_length() || proof.other_roots.size() != shape.other_roots()) {
    return false;
  }
  const uint64_t size = chunk_bytes.size();
  DagHashSize node{DagLeafHash(ChunkRef{ChunkAddressOf(chunk_bytes), size}), size};
  uint64_t i = flat_tree::LeafIndex(chunk_index);
  for (const DagHashSize& sibling : proof.path) {
    if (!SumFits(node.size_bytes, sibling.size_bytes)) return false;
    const DagHashSize& left = flat_tree::IsLeftChild(i) ? node : sibling;
    const DagHashSize& right = flat_tree::IsLeftChild(i) ? sibling : node;
    node = DagHashSize{DagParentHash(left, right), node.size_bytes + sibling.size_bytes};
    i = flat_tree::Parent(i);
  }
  DSIM_CHECK(i == shape.roots[shape.position]);
  std::vector<DagNode> roots;
  roots.reserve(shape.roots.size());
  for (size_t k = 0, other = 0; k < shape.roots.size(); ++k) {
    const DagHashSize& r = k == shape.position ? node : proof.other_roots[other++];
    roots.push_back(DagNode{shape.roots[k], r.size_bytes, r.hash});
  }
  return DagRootHash(roots) == root;
}

bool MerkleDag::VerifyRoots(const Digest128& root, absl::Span<const DagNode> roots) {
  if (roots.empty()) return DagRootHash(roots) == root;
  const uint64_t last = roots.back().index;
  if (last >= flat_tree::kMaxIndex) return false;
  const uint64_t count = flat_tree::RightSpan(last) / 2 + 1;  // the chunk count they imply
  if (count > kMaxChunks) return false;
  const std::vector<uint64_t> expected = flat_tree::FullRoots(count);
  if (expected.size() != roots.size()) return false;
  for (size_t k = 0; k < roots.size(); ++k) {
    if (roots[k].index != expected[k]) return false;
  }
  return DagRootHash(roots) == root;
}

bool MerkleDag::VerifyChildren(const DagNode& parent, const DagNode& left, const DagNode& right) {
  if (parent.index >= flat_tree::kMaxIndex || flat_tree::Depth(parent.index) < 1) return false;
  if (left.index != flat_tree::LeftChild(parent.index) ||
      right.index != flat_tree::RightChild(parent.index)) {
    return false;
  }
  if (!SumFits(left.size_bytes, right.size_bytes) ||
      left.size_bytes + right.size_bytes != parent.size_bytes) {
    return false;
  }
  return DagParentHash({left.hash, left.size_bytes}, {right.hash, right.size_bytes}) == parent.hash;
}

bool MerkleDag::VerifyLeafRef(const DagNode& leaf, const ChunkRef& chunk) {
  return flat_tree::Depth(leaf.index) == 0 && leaf.size_bytes == chunk.size_bytes &&
         DagLeafHash(chunk) == leaf.hash;
}

uint64_t MerkleDag::RootsSerializedBytes(uint64_t chunk_count) {
  return static_cast<uint64_t>(std::popcount(chunk_count)) * DagNode::kSerializedBytes;
}

}  // namespace dsim::engine
