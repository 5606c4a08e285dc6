#include "sim/net/link_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace dsim::sim {
namespace {

// Sample moments of n latency draws, checked to 5 standard errors (see random_test.cc).
constexpr int kSamples = 100'000;

struct Moments {
  double mean = 0, var = 0;
  Nanos min = kNanosMax, max = 0;
};

Moments Sample(const LinkModel& link, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> xs(kSamples);
  Moments m;
  for (double& x : xs) {
    const Nanos v = link.SampleLatency(rng);
    m.min = std::min(m.min, v);
    m.max = std::max(m.max, v);
    x = static_cast<double>(v);
    m.mean += x;
  }
  m.mean /= kSamples;
  for (double x : xs) m.var += (x - m.mean) * (x - m.mean);
  m.var /= kSamples - 1;
  return m;
}

LinkClassConfig WithLatency(LatencyConfig latency) {
  LinkClassConfig c;
  c.latency = latency;
  return c;
}

TEST(LinkModelTest, ConstantDrawsNothing) {
  LinkModel link(WithLatency({.kind = LatencyConfig::Kind::kConstant, .value = 1234}));
  Rng a(1), b(1);
  EXPECT_EQ(link.SampleLatency(a), 1234);
  EXPECT_EQ(a.Next(), b.Next());
  EXPECT_EQ(link.MeanLatency(), 1234);
}

TEST(LinkModelTest, UniformIsInclusiveWithTheRightMoments) {
  LinkModel link(WithLatency({.kind = LatencyConfig::Kind::kUniform, .min = 10, .max = 19}));
  const Moments m = Sample(link, 2);
  EXPECT_EQ(m.min, 10);
  EXPECT_EQ(m.max, 19);
  // Discrete uniform over 10 values: var = (10^2 - 1) / 12.
  const double var = 99.0 / 12;
  EXPECT_NEAR(m.mean, 14.5, 5 * std::sqrt(var / kSamples));
}

TEST(LinkModelTest, NormalIsTruncatedAtZero) {
  const Nanos mean = 5 * kMillisecond, sd = kMillisecond;
  LinkModel far(WithLatency({.kind = LatencyConfig::Kind::kNormal, .mean = mean, .stddev = sd}));
  const Moments m = Sample(far, 3);
  const double s = static_cast<double>(sd);
  EXPECT_NEAR(m.mean, static_cast<double>(mean), 5 * s / std::sqrt(kSamples));
  EXPECT_NEAR(m.var, s * s, 5 * s * s * std::sqrt(2.0 / kSamples));
  // Mean 0: half the mass is clamped to 0, never negative.
  LinkModel zero(WithLatency({.kind = LatencyConfig::Kind::kNormal, .mean = 0, .stddev = sd}));
  const Moments z = Sample(zero, 4);
  EXPECT_EQ(z.min, 0);
  // E[max(0, X)] for X ~ N(0, s^2) is s / sqrt(2 pi).
  EXPECT_NEAR(z.mean, s / std::sqrt(2 * M_PI), 5 * s / std::sqrt(kSamples));
}

TEST(LinkModelTest, LogNormalHasTheConfiguredMedianAndMean) {
  const Nanos median = 2 * kMillisecond;
  const double sigma = 0.5;
  LinkModel link(
      WithLatency({.kind = LatencyConfig::Kind::kLogNormal, .median = median, .sigma = sigma}));
  const Moments m = Sample(link, 5);
  const double mu = std::log(static_cast<double>(median));
  const double mean = std::exp(mu + sigma * sigma / 2);
  const double var = (std::exp(sigma * sigma) - 1) * std::exp(2 * mu + sigma * sigma);
  EXPECT_NEAR(m.mean, mean, 5 * std::sqrt(var / kSamples));
  EXPECT_NEAR(static_cast<double>(link.MeanLatency()), mean, 1.0);
}

TEST(LinkModelTest, SerializationDelayRoundsUp) {
  LinkClassConfig c;
  c.bandwidth_bytes_per_sec = 3;
  LinkModel link(c);
  EXPECT_EQ(link.SerializationDelay(3), kSecond);
  EXPECT_EQ(link.SerializationDelay(1), 333'333'334);
  EXPECT_EQ(LinkModel(LinkClassConfig{}).SerializationDelay(1 << 30), 0);
  LinkClassConfig fast;
  fast.bandwidth_bytes_per_sec = 125'000'000;  // 1 Gbit/s: 8 ns per byte
  EXPECT_EQ(LinkModel(fast).SerializationDelay(1500), 12'000);
}

}  // namespace
}  // namespace dsim::sim
