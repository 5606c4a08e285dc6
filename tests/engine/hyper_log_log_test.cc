#include "engine/hyper_log_log.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

namespace dsim::engine {
namespace {

// Key i of set s is the 8 little-endian bytes of i hashed with XXH3_64 seeded by s: the sets
// are independent (different seeds), and each has exactly n distinct keys.
uint64_t KeyHash(uint64_t set, uint64_t i) { return XXH3_64bits_withSeed(&i, sizeof(i), set); }

constexpr int kSets = 200;

// Over 200 independent key sets per cardinality, RMS relative error at p = 13 and p = 14 must
// be at most 1.15 x 1.04 / sqrt(2^p). The RMS of 200 samples estimates the true standard error
// with a relative standard deviation of about 1 / sqrt(2 * 200) = 5% (for near-normal errors),
// so the 15% margin is three of those. Both precisions are fed the same hashes.
TEST(HyperLogLogTest, RmsRelativeErrorWithinBound) {
  for (uint64_t n : {1000ull, 10000ull, 100000ull, 1000000ull}) {
    double sq13 = 0, sq14 = 0;
    for (int s = 0; s < kSets; ++s) {
      HyperLogLog h13(13), h14(14);
      const uint64_t seed = n * 1000 + static_cast<uint64_t>(s);
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t h = KeyHash(seed, i);
        h13.AddHash(h);
        h14.AddHash(h);
      }
      const double e13 = h13.Estimate() / static_cast<double>(n) - 1.0;
      const double e14 = h14.Estimate() / static_cast<double>(n) - 1.0;
      sq13 += e13 * e13;
      sq14 += e14 * e14;
    }
    const double rms13 = std::sqrt(sq13 / kSets), rms14 = std::sqrt(sq14 / kSets);
    const double bound13 = 1.15 * 1.04 / std::sqrt(8192.0);
    const double bound14 = 1.15 * 1.04 / std::sqrt(16384.0);
    EXPECT_LE(rms13, bound13) << "n=" << n;
    EXPECT_LE(rms14, bound14) << "n=" << n;
    std::printf("HLL n=%llu rms p13=%.5f (bound %.5f) p14=%.5f (bound %.5f)\n",
                static_cast<unsigned long long>(n), rms13, bound13, rms14, bound14);
  }
}

// Small cardinalities stay in the sparse form (HLL++): linear counting over 2^25 virtual
// registers, whose only error is a collision of two 25-bit indexes. At n = 100 that has
// probability ~ n^2 / 2^26 = 1.5e-4 per set and costs 1 %, so every one of the 200 sets must be
// within 2 % (the requirement, with no allowance needed).
TEST(HyperLogLogTest, SmallCardinalitiesWithinTwoPercent) {
  for (int p : {13, 14}) {
    for (uint64_t n : {10ull, 100ull, 1000ull}) {
      for (int s = 0; s < kSets; ++s) {
        HyperLogLog h(p);
        for (uint64_t i = 0; i < n; ++i) h.AddHash(KeyHash(7'000'000 + n * 1000 + s, i));
        EXPECT_TRUE(h.sparse());
        const double e = h.Estimate() / static_cast<double>(n) - 1.0;
        EXPECT_LE(std::abs(e), 0.02) << "p=" << p << " n=" << n << " set " << s;
      }
    }
  }
}

// The sparse form converts to exactly the registers a dense sketch would have: compare with
// ranks computed here from the definition, for a sketch past the conversion point.
TEST(HyperLogLogTest, SparseConvertsToTheDenseRegisters) {
  for (int p : {4, 10, 13}) {
    const uint64_t n = (uint64_t{1} << p) / 4 + 1;  // one past the sparse limit
    HyperLogLog h(p);
    std::vector<uint8_t> expected(size_t{1} << p, 0);
    for (uint64_t i = 0; i < n + 50; ++i) {
      const uint64_t x = KeyHash(5, i);
      h.AddHash(x);
      const uint64_t rest = x << p;
      const uint8_t rank = rest == 0 ? static_cast<uint8_t>(65 - p)
                                     : static_cast<uint8_t>(std::countl_zero(rest) + 1);
      expected[x >> (64 - p)] = std::max(expected[x >> (64 - p)], rank);
      if (i + 1 == n / 2) {
        ASSERT_TRUE(h.sparse());
        // registers() of a sparse sketch is the dense view so far.
        EXPECT_EQ(h.registers(), expected) << p;
      }
    }
    EXPECT_FALSE(h.sparse()) << p;
    EXPECT_EQ(h.registers(), expected) << p;
  }
}

TEST(HyperLogLogTest, EmptyAndTiny) {
  HyperLogLog h;
  EXPECT_EQ(h.precision(), 13);
  EXPECT_EQ(h.Estimate(), 0.0);
  h.AddHash(KeyHash(1, 1));
  EXPECT_NEAR(h.Estimate(), 1.0, 0.001);
  h.AddHash(KeyHash(1, 1));  // duplicates do not count
  EXPECT_NEAR(h.Estimate(), 1.0, 0.001);
}

TEST(HyperLogLogTest, RegisterRanks) {
  HyperLogLog h(4);
  h.AddHash(0);  // register 0, remaining 60 bits all zero: rank 61
  EXPECT_EQ(h.registers()[0], 61);
  h.AddHash(0xF000000000000000ULL | (1ULL << 59));  // register 15, first remaining bit set
  EXPECT_EQ(h.registers()[15], 1);
  h.AddHash(0x1000000000000000ULL | (1ULL << 50));  // register 1: 9 zeros then a one
  EXPECT_EQ(h.registers()[1], 10);
}

TEST(HyperLogLogTest, MergeEqualsSketchOfUnion) {
  for (int p : {4, 10, 13, 18}) {
    HyperLogLog a(p), b(p), both(p);
    for (uint64_t i = 0; i < 30000; ++i) {
      const uint64_t h = KeyHash(99, i);
      if (i < 20000) a.AddHash(h);
      if (i >= 10000) b.AddHash(h);  // overlapping sets
      both.AddHash(h);
    }
    HyperLogLog merged = a;
    merged.Merge(b);
    EXPECT_EQ(merged, both) << p;
    EXPECT_EQ(merged.Estimate(), both.Estimate());
    HyperLogLog other_order = b;
    other_order.Merge(a);
    EXPECT_EQ(other_order, both);
  }
}

TEST(HyperLogLogTest, MergeAcrossSparseAndDenseForms) {
  // a: small (sparse), b: large (dense); and two small ones whose union turns dense.
  HyperLogLog a(13), b(13), both(13);
  for (uint64_t i = 0; i < 500; ++i) a.AddHash(KeyHash(11, i));
  for (uint64_t i = 300; i < 20000; ++i) b.AddHash(KeyHash(11, i));
  for (uint64_t i = 0; i < 20000; ++i) both.AddHash(KeyHash(11, i));
  ASSERT_TRUE(a.sparse());
  ASSERT_FALSE(b.sparse());
  HyperLogLog ab = a, ba = b;
  ab.Merge(b);
  ba.Merge(a);
  EXPECT_EQ(ab, both);
  EXPECT_EQ(ba, both);
  HyperLogLog c(13), d(13), cd(13);
  for (uint64_t i = 0; i < 1500; ++i) c.AddHash(KeyHash(12, i));
  for (uint64_t i = 1000; i < 2500; ++i) d.AddHash(KeyHash(12, i));
  for (uint64_t i = 0; i < 2500; ++i) cd.AddHash(KeyHash(12, i));
  ASSERT_TRUE(c.sparse() && d.sparse());
  ASSERT_FALSE(cd.sparse());
  c.Merge(d);
  EXPECT_EQ(c, cd);
}

// A batch equals adding its hashes one by one: onto an empty, a partly filled sparse and a
// dense sketch, with repeated hashes and indexes shared with different ranks, and batches that
// stay sparse or cross the conversion limit (2048 entries at p = 13).
TEST(HyperLogLogTest, AddHashesEqualsAddingOneByOne) {
  for (uint64_t before : {0u, 700u, 30000u}) {
    for (uint64_t n : {0u, 1u, 900u, 1300u, 5000u}) {
      HyperLogLog one(13), batch(13);
      for (uint64_t i = 0; i < before; ++i) {
        one.AddHash(KeyHash(21, i));
        batch.AddHash(KeyHash(21, i));
      }
      std::vector<uint64_t> hashes;
      for (uint64_t i = 0; i < n; ++i) {
        hashes.push_back(KeyHash(22, i % 800));     // repeats past 800
        hashes.push_back(KeyHash(22, i) ^ 0xFFFF);  // same 25-bit index as some, another rank
      }
      for (uint64_t h : hashes) one.AddHash(h);
      batch.AddHashes(hashes);
      EXPECT_EQ(batch, one) << before << " then " << n;
      EXPECT_EQ(batch.Serialize(), one.Serialize());
    }
  }
}

TEST(HyperLogLogTest, SparseSerializeRoundTrip) {
  HyperLogLog h(13);
  for (uint64_t i = 0; i < 700; ++i) h.AddHash(KeyHash(4, i));
  ASSERT_TRUE(h.sparse());
  absl::StatusOr<HyperLogLog> back = HyperLogLog::Deserialize(h.Serialize());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, h);
  EXPECT_EQ(back->Estimate(), h.Estimate());
  std::string truncated = h.Serialize();
  truncated.pop_back();
  EXPECT_FALSE(HyperLogLog::Deserialize(truncated).ok());
  std::string unsorted = h.Serialize();
  for (int i = 0; i < 4; ++i) std::swap(unsorted[6 + i], unsorted[10 + i]);  // entries 0 and 1
  EXPECT_FALSE(HyperLogLog::Deserialize(unsorted).ok());
}

