#include "sim/core/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace dsim::sim {
namespace {

// Tolerances: with n independent samples, a sample mean has standard error sqrt(var / n) and a
// sample variance sqrt((mu4 - var^2) / n), mu4 being the fourth central moment. Every check
// allows 5 standard errors: a correct generator fails one with probability < 6e-7. Seeds are
// fixed, so the suite is deterministic; the tolerances say why the fixed outcome is meaningful.
constexpr double kStdErrors = 5.0;
constexpr int kSamples = 200'000;

struct Moments {
  double mean = 0;
  double var = 0;
};

Moments Measure(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) sum += x;
  Moments m;
  m.mean = sum / static_cast<double>(xs.size());
  double sq = 0;
  for (double x : xs) sq += (x - m.mean) * (x - m.mean);
  m.var = sq / static_cast<double>(xs.size() - 1);
  return m;
}

void ExpectMoments(const std::vector<double>& xs, double mean, double var, double mu4) {
  const double n = static_cast<double>(xs.size());
  const Moments m = Measure(xs);
  EXPECT_NEAR(m.mean, mean, kStdErrors * std::sqrt(var / n));
  EXPECT_NEAR(m.var, var, kStdErrors * std::sqrt((mu4 - var * var) / n));
}

// Chi-square threshold for k - 1 degrees of freedom: mean + 6 standard deviations of the
// chi-square distribution (mean k - 1, variance 2(k - 1)); exceeded by chance < 1e-5.
double ChiSquareThreshold(int cells) {
  const double dof = cells - 1;
  return dof + 6.0 * std::sqrt(2.0 * dof);
}

double ChiSquare(const std::vector<uint64_t>& observed, const std::vector<double>& expected) {
  double chi = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    const double d = static_cast<double>(observed[i]) - expected[i];
    chi += d * d / expected[i];
  }
  return chi;
}

