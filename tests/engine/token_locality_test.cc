// One node's SSTables hold only the tokens of its own ring ranges. Bloom filters and HLL
// sketches over partition tokens must not depend on that: with every token in 0.3 % of the
// ring (a 1,000-node cluster's share), the filter's false-positive rate and the sketch's
// estimate must match what uniformly spread keys give.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "engine/bloom_filter.h"
#include "engine/hyper_log_log.h"
#include "engine/token.h"

namespace dsim::engine {
namespace {

// Tokens in [base, base + width): a narrow arc of the ring.
uint64_t ArcToken(uint64_t i) {
  constexpr uint64_t kBase = 0x4000000000000000ULL;
  constexpr uint64_t kWidth = 0x00c0000000000000ULL;  // ~0.3 % of 2^64
  return kBase + (Token("key" + std::to_string(i)) % kWidth);
}

TEST(TokenLocalityTest, BloomFalsePositivesMatchTheoryForTokensOfOneArc) {
  constexpr int kKeys = 20000;
  for (double p : {0.01, 0.1}) {
    BloomFilter f = BloomFilter::ForCapacity(kKeys, p);
    for (int i = 0; i < kKeys; ++i) f.AddHash(ArcToken(i));
    constexpr int kQueries = 200000;
    int fp = 0;
    for (int i = kKeys; i < kKeys + kQueries; ++i) fp += f.MayContainHash(ArcToken(i)) ? 1 : 0;
    const double expected = kQueries * f.TheoreticalFpRate();
    EXPECT_NEAR(fp, expected, 5 * std::sqrt(expected)) << p;
  }
}

TEST(TokenLocalityTest, HllOfSpreadTokensEstimatesTokensOfOneArc) {
  for (int n : {1000, 5000, 50000}) {
    HyperLogLog spread, raw;
    for (int i = 0; i < n; ++i) {
      spread.AddHash(HyperLogLog::SpreadToken(ArcToken(i)));
      raw.AddHash(ArcToken(i));
    }
    EXPECT_NEAR(spread.Estimate(), n, 0.05 * n) << n;
    // Raw tokens of one arc use a fraction of the registers (why the spread exists).
    if (n == 50000) {
      EXPECT_LT(raw.Estimate(), 0.5 * n);
    }
  }
}

}  // namespace
}  // namespace dsim::engine
