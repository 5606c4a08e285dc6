#include "engine/merkle_dag.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/coding.h"
#include "engine/flat_tree.h"
#include "engine/hash.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

// `n` distinct chunks of 1..max_len random bytes.
std::vector<std::string> RandomChunks(SplitMix64& rng, uint64_t n, uint64_t max_len = 300) {
  std::vector<std::string> out;
  for (uint64_t i = 0; i < n; ++i) out.push_back(RandomBytes(rng, 1 + rng.Below(max_len)));
  return out;
}

std::vector<ChunkRef> Refs(const std::vector<std::string>& chunks) {
  std::vector<ChunkRef> refs;
  for (const std::string& c : chunks) refs.push_back(ChunkRef{ChunkAddressOf(c), c.size()});
  return refs;
}

// An independent derivation of the root: hash inputs written with coding.h into strings, the
// forest found by recursion over leaf ranges, each root's index as the midpoint of its span.
struct RefNode {
  Digest128 hash;
  uint64_t size;
};
void PutDigest(std::string* s, const Digest128& d) {
  PutFixed64(s, d.low);
  PutFixed64(s, d.high);
}
RefNode Subtree(const std::vector<ChunkRef>& c, uint64_t first, uint64_t count) {
  std::string in;
  if (count == 1) {
    in.push_back('\x00');
    PutFixed64(&in, c[first].size_bytes);
    PutDigest(&in, c[first].address);
    return {Hash128(in), c[first].size_bytes};
  }
  const RefNode l = Subtree(c, first, count / 2), r = Subtree(c, first + count / 2, count / 2);
  in.push_back('\x01');
  PutFixed64(&in, l.size + r.size);
  PutDigest(&in, l.hash);
  PutDigest(&in, r.hash);
  return {Hash128(in), l.size + r.size};
}
Digest128 ReferenceRoot(const std::vector<ChunkRef>& c) {
  std::string in = "\x02";
  uint64_t first = 0;
  for (int d = 63; d >= 0; --d) {
    if (((c.size() >> d) & 1) == 0) continue;
    const uint64_t count = uint64_t{1} << d;
    const RefNode r = Subtree(c, first, count);
    PutDigest(&in, r.hash);
    PutFixed64(&in, 2 * first + count - 1);  // leaves at 2i: the span's midpoint
    PutFixed64(&in, r.size);
    first += count;
  }
  return Hash128(in);
}

TEST(MerkleDagTest, RootMatchesAnIndependentDerivation) {
  SplitMix64 rng{1};
  for (uint64_t n = 0; n <= 80; ++n) {
    const std::vector<ChunkRef> refs = Refs(RandomChunks(rng, n));
    const MerkleDag dag(refs);
    EXPECT_EQ(dag.root(), ReferenceRoot(refs)) << n;
    EXPECT_EQ(dag.chunk_count(), n);
  }
  const std::vector<ChunkRef> refs = Refs(RandomChunks(rng, 1000));
  EXPECT_EQ(MerkleDag(refs).root(), ReferenceRoot(refs));
  EXPECT_EQ(MerkleDag({}).root(), Hash128("\x02"));
}

TEST(MerkleDagTest, GoldenRoot) {
  // Produced by this implementation, and equal to ReferenceRoot (checked above for all sizes).
  std::vector<std::string> chunks;
  for (int i = 0; i < 11; ++i) chunks.push_back(std::string(100 + i, static_cast<char>('a' + i)));
  const MerkleDag dag(Refs(chunks));
  EXPECT_EQ(dag.root(), ReferenceRoot(Refs(chunks)));
  EXPECT_EQ(dag.root().ToHex(), "11a2ac75902c884e81806fef25c7e980");
  EXPECT_EQ(dag.size_bytes(), 1155u);
}

TEST(MerkleDagTest, FromDataHashesEachSpan) {
  SplitMix64 rng{2};
  const std::string data = RandomBytes(rng, 200000);
  ChunkingOptions o;
  o.min_bytes = 256;
  o.avg_bytes = 1024;
  o.max_bytes = 4096;
  const std::vector<ChunkSpan> spans = Chunker(o).Split(data);
  const MerkleDag dag = MerkleDag::FromData(data, spans);
  ASSERT_EQ(dag.chunk_count(), spans.size());
  EXPECT_EQ(dag.size_bytes(), data.size());
  std::vector<ChunkAddress> addresses = dag.ChunkAddresses();
  for (size_t i = 0; i < spans.size(); ++i) {
    const std::string_view bytes = std::string_view(data).substr(spans[i].offset, spans[i].length);
    EXPECT_EQ(dag.chunk(i), (ChunkRef{Hash128(bytes), spans[i].length}));
    EXPECT_EQ(addresses[i], Hash128(bytes));
  }
}