TEST(SplitMix64Test, MatchesTheReferenceSequence) {
  // Reference values of Vigna's splitmix64.c for seed 0.
  uint64_t state = 0;
  EXPECT_EQ(SplitMix64(&state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(SplitMix64(&state), 0x6e789e6aa1b965f4ULL);
}

// Issue 11: the generators against their authors' reference outputs (Vigna's splitmix64.c and
// xoshiro256plusplus.c, as published with the Rust rand_xoshiro crate's reference tests), not
// against values this code produced.
TEST(SplitMix64Test, MatchesTheReferenceImplementationForANonZeroSeed) {
  uint64_t state = 1477776061723855037ULL;
  const uint64_t expected[] = {1985237415132408290ULL,  2979275885539914483ULL,
                               13511426838097143398ULL, 8488337342461049707ULL,
                               15141737807933549159ULL, 17093170987380407015ULL,
                               16389528042912955399ULL, 13177319091862933652ULL,
                               10841969400225389492ULL, 17094824097954834098ULL};
  for (uint64_t e : expected) EXPECT_EQ(SplitMix64(&state), e);
}

TEST(RngTest, Xoshiro256PlusPlusMatchesTheReferenceImplementation) {
  Rng rng = Rng::FromState({1, 2, 3, 4});
  const uint64_t expected[] = {41943041ULL,
                               58720359ULL,
                               3588806011781223ULL,
                               3591011842654386ULL,
                               9228616714210784205ULL,
                               9973669472204895162ULL,
                               14011001112246962877ULL,
                               12406186145184390807ULL,
                               15849039046786891736ULL,
                               10450023813501588000ULL};
  for (uint64_t e : expected) EXPECT_EQ(rng.Next(), e);
}

TEST(RngTest, SameSeedSameSequenceDifferentSeedDifferentSequence) {
  Rng a(42), b(42), c(43);
  int equal_to_c = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    equal_to_c += x == c.Next();
  }
  EXPECT_EQ(equal_to_c, 0);
}

TEST(RngTest, StreamSeedsDifferByEveryInput) {
  const uint64_t base = StreamSeed(1, "network", 3);
  EXPECT_EQ(base, StreamSeed(1, "network", 3));
  EXPECT_NE(base, StreamSeed(2, "network", 3));
  EXPECT_NE(base, StreamSeed(1, "networl", 3));
  EXPECT_NE(base, StreamSeed(1, "network", 4));
  EXPECT_NE(StreamSeed(1, "a", 0), StreamSeed(1, "b", 0));
  EXPECT_NE(StreamSeed(0, "", 0), StreamSeed(0, "", 1));
}

TEST(RngTest, AddingDrawsToOneStreamLeavesAnotherUnchanged) {
  // Two components interleave their draws; the second one draws a different amount each time.
  auto run = [](int extra_draws_per_step) {
    Rng network(StreamSeed(7, "network", 0));
    Rng workload(StreamSeed(7, "workload", 0));
    std::vector<uint64_t> network_draws;
    for (int step = 0; step < 1000; ++step) {
      for (int k = 0; k < extra_draws_per_step; ++k) workload.Next();
      network_draws.push_back(network.Bounded(1000));
    }
    return network_draws;
  };
  EXPECT_EQ(run(0), run(1));
  EXPECT_EQ(run(0), run(17));
}

TEST(RngTest, BoundedStaysInRangeAndCoversIt) {
  Rng rng(1);
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t x = rng.Bounded(7);
    ASSERT_LT(x, 7u);
    ++seen[x];
  }
  for (int c : seen) EXPECT_GT(c, 0);
  EXPECT_EQ(rng.Bounded(1), 0u);
  for (int i = 0; i < 1000; ++i) {
    const int64_t v = rng.UniformInt(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
  }
}

TEST(RngTest, BoundedIsUniformChiSquare) {
  Rng rng(2);
  constexpr int kCells = 10;
  std::vector<uint64_t> counts(kCells, 0);
  for (int i = 0; i < kSamples; ++i) ++counts[rng.Bounded(kCells)];
  const std::vector<double> expected(kCells, static_cast<double>(kSamples) / kCells);
  EXPECT_LT(ChiSquare(counts, expected), ChiSquareThreshold(kCells));
}

TEST(RngTest, BoundedIsUnbiasedForAHugeBound) {
  // bound = 3 * 2^62. Reducing a 64-bit draw modulo the bound would make [0, 2^62) twice as
  // likely as each of the two other thirds (1/2, 1/4, 1/4); Lemire's method gives 1/3 each.
  const uint64_t bound = uint64_t{3} << 62;
  Rng rng(3);
  std::vector<uint64_t> thirds(3, 0);
  constexpr int kDraws = 30'000;
  for (int i = 0; i < kDraws; ++i) ++thirds[rng.Bounded(bound) >> 62];
  const std::vector<double> expected(3, kDraws / 3.0);
  EXPECT_LT(ChiSquare(thirds, expected), ChiSquareThreshold(3));
}

TEST(RngTest, ChanceIsExactAndWithinBinomialTolerance) {
  Rng rng(4);
  EXPECT_FALSE(rng.Chance(Ratio{0, 5}));
  EXPECT_TRUE(rng.Chance(Ratio{5, 5}));
  const Ratio p{1, 3};
  uint64_t hits = 0;
  for (int i = 0; i < kSamples; ++i) hits += rng.Chance(p);
  const double n = kSamples, q = 1.0 / 3.0;
  EXPECT_NEAR(static_cast<double>(hits), n * q, kStdErrors * std::sqrt(n * q * (1 - q)));
}

TEST(RngTest, ChanceWithZeroOrOneConsumesNoDraw) {
  Rng a(5), b(5);
  a.Chance(Ratio{0, 1});
  a.Chance(Ratio{1, 1});
  EXPECT_EQ(a.Next(), b.Next());
}

TEST(RngTest, Uniform01Moments) {
  Rng rng(6);
  std::vector<double> xs(kSamples);
  for (double& x : xs) {
    x = rng.Uniform01();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
  }
  ExpectMoments(xs, 0.5, 1.0 / 12, 1.0 / 80);
}

TEST(RngTest, ExponentialMoments) {
  Rng rng(7);
  const double mean = 2.5;
  std::vector<double> xs(kSamples);
  for (double& x : xs) x = rng.Exponential(mean);
  // Exponential: var = m^2, mu4 = 9 m^4.
  ExpectMoments(xs, mean, mean * mean, 9 * std::pow(mean, 4));
}

TEST(RngTest, NormalMoments) {
  Rng rng(8);
  const double mu = -3, sigma = 2;
  std::vector<double> xs(kSamples);
  for (double& x : xs) x = rng.Normal(mu, sigma);
  // Normal: mu4 = 3 sigma^4.
  ExpectMoments(xs, mu, sigma * sigma, 3 * std::pow(sigma, 4));
}

TEST(RngTest, LogNormalMoments) {
  Rng rng(9);
  const double mu = 0.5, sigma = 0.4;
  std::vector<double> xs(kSamples), logs(kSamples);
  for (int i = 0; i < kSamples; ++i) {
    xs[i] = rng.LogNormal(mu, sigma);
    logs[i] = std::log(xs[i]);
  }
  // The logs are N(mu, sigma^2); the mean of the values is exp(mu + sigma^2 / 2) with variance
  // (exp(sigma^2) - 1) exp(2 mu + sigma^2).
  ExpectMoments(logs, mu, sigma * sigma, 3 * std::pow(sigma, 4));
  const double mean = std::exp(mu + sigma * sigma / 2);
  const double var = (std::exp(sigma * sigma) - 1) * std::exp(2 * mu + sigma * sigma);
  EXPECT_NEAR(Measure(xs).mean, mean, kStdErrors * std::sqrt(var / kSamples));
}

TEST(ZipfTest, FrequenciesMatchThePmf) {
  for (double s : {0.8, 1.0, 1.5}) {
    const uint64_t n = 20;
    ZipfDistribution zipf(n, s);
    Rng rng(10);
    std::vector<double> pmf(n);
    double norm = 0;
    for (uint64_t k = 1; k <= n; ++k) norm += std::pow(static_cast<double>(k), -s);
    double mean = 0, second = 0;
    for (uint64_t k = 1; k <= n; ++k) {
      pmf[k - 1] = std::pow(static_cast<double>(k), -s) / norm;
      mean += k * pmf[k - 1];
      second += static_cast<double>(k * k) * pmf[k - 1];
    }
    std::vector<uint64_t> counts(n, 0);
    std::vector<double> xs(kSamples);
    for (int i = 0; i < kSamples; ++i) {
      const uint64_t k = zipf.Sample(rng);
      ASSERT_GE(k, 1u);
      ASSERT_LE(k, n);
      ++counts[k - 1];
      xs[i] = static_cast<double>(k);
    }
    std::vector<double> expected(n);
    for (uint64_t k = 0; k < n; ++k) expected[k] = pmf[k] * kSamples;
    EXPECT_LT(ChiSquare(counts, expected), ChiSquareThreshold(static_cast<int>(n))) << s;
    EXPECT_NEAR(Measure(xs).mean, mean, kStdErrors * std::sqrt((second - mean * mean) / kSamples))
        << s;
  }
}

TEST(ZipfTest, HugeKeySpaceAndSingleKey) {
  ZipfDistribution big(uint64_t{1} << 40, 0.99);
  ZipfDistribution one(1, 1.2);
  Rng rng(11);
  uint64_t ones = 0;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t k = big.Sample(rng);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, uint64_t{1} << 40);
    ones += k == 1;
    ASSERT_EQ(one.Sample(rng), 1u);
  }
  EXPECT_GT(ones, 0u);  // rank 1 is the most popular key
}

TEST(RngTest, DrawsAreReproducibleAcrossBuilds) {
  // Golden values: a change here means every seeded run changes. Debug, Release and sanitizer
  // builds must all produce them.
  Rng rng(StreamSeed(1, "golden", 0));
  const uint64_t first = rng.Next();
  const uint64_t bounded = rng.Bounded(1000);
  const double normal = rng.Normal(0, 1);
  Rng again(StreamSeed(1, "golden", 0));
  EXPECT_EQ(again.Next(), first);
  EXPECT_EQ(again.Bounded(1000), bounded);
  EXPECT_EQ(again.Normal(0, 1), normal);
  EXPECT_EQ(first, 0xbb9f6719dae5bb63ULL);
}

}  // namespace
}  // namespace dsim::sim
