// ArrivalWindow against hand-computed phi values and Cassandra's rules: the initial interval,
// the ignored long gaps, the bounded window, and the exact conviction instant.
#include "sim/kv/phi_accrual.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dsim::sim {
namespace {

constexpr Nanos kMs = kMillisecond;

TEST(ArrivalWindowTest, FirstArrivalRecordsTheInitialInterval) {
  ArrivalWindow w(200 * kMs);
  EXPECT_TRUE(w.empty());
  w.Add(kSecond);
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.last_arrival(), kSecond);
  EXPECT_DOUBLE_EQ(w.MeanNanos(), 200e6);
  // phi = (1 / ln 10) * 100 ms / 200 ms = 0.5 / ln(10) = 0.21714724095162590.
  EXPECT_NEAR(w.Phi(kSecond + 100 * kMs), 0.2171472409516259, 1e-15);
}

TEST(ArrivalWindowTest, PhiOfAFixedHistory) {
  ArrivalWindow w(200 * kMs);
  for (Nanos t : {1000 * kMs, 1100 * kMs, 1200 * kMs, 1300 * kMs}) w.Add(t);
  // Intervals 200 (initial), 100, 100, 100 ms: mean 125 ms.
  EXPECT_EQ(w.size(), 4u);
  EXPECT_DOUBLE_EQ(w.MeanNanos(), 125e6);
  // 500 ms of silence: phi = 4 / ln(10) = 1.7371779276130072.
  EXPECT_NEAR(w.Phi(1800 * kMs), 1.7371779276130072, 1e-14);
  // 2 s: 16 / ln(10) = 6.948711710452029.
  EXPECT_NEAR(w.Phi(3300 * kMs), 6.948711710452029, 1e-14);
  EXPECT_DOUBLE_EQ(w.Phi(1300 * kMs), 0.0);
}

// phi > 8 <=> silence > 8 ln(10) x 125 ms = 2,302,585,092.994046 ns: not convicted at
// 2,302,585,092 ns of silence, convicted one nanosecond later.
TEST(ArrivalWindowTest, ConvictsExactlyWhenTheDerivationSays) {
  ArrivalWindow w(200 * kMs);
  for (Nanos t : {1000 * kMs, 1100 * kMs, 1200 * kMs, 1300 * kMs}) w.Add(t);
  const Nanos last = 1300 * kMs;
  EXPECT_FALSE(w.Convicts(last + 2'302'585'092, 8));
  EXPECT_TRUE(w.Convicts(last + 2'302'585'093, 8));
  // Threshold 5: 5 ln(10) x 125 ms = 1,439,115,683.12 ns.
  EXPECT_FALSE(w.Convicts(last + 1'439'115'683, 5));
  EXPECT_TRUE(w.Convicts(last + 1'439'115'684, 5));
  // Away from the boundary, Convicts agrees with Phi > threshold.
  for (Nanos silence = 0; silence < 4 * kSecond; silence += 7 * kMs) {
    EXPECT_EQ(w.Convicts(last + silence, 8), w.Phi(last + silence) > 8) << silence;
  }
}

TEST(ArrivalWindowTest, GapsLongerThanTheInitialIntervalAreNotLearned) {
  ArrivalWindow w(200 * kMs);
  w.Add(0);
  w.Add(100 * kMs);
  w.Add(100 * kMs + 5 * kSecond);  // a partition: 5 s of silence, ignored
  EXPECT_EQ(w.size(), 2u);
  EXPECT_DOUBLE_EQ(w.MeanNanos(), 150e6);
  EXPECT_EQ(w.last_arrival(), 100 * kMs + 5 * kSecond);
  w.Add(300 * kMs + 5 * kSecond);  // exactly the initial interval: learned
  EXPECT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w.MeanNanos(), 500e6 / 3);
}

// 1,500 arrivals 100 ms apart: the window keeps the last 1,000 intervals, so the initial 200 ms
// has left it and the mean is exactly 100 ms.
TEST(ArrivalWindowTest, WindowIsBounded) {
  ArrivalWindow w(200 * kMs);
  for (int i = 0; i < 1500; ++i) w.Add(i * 100 * kMs);
  EXPECT_EQ(w.size(), ArrivalWindow::kSampleSize);
  EXPECT_DOUBLE_EQ(w.MeanNanos(), 100e6);
  // After 999 arrivals (998 intervals of 100 ms and the initial one): (200 + 998 x 100) / 999.
  ArrivalWindow young(200 * kMs);
  for (int i = 0; i < 999; ++i) young.Add(i * 100 * kMs);
  EXPECT_DOUBLE_EQ(young.MeanNanos(), (200e6 + 998 * 100e6) / 999);
}

TEST(ArrivalWindowTest, ResetForgetsEverything) {
  ArrivalWindow w(200 * kMs);
  w.Add(0);
  w.Add(50 * kMs);
  w.Reset();
  EXPECT_TRUE(w.empty());
  w.Add(kSecond);
  EXPECT_DOUBLE_EQ(w.MeanNanos(), 200e6);
}

TEST(ArrivalWindowTest, Ln10ConstantIsTheNearestDouble) {
  EXPECT_EQ(ArrivalWindow::kLn10, std::log(10.0));
}

}  // namespace
}  // namespace dsim::sim
