#include "engine/merkle_tree.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/partition.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

struct Entry {
  uint64_t token;
  Digest128 digest;
};

// n partitions "p<i>" with one cell each: tokens are XXH3 of real keys.
std::vector<Entry> MakeEntries(int n) {
  std::vector<Entry> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    Partition p(absl::StrCat("p", i));
    p.Put("c", Cell::Live("v", 1));
    out.push_back({p.token(), p.Digest()});
  }
  return out;
}

MerkleTree Build(const TokenRange& range, int depth, const std::vector<Entry>& entries) {
  MerkleTree t(range, depth);
  for (const Entry& e : entries) {
    if (range.Contains(e.token)) t.Add(e.token, e.digest);
  }
  t.Finalize();
  return t;
}

// Independent membership test for (lo, hi]: t - lo - 1 < hi - lo (mod 2^64), lo != hi.
bool InHalfOpen(uint64_t t, uint64_t lo, uint64_t hi) { return t - lo - 1 < hi - lo; }

TEST(MerkleTreeTest, DepthRule) {
  EXPECT_EQ(MerkleDepthFor(0), 0);
  EXPECT_EQ(MerkleDepthFor(1), 0);
  EXPECT_EQ(MerkleDepthFor(2), 1);
  EXPECT_EQ(MerkleDepthFor(3), 2);
  EXPECT_EQ(MerkleDepthFor(32768), 15);
  EXPECT_EQ(MerkleDepthFor(32769), 16);
  EXPECT_EQ(MerkleDepthFor(327680), 19);  // ceil(log2(327680)) = ceil(18.32)
  EXPECT_EQ(MerkleDepthFor(uint64_t{1} << 40), 20);
  EXPECT_EQ(MerkleDepthFor(uint64_t{1} << 40, 15), 15);
  for (uint64_t n = 2; n < 5000; n += 37) {
    EXPECT_EQ(MerkleDepthFor(n, 64),
              static_cast<int>(std::ceil(std::log2(static_cast<double>(n)))));
  }
}

TEST(MerkleTreeTest, EqualDataEqualTreesInAnyOrder) {
  std::vector<Entry> entries = MakeEntries(5000);
  const MerkleTree a = Build(TokenRange::FullRing(), 10, entries);
  std::vector<Entry> reversed(entries.rbegin(), entries.rend());
  const MerkleTree b = Build(TokenRange::FullRing(), 10, reversed);
  EXPECT_EQ(a.root(), b.root());
  EXPECT_TRUE(MerkleTree::Difference(a, b).empty());
  // Different data, different root.
  entries.pop_back();
  EXPECT_NE(Build(TokenRange::FullRing(), 10, entries).root(), a.root());
}

TEST(MerkleTreeTest, LeavesPartitionTheRange) {
  SplitMix64 rng{31};
  const uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (const TokenRange range :
       {TokenRange::FullRing(), TokenRange(12345, 98765432), TokenRange(kMax - 1000, 5000),
        TokenRange(77, 77), TokenRange(0, 1 << 8)}) {
    const MerkleTree t(range, 8);
    // Consecutive leaves are adjacent and together cover the range.
    EXPECT_EQ(t.LeafRange(0).begin(), range.begin());
    EXPECT_EQ(t.LeafRange(t.leaf_count() - 1).end(), range.end());
    for (uint64_t i = 0; i + 1 < t.leaf_count(); ++i) {
      EXPECT_EQ(t.LeafRange(i).end(), t.LeafRange(i + 1).begin());
    }
    // LeafIndex agrees with LeafRange.
    for (int j = 0; j < 2000; ++j) {
      const uint64_t token = range.begin() + 1 + rng.Below(range.WidthMinusOne());
      ASSERT_TRUE(range.Contains(token));
      const uint64_t leaf = t.LeafIndex(token);
      EXPECT_TRUE(t.LeafRange(leaf).Contains(token)) << range.ToString() << " " << token;
    }
    EXPECT_EQ(t.LeafIndex(range.end()), t.leaf_count() - 1);
    EXPECT_EQ(t.LeafIndex(range.begin() + 1), 0u);
  }
}

