#include "analysis/stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dsim::analysis {
namespace {

TEST(StudentT, QuantileMatchesTables) {
  // Two-sided 95 % critical values (R: qt(0.975, df)).
  struct Row {
    double df;
    double t;
  };
  for (const Row& r :
       {Row{1, 12.706204736174707}, Row{2, 4.302652729749464}, Row{3, 3.182446305284263},
        Row{5, 2.570581835636314}, Row{10, 2.2281388519862744}, Row{19, 2.093024054408309},
        Row{30, 2.0422724563012373}, Row{100, 1.9839715185235556}, Row{1e6, 1.9599663568141068}}) {
    EXPECT_NEAR(StudentTQuantile(0.975, r.df), r.t, 1e-9 * r.t) << "df " << r.df;
  }
  EXPECT_NEAR(StudentTQuantile(0.995, 4), 4.604094871415897, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.025, 9), -2.262157162740992, 1e-9);
  EXPECT_EQ(StudentTQuantile(0.5, 7), 0.0);
}

TEST(StudentT, CdfIsSymmetricAndMatchesCauchy) {
  EXPECT_DOUBLE_EQ(StudentTCdf(0.0, 3), 0.5);
  EXPECT_NEAR(StudentTCdf(1.0, 1), 0.75, 1e-14);  // df = 1 is the Cauchy distribution
  for (double t : {0.3, 1.7, 4.2}) EXPECT_NEAR(StudentTCdf(-t, 6) + StudentTCdf(t, 6), 1.0, 1e-14);
  EXPECT_NEAR(StudentTCdf(StudentTQuantile(0.9, 11), 11), 0.9, 1e-14);
}

TEST(Quantile, InterpolatesBetweenOrderStatistics) {
  const std::vector<double> v = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(Quantile(v, 0.5), 3);
  EXPECT_DOUBLE_EQ(Quantile(v, 0.95), 4.8);
  EXPECT_DOUBLE_EQ(Quantile(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(Quantile(v, 1.0), 5);
  EXPECT_DOUBLE_EQ(Quantile({7}, 0.95), 7);
}

TEST(Summarize, ComputesEveryStatistic) {
  Summary s = Summarize({4.0, 2.0, 5.0, 1.0, 3.0});
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.nulls, 0u);
  EXPECT_DOUBLE_EQ(*s.mean, 3.0);
  EXPECT_DOUBLE_EQ(*s.stddev, std::sqrt(2.5));
  EXPECT_DOUBLE_EQ(*s.min, 1.0);
  EXPECT_DOUBLE_EQ(*s.max, 5.0);
  EXPECT_DOUBLE_EQ(*s.p50, 3.0);
  EXPECT_DOUBLE_EQ(*s.p95, 4.8);
  const double half = 2.7764451051977987 * std::sqrt(2.5) / std::sqrt(5.0);
  EXPECT_NEAR(*s.ci95_low, 3.0 - half, 1e-12);
  EXPECT_NEAR(*s.ci95_high, 3.0 + half, 1e-12);
}

TEST(Summarize, CountsNullsInsteadOfAveragingThem) {
  Summary s = Summarize({std::nullopt, 2.0, std::nullopt, 4.0});
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.nulls, 2u);
  EXPECT_DOUBLE_EQ(*s.mean, 3.0);  // not 1.5: nulls are not zeros
  EXPECT_DOUBLE_EQ(*s.min, 2.0);

  Summary one = Summarize({std::nullopt, 7.0});
  EXPECT_DOUBLE_EQ(*one.mean, 7.0);
  EXPECT_FALSE(one.stddev.has_value());  // undefined with one value
  EXPECT_FALSE(one.ci95_low.has_value());

  Summary none = Summarize({std::nullopt, std::nullopt});
  EXPECT_EQ(none.count, 0u);
  EXPECT_EQ(none.nulls, 2u);
  EXPECT_FALSE(none.mean.has_value());
  EXPECT_FALSE(none.p50.has_value());
}

TEST(Summarize, EqualValuesGiveAZeroWidthInterval) {
  Summary s = Summarize(std::vector<std::optional<double>>(20, 0.1));
  EXPECT_EQ(*s.mean, 0.1);  // clamped into [min, max] despite rounding in the sum
  EXPECT_EQ(*s.stddev, 0.0);
  EXPECT_EQ(*s.ci95_low, 0.1);
  EXPECT_EQ(*s.ci95_high, 0.1);
}

}  // namespace
}  // namespace dsim::analysis
