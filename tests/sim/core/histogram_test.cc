#include "sim/core/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sim/core/random.h"

namespace dsim::sim {
namespace {

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 1; v <= 1000; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 1000);
  EXPECT_DOUBLE_EQ(h.Mean(), 500.5);
  EXPECT_EQ(h.Percentile(50, 100), 500);
  EXPECT_EQ(h.Percentile(99, 100), 990);
  EXPECT_EQ(h.Percentile(1, 1000), 1);
  EXPECT_EQ(h.Percentile(1, 1), 1000);
}

TEST(LatencyHistogramTest, BucketsTileTheLineWithBoundedWidth) {
  for (uint64_t v :
       {uint64_t{0}, uint64_t{1023}, uint64_t{1024}, uint64_t{1025}, uint64_t{2047}, uint64_t{2048},
        uint64_t{123456789}, uint64_t{1} << 62, (uint64_t{1} << 63) - 1}) {
    const size_t b = LatencyHistogram::BucketOf(v);
    EXPECT_GE(LatencyHistogram::BucketUpperBound(b), v) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::BucketUpperBound(b - 1), v) << v;
    }
    // Width relative to the value: below 2^-10.
    const uint64_t lower = b > 0 ? LatencyHistogram::BucketUpperBound(b - 1) + 1 : 0;
    EXPECT_LE(static_cast<double>(LatencyHistogram::BucketUpperBound(b) - lower),
              static_cast<double>(v) / 1024.0 + 1.0)
        << v;
  }
}

TEST(LatencyHistogramTest, PercentilesWithinResolutionOfExactOrderStatistics) {
  Rng rng(5);
  LatencyHistogram h;
  std::vector<int64_t> values;
  for (int i = 0; i < 100'000; ++i) {
    const int64_t v = static_cast<int64_t>(rng.Bounded(10'000'000)) + 1'000'000;
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (uint64_t pct : {1, 50, 90, 99, 100}) {
    const int64_t exact = values[(values.size() * pct + 99) / 100 - 1];
    const int64_t got = h.Percentile(pct, 100);
    EXPECT_GE(got, exact) << pct;
    EXPECT_LE(static_cast<double>(got - exact), static_cast<double>(exact) / 1024.0) << pct;
  }
  EXPECT_EQ(h.Percentile(100, 100), values.back());
}

}  // namespace
}  // namespace dsim::sim