TEST(MerkleDagTest, EveryProofVerifiesAndHasTheStatedSize) {
  SplitMix64 rng{3};
  for (uint64_t n : {1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 31, 64, 100, 257, 1000}) {
    const std::vector<std::string> chunks = RandomChunks(rng, n);
    const MerkleDag dag(Refs(chunks));
    const int ceil_log2 = n <= 1 ? 0 : std::bit_width(n - 1);
    for (uint64_t i = 0; i < n; ++i) {
      const DagProof p = dag.Prove(i);
      ASSERT_TRUE(MerkleDag::Verify(dag.root(), i, chunks[i], p)) << n << " " << i;
      EXPECT_LE(p.path.size(), static_cast<size_t>(ceil_log2));
      EXPECT_EQ(p.other_roots.size(), static_cast<size_t>(std::popcount(n) - 1));
      EXPECT_EQ(p.SerializedBytes(), 16 + 24 * (p.path.size() + p.other_roots.size()));
      const std::string wire = p.Serialize();
      EXPECT_EQ(wire.size(), p.SerializedBytes());
      absl::StatusOr<DagProof> parsed = DagProof::Parse(wire);
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ(*parsed, p);
      // Another chunk's bytes, or this chunk at another index, do not verify.
      const uint64_t j = (i + 1) % n;
      if (j != i) {
        EXPECT_FALSE(MerkleDag::Verify(dag.root(), i, chunks[j], p));
        EXPECT_FALSE(MerkleDag::Verify(dag.root(), j, chunks[i], dag.Prove(j)));
      }
    }
    if ((n & (n - 1)) == 0) {
      EXPECT_EQ(dag.Prove(0).SerializedBytes(), 16 + 24u * ceil_log2);
    }
  }
}

TEST(MerkleDagTest, AnySingleBitFlipFailsVerification) {
  SplitMix64 rng{4};
  for (uint64_t n : {1, 6, 11}) {
    const std::vector<std::string> chunks = RandomChunks(rng, n, 60);
    const MerkleDag dag(Refs(chunks));
    for (uint64_t i = 0; i < n; ++i) {
      const DagProof proof = dag.Prove(i);
      for (size_t bit = 0; bit < 8 * chunks[i].size(); ++bit) {
        std::string bad = chunks[i];
        bad[bit / 8] ^= static_cast<char>(1 << (bit % 8));
        EXPECT_FALSE(MerkleDag::Verify(dag.root(), i, bad, proof)) << "chunk bit " << bit;
      }
      // Every bit of the proof's wire form: header, hashes and sizes.
      const std::string wire = proof.Serialize();
      for (size_t bit = 0; bit < 8 * wire.size(); ++bit) {
        std::string bad = wire;
        bad[bit / 8] ^= static_cast<char>(1 << (bit % 8));
        absl::StatusOr<DagProof> p = DagProof::Parse(bad);
        if (p.ok()) {
          EXPECT_FALSE(MerkleDag::Verify(dag.root(), i, chunks[i], *p)) << "proof bit " << bit;
        }
      }
      for (int bit = 0; bit < 128; ++bit) {
        Digest128 root = dag.root();
        (bit < 64 ? root.low : root.high) ^= uint64_t{1} << (bit % 64);
        EXPECT_FALSE(MerkleDag::Verify(root, i, chunks[i], proof)) << "root bit " << bit;
      }
    }
  }
}

// The textbook Merkle tree without type prefixes, sizes or indices: leaf = H(bytes), parent =
// H(left || right). Here a parent's children, concatenated, pass for a leaf.
Digest128 NaiveRoot(const std::vector<std::string>& leaves) {
  std::vector<Digest128> level;
  for (const std::string& l : leaves) level.push_back(Hash128(l));
  while (level.size() > 1) {
    std::vector<Digest128> up;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      std::string in;
      PutDigest(&in, level[i]);
      PutDigest(&in, level[i + 1]);
      up.push_back(Hash128(in));
    }
    level = up;
  }
  return level[0];
}

