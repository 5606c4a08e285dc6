#include "engine/bloom_filter.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cmath>
#include <cstdint>

#include "engine/token.h"

namespace dsim::engine {
namespace {

// The 64-bit XXH3 hash of key number i: the key is the 8 little-endian bytes of i, so keys
// are cheap to make and distinct. Present keys are 0..n-1, absent keys n..2n-1.
uint64_t KeyHash(uint64_t i) { return XXH3_64bits(&i, sizeof(i)); }

TEST(BloomFilterTest, SizingFollowsTheFormulas) {
  for (uint64_t n : {1ull, 10ull, 1000ull, 1000000ull}) {
    for (double p : {0.1, 0.01, 0.001}) {
      const double ln2 = std::log(2.0);
      const double m = std::ceil(-static_cast<double>(n) * std::log(p) / (ln2 * ln2));
      const double k = std::max(1.0, std::round(m / static_cast<double>(n) * ln2));
      const BloomFilter f = BloomFilter::ForCapacity(n, p);
      EXPECT_EQ(static_cast<double>(f.bits()), m) << n << " " << p;
      EXPECT_EQ(f.probes(), static_cast<int>(k)) << n << " " << p;
    }
  }
  EXPECT_GE(BloomFilter::ForCapacity(1, 0.9).probes(), 1);
}

TEST(BloomFilterTest, EmptyFilterAndExplicitShape) {
  BloomFilter f(1000, 3, 0.5);
  EXPECT_EQ(f.TheoreticalFpRate(), 0.0);
  EXPECT_FALSE(f.MayContain("x"));
  f.Add("x");
  EXPECT_TRUE(f.MayContain("x"));
  EXPECT_TRUE(f.MayContainHash(Token("x")));
  EXPECT_EQ(f.inserted_count(), 1u);
}

// At n = 1,000,000 and p in {0.01, 0.1}: no false negatives, and the FP rate over 1,000,000
// absent keys within 5% (relative) of (1 - e^{-kn/m})^k. The number of false positives is
// Binomial(10^6, T): its relative standard deviation is sqrt((1 - T) / (10^6 T)), 1.0% for
// T ~ 0.01 and 0.3% for T ~ 0.1, so 5% leaves at least 5 sigma for the double-hashing scheme's
// own (small) departure from the ideal independent-probe model.
TEST(BloomFilterTest, FalsePositiveRateMatchesTheoryAtOneMillionKeys) {
  constexpr uint64_t kN = 1'000'000;
  std::vector<uint64_t> present(kN), absent(kN);
  for (uint64_t i = 0; i < kN; ++i) {
    present[i] = KeyHash(i);
    absent[i] = KeyHash(kN + i);
  }
  for (double p : {0.01, 0.1}) {
    BloomFilter f = BloomFilter::ForCapacity(kN, p);
    for (uint64_t h : present) f.AddHash(h);
    ASSERT_EQ(f.inserted_count(), kN);
    uint64_t false_negatives = 0;
    for (uint64_t h : present) false_negatives += f.MayContainHash(h) ? 0 : 1;
    EXPECT_EQ(false_negatives, 0u);
    uint64_t false_positives = 0;
    for (uint64_t h : absent) false_positives += f.MayContainHash(h) ? 1 : 0;
    const double measured = static_cast<double>(false_positives) / kN;
    const double k = f.probes();
    const double theory = std::pow(1.0 - std::exp(-k * kN / static_cast<double>(f.bits())), k);
    EXPECT_DOUBLE_EQ(f.TheoreticalFpRate(), theory);
    EXPECT_NEAR(measured / theory, 1.0, 0.05)
        << "p=" << p << " m=" << f.bits() << " k=" << f.probes() << " measured=" << measured
        << " theory=" << theory;
    // Sized at the right n, the theoretical rate is close to the target p (m and k rounded).
    EXPECT_NEAR(theory / p, 1.0, 0.1);
  }
}

TEST(BloomFilterTest, SerializeRoundTrip) {
  BloomFilter f = BloomFilter::ForCapacity(5000, 0.02);
  for (uint64_t i = 0; i < 5000; ++i) f.AddHash(KeyHash(i));
  const std::string bytes = f.Serialize();
  absl::StatusOr<BloomFilter> back = BloomFilter::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, f);
  EXPECT_EQ(back->TheoreticalFpRate(), f.TheoreticalFpRate());
  for (uint64_t i = 0; i < 20000; ++i)
    EXPECT_EQ(back->MayContainHash(KeyHash(i)), f.MayContainHash(KeyHash(i)));
  EXPECT_FALSE(BloomFilter::Deserialize(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(BloomFilter::Deserialize(bytes.substr(0, 10)).ok());
}

}  // namespace
}  // namespace dsim::engine