// Every register at its top rank 64 - p + 1 (each hash's bits after the register index all
// zero) makes Ertl's estimator infinite: the estimate is then 2^64, the size of the hash space,
// and one register below the top gives a finite estimate under it. Found by the HLL fuzzer.
TEST(HyperLogLogTest, SaturatedSketchEstimatesTheHashSpace) {
  HyperLogLog h(4);
  for (uint64_t i = 1; i < 16; ++i) h.AddHash(i << 60);
  const double one_short = h.Estimate();
  EXPECT_TRUE(std::isfinite(one_short));
  EXPECT_LT(one_short, 0x1p64);
  h.AddHash(0);
  ASSERT_EQ(h.registers(), std::vector<uint8_t>(16, 61));
  EXPECT_EQ(h.Estimate(), 0x1p64);
  absl::StatusOr<HyperLogLog> back =
      HyperLogLog::Deserialize(std::string("\x04") + std::string(16, '='));
  ASSERT_TRUE(back.ok());  // '=' is 61: the fuzzer's input, the same saturated sketch
  EXPECT_EQ(back->Estimate(), 0x1p64);
}

TEST(HyperLogLogTest, SerializeRoundTrip) {
  HyperLogLog h(12);
  for (uint64_t i = 0; i < 5000; ++i) h.AddHash(KeyHash(3, i));
  absl::StatusOr<HyperLogLog> back = HyperLogLog::Deserialize(h.Serialize());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, h);
  EXPECT_FALSE(HyperLogLog::Deserialize(h.Serialize().substr(1)).ok());
  std::string bad = h.Serialize();
  bad[5] = static_cast<char>(100);  // rank above 64 - p + 1
  EXPECT_FALSE(HyperLogLog::Deserialize(bad).ok());
}

TEST(HyperLogLogTest, LinearCountingThresholdsAreHllPlusPlus) {
  EXPECT_EQ(HyperLogLog(4).LinearCountingThreshold(), 10);
  EXPECT_EQ(HyperLogLog(13).LinearCountingThreshold(), 6500);
  EXPECT_EQ(HyperLogLog(18).LinearCountingThreshold(), 350000);
}

}  // namespace
}  // namespace dsim::engine