TEST(MerkleDagTest, LeafCannotPassForParent) {
  SplitMix64 rng{5};
  const std::vector<std::string> chunks = RandomChunks(rng, 4);
  // The attack works on the naive tree: the two "chunks" H(c0) || H(c1) and H(c2) || H(c3).
  std::vector<std::string> forged(2);
  for (int i = 0; i < 4; ++i) PutDigest(&forged[i / 2], Hash128(chunks[i]));
  ASSERT_EQ(NaiveRoot(forged), NaiveRoot(chunks));

  // The same attack on the DAG. Node 1 is the parent of leaves 0 and 2 (chunks 0 and 1).
  const MerkleDag dag(Refs(chunks));
  const DagNode parent = dag.Node(1), left = dag.Node(0), right = dag.Node(2), other = dag.Node(5);
  std::vector<std::string> fakes(3);
  PutDigest(&fakes[0], left.hash);  // the children's hashes, concatenated
  PutDigest(&fakes[0], right.hash);
  fakes[1].push_back('\x01');  // the parent's exact hash input
  PutFixed64(&fakes[1], parent.size_bytes);
  fakes[1] += fakes[0];
  ASSERT_EQ(Hash128(fakes[1]), parent.hash);  // it is the preimage
  fakes[2] = fakes[0] + std::string(8, '\0');
  for (const std::string& fake : fakes) {
    // As a leaf, its hash is not the parent's.
    EXPECT_NE(DagLeafHash(ChunkRef{ChunkAddressOf(fake), fake.size()}), parent.hash);
    EXPECT_NE(DagLeafHash(ChunkRef{ChunkAddressOf(fake), parent.size_bytes}), parent.hash);
    // As chunk 0 of a two-chunk DAG whose other chunk is node 5's subtree: rejected.
    const DagProof two{0, 2, {{other.hash, other.size_bytes}}, {}};
    EXPECT_FALSE(MerkleDag::Verify(dag.root(), 0, fake, two));
    // In the real shape, in place of chunk 0 or 1, with the real proofs.
    EXPECT_FALSE(MerkleDag::Verify(dag.root(), 0, fake, dag.Prove(0)));
    EXPECT_FALSE(MerkleDag::Verify(dag.root(), 1, fake, dag.Prove(1)));
  }
  // Walking down, a parent presented as a leaf does not match any chunk reference made of its
  // children (nor the leaf index), and the honest ones do.
  const DagNode as_leaf{0, parent.size_bytes, parent.hash};
  EXPECT_FALSE(MerkleDag::VerifyLeafRef(as_leaf, ChunkRef{left.hash, parent.size_bytes}));
  EXPECT_FALSE(MerkleDag::VerifyLeafRef(as_leaf, ChunkRef{right.hash, parent.size_bytes}));
  EXPECT_FALSE(MerkleDag::VerifyLeafRef(parent, dag.chunk(0)));
  EXPECT_TRUE(MerkleDag::VerifyLeafRef(left, dag.chunk(0)));
  // And a leaf does not pass for a parent of two leaves built from its own reference.
  const DagNode leaf_up{1, left.size_bytes, left.hash};
  EXPECT_FALSE(MerkleDag::VerifyChildren(leaf_up, DagNode{0, left.size_bytes, left.hash},
                                         DagNode{2, 0, Digest128{}}));
}

// Walks the tree from its roots, verifying each step; returns the chunk references found.
std::vector<ChunkRef> WalkDown(const MerkleDag& dag) {
  std::vector<ChunkRef> found(dag.chunk_count());
  std::vector<DagNode> stack = dag.Roots();
  EXPECT_TRUE(MerkleDag::VerifyRoots(dag.root(), stack));
  while (!stack.empty()) {
    const DagNode n = stack.back();
    stack.pop_back();
    if (flat_tree::Depth(n.index) == 0) {
      const ChunkRef& c = dag.chunk(n.index / 2);  // what the peer sends for a leaf
      EXPECT_TRUE(MerkleDag::VerifyLeafRef(n, c));
      found[n.index / 2] = c;
      continue;
    }
    const auto [l, r] = dag.Children(n.index);
    EXPECT_TRUE(MerkleDag::VerifyChildren(n, l, r)) << n.index;
    stack.push_back(l);
    stack.push_back(r);
  }
  return found;
}

TEST(MerkleDagTest, TopDownWalkReachesEveryChunk) {
  SplitMix64 rng{6};
  for (uint64_t n : {0, 1, 2, 3, 6, 13, 64, 77}) {
    const MerkleDag dag(Refs(RandomChunks(rng, n)));
    EXPECT_EQ(WalkDown(dag), dag.chunks());
    EXPECT_EQ(MerkleDag::RootsSerializedBytes(n), 32u * std::popcount(n));
  }
}