// The worked example: 327,680 partitions, depth 15 (32,768 leaves, 10 partitions per leaf on
// average). Changing one partition gives exactly one differing leaf; the partitions in its
// range, counted here by brute force over all tokens, are the leaf's. Over many trials the
// count averages the size-biased leaf occupancy: the changed partition plus a
// Binomial(N - 1, 1/L) number of others, mean 1 + (N - 1)/L = 10.99997 (the average over all
// leaves is exactly N/L = 10). Standard deviation ~ sqrt(10) per trial, so over 400 trials the
// mean's sigma is 0.158; the tolerance is 5 sigma.
//
// To keep the test fast under sanitizers, each trial's tree is completed from a copy of a tree
// already holding every partition except the 400 trial partitions (Add is order-independent);
// the first trials also rebuild from scratch and must give the same tree.
TEST(MerkleTreeTest, OneChangedPartitionAmong327680AtDepth15) {
  constexpr int kN = 327680;
  constexpr int kDepth = 15;
  constexpr int kTrials = 400;
  constexpr int kFullRebuilds = 3;
  const std::vector<Entry> entries = MakeEntries(kN);
  const MerkleTree base = Build(TokenRange::FullRing(), kDepth, entries);
  uint64_t total = 0;
  for (uint64_t i = 0; i < base.leaf_count(); ++i) total += base.LeafPartitionCount(i);
  EXPECT_EQ(total, static_cast<uint64_t>(kN));
  EXPECT_DOUBLE_EQ(static_cast<double>(total) / base.leaf_count(), 10.0);

  // kTrials distinct partitions to change, one per trial.
  SplitMix64 rng{32};
  std::vector<bool> chosen(kN, false);
  std::vector<size_t> trial_partitions;
  while (trial_partitions.size() < kTrials) {
    const size_t j = rng.Below(kN);
    if (!chosen[j]) {
      chosen[j] = true;
      trial_partitions.push_back(j);
    }
  }
  MerkleTree rest(TokenRange::FullRing(), kDepth);  // everything but the trial partitions
  for (int i = 0; i < kN; ++i) {
    if (!chosen[i]) rest.Add(entries[i].token, entries[i].digest);
  }

  double sum = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    const size_t j = trial_partitions[trial];
    Partition p(absl::StrCat("p", j));
    p.Put("c", Cell::Live("v", 2));  // a newer write to the same partition
    const Digest128 changed_digest = p.Digest();
    MerkleTree other = rest;
    for (size_t t : trial_partitions) {
      other.Add(entries[t].token, t == j ? changed_digest : entries[t].digest);
    }
    other.Finalize();
    if (trial < kFullRebuilds) {
      std::vector<Entry> changed = entries;
      changed[j].digest = changed_digest;
      const MerkleTree scratch = Build(TokenRange::FullRing(), kDepth, changed);
      ASSERT_EQ(scratch.root(), other.root());
      ASSERT_TRUE(MerkleTree::Difference(scratch, other).empty());
    }

    const std::vector<TokenRange> diff = MerkleTree::Difference(base, other);
    ASSERT_EQ(diff.size(), 1u);
    const TokenRange leaf = base.LeafRange(base.LeafIndex(entries[j].token));
    EXPECT_EQ(diff[0], leaf);
    EXPECT_TRUE(InHalfOpen(entries[j].token, diff[0].begin(), diff[0].end()));
    uint64_t count = 0;
    for (const Entry& e : entries) count += InHalfOpen(e.token, diff[0].begin(), diff[0].end());
    EXPECT_EQ(count, base.LeafPartitionCount(base.LeafIndex(entries[j].token)));
    sum += static_cast<double>(count);
  }
  const double mean = sum / kTrials;
  const double expected = 1.0 + (kN - 1.0) / 32768.0;
  EXPECT_NEAR(mean, expected, 5 * std::sqrt(10.0 / kTrials));
  std::printf("merkle: mean partitions in the differing leaf %.3f (expected %.3f)\n", mean,
              expected);
}

TEST(MerkleTreeTest, ContiguousDifferingLeavesMerge) {
  const TokenRange range(1000, 1000 + (1 << 20));
  MerkleTree base(range, 6);
  base.Finalize();
  auto with_leaves = [&](std::vector<uint64_t> leaves) {
    MerkleTree t(range, 6);
    for (uint64_t leaf : leaves) t.Add(t.LeafRange(leaf).end(), Digest128{leaf, 1});
    t.Finalize();
    return t;
  };
  std::vector<TokenRange> diff = MerkleTree::Difference(base, with_leaves({3, 4, 5, 9, 63}));
  ASSERT_EQ(diff.size(), 3u);
  EXPECT_EQ(diff[0], TokenRange(base.LeafRange(3).begin(), base.LeafRange(5).end()));
  EXPECT_EQ(diff[1], base.LeafRange(9));
  EXPECT_EQ(diff[2], base.LeafRange(63));
  // Not a full ring: the first and last leaves are not adjacent.
  diff = MerkleTree::Difference(base, with_leaves({0, 63}));
  EXPECT_EQ(diff.size(), 2u);
  // On the full ring they are, and join into one wrapping range.
  MerkleTree ring(TokenRange::FullRing(), 4);
  ring.Finalize();
  MerkleTree ring2(TokenRange::FullRing(), 4);
  ring2.Add(ring.LeafRange(0).end(), Digest128{1, 1});
  ring2.Add(ring.LeafRange(1).end(), Digest128{1, 1});
  ring2.Add(ring.LeafRange(15).end(), Digest128{1, 1});
  ring2.Finalize();
  diff = MerkleTree::Difference(ring, ring2);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0], TokenRange(ring.LeafRange(15).begin(), ring.LeafRange(1).end()));
  // Everything differs: the whole range.
  MerkleTree all(TokenRange::FullRing(), 2);
  for (uint64_t i = 0; i < 4; ++i) all.Add(ring.LeafRange(0).end() + (i << 62), Digest128{i, 1});
  all.Finalize();
  MerkleTree none(TokenRange::FullRing(), 2);
  none.Finalize();
  diff = MerkleTree::Difference(all, none);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_TRUE(diff[0].IsFullRing());
}

TEST(MerkleTreeTest, SerializeRoundTripAndSize) {
  const std::vector<Entry> entries = MakeEntries(3000);
  for (int depth : {0, 1, 7, 12}) {
    const MerkleTree t = Build(TokenRange(5, 3), depth, entries);
    const std::string bytes = t.Serialize();
    EXPECT_EQ(bytes.size(), t.SerializedSizeBytes());
    EXPECT_EQ(t.SerializedSizeBytes(), 17 + 16 * ((uint64_t{2} << depth) - 1));
    absl::StatusOr<MerkleTree> back = MerkleTree::Deserialize(bytes);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->root(), t.root());
    EXPECT_TRUE(MerkleTree::Difference(*back, t).empty());
    EXPECT_FALSE(MerkleTree::Deserialize(bytes.substr(0, bytes.size() - 1)).ok());
  }
}

}  // namespace
}  // namespace dsim::engine