TEST(MerkleDagTest, TopDownWalkRejectsTampering) {
  SplitMix64 rng{7};
  const MerkleDag dag(Refs(RandomChunks(rng, 13)));  // roots 7 (8 leaves), 19 (4), 24 (1)
  std::vector<DagNode> roots = dag.Roots();
  ASSERT_EQ(roots.size(), 3u);
  for (size_t k = 0; k < roots.size(); ++k) {
    for (int field = 0; field < 3; ++field) {
      std::vector<DagNode> bad = roots;
      if (field == 0) bad[k].hash.low ^= 1;
      if (field == 1) bad[k].size_bytes += 1;
      if (field == 2) bad[k].index += 2;
      EXPECT_FALSE(MerkleDag::VerifyRoots(dag.root(), bad)) << k << " " << field;
    }
    std::vector<DagNode> missing = roots;
    missing.erase(missing.begin() + k);
    EXPECT_FALSE(MerkleDag::VerifyRoots(dag.root(), missing));
  }
  EXPECT_FALSE(MerkleDag::VerifyRoots(dag.root(), {}));
  const DagNode p = dag.Node(3);
  const auto [l, r] = dag.Children(3);
  EXPECT_FALSE(MerkleDag::VerifyChildren(p, r, l));  // swapped
  for (int field = 0; field < 4; ++field) {
    DagNode bl = l;
    if (field == 0) bl.hash.high ^= uint64_t{1} << 63;
    if (field == 1) bl.size_bytes ^= 1;
    if (field == 2) bl.index = 0;
    if (field == 3) bl.size_bytes += 1;  // with the parent's size bumped to match
    DagNode bp = p;
    if (field == 3) bp.size_bytes += 1;
    EXPECT_FALSE(MerkleDag::VerifyChildren(bp, bl, r)) << field;
  }
  ChunkRef c = dag.chunk(0);
  c.size_bytes += 1;
  EXPECT_FALSE(MerkleDag::VerifyLeafRef(dag.Node(0), c));
}

TEST(MerkleDagTest, AppendingKeepsEveryExistingNode) {
  SplitMix64 rng{8};
  const std::vector<ChunkRef> refs = Refs(RandomChunks(rng, 40));
  for (uint64_t n = 1; n < refs.size(); ++n) {
    const MerkleDag small(std::vector<ChunkRef>(refs.begin(), refs.begin() + n));
    const MerkleDag large(std::vector<ChunkRef>(refs.begin(), refs.begin() + n + 1));
    for (uint64_t i = 0; i < 2 * n; ++i) {
      if (small.HasNode(i)) {
        ASSERT_TRUE(large.HasNode(i));
        EXPECT_EQ(small.Node(i), large.Node(i));
      }
    }
    EXPECT_NE(small.root(), large.root());
  }
}

TEST(MerkleDagTest, WireForms) {
  const DagNode n{12345, 678, Digest128{0x1122334455667788ULL, 0x99aabbccddeeff00ULL}};
  std::string wire;
  n.AppendTo(&wire);
  ASSERT_EQ(wire.size(), DagNode::kSerializedBytes);
  EXPECT_EQ(*DagNode::Parse(wire), n);
  EXPECT_FALSE(DagNode::Parse(wire.substr(1)).ok());

  SplitMix64 rng{9};
  const std::vector<std::string> chunks = RandomChunks(rng, 7);
  const MerkleDag dag(Refs(chunks));
  const std::string proof = dag.Prove(2).Serialize();
  EXPECT_EQ(proof.size(), 16u + 24 * 4);  // chunk 2 of 7: 2 siblings, 2 other roots
  EXPECT_FALSE(DagProof::Parse(proof.substr(0, 15)).ok());
  EXPECT_FALSE(DagProof::Parse(proof.substr(0, proof.size() - 1)).ok());
  EXPECT_FALSE(DagProof::Parse(proof + "x").ok());
  std::string bad_count = proof;
  bad_count[8] = 2;  // chunk 2 of 2
  EXPECT_FALSE(DagProof::Parse(bad_count).ok());
  std::string other_shape = proof;
  other_shape[8] = 6;  // chunk 2 of 6: 2 siblings, 1 other root, a different length
  EXPECT_FALSE(DagProof::Parse(other_shape).ok());
  // Chunk 2 of 12 (8 + 4) has the same shape length: it parses, but the root commits the count.
  std::string same_length = proof;
  same_length[8] = 12;
  absl::StatusOr<DagProof> p = DagProof::Parse(same_length);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(MerkleDag::Verify(dag.root(), 2, chunks[2], *p));
  EXPECT_TRUE(MerkleDag::Verify(dag.root(), 2, chunks[2], *DagProof::Parse(proof)));
}

}  // namespace
}  // namespace dsim::engine
