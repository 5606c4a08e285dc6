#include "sim/clock.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dsim::sim {
namespace {

TEST(NodeClockTest, ConstantOffsetWithoutDrift) {
  NodeClock c({.initial_offset = -3 * kMillisecond});
  EXPECT_EQ(c.OffsetAt(0), -3 * kMillisecond);
  EXPECT_EQ(c.OffsetAt(kHour), -3 * kMillisecond);
  EXPECT_EQ(c.NowNanos(kSecond), kSecond - 3 * kMillisecond);
  EXPECT_EQ(c.NowMicros(kSecond), 997'000);
}

TEST(NodeClockTest, DriftAccumulatesExactlyInIntegerPpb) {
  // 50 ppm fast: gains 50 us per second.
  NodeClock fast({.initial_offset = 1000, .drift_ppb = 50'000});
  EXPECT_EQ(fast.OffsetAt(10 * kSecond), 1000 + 500 * kMicrosecond);
  EXPECT_EQ(fast.OffsetAt(kHour), 1000 + 180 * kMillisecond);
  // 1 ppb slow over 1.5 ns: -1.5e-9 ns rounds down to -1.
  NodeClock slow({.drift_ppb = -1});
  EXPECT_EQ(slow.OffsetAt(1), -1);
  EXPECT_EQ(slow.OffsetAt(kSecond), -1);
  EXPECT_EQ(slow.OffsetAt(kSecond + 1), -2);
  // A year at 500 ppm does not overflow.
  NodeClock year({.drift_ppb = 500'000});
  EXPECT_EQ(year.OffsetAt(365 * 24 * kHour), int64_t{365} * 24 * 3600 * 500 * kMicrosecond);
}

TEST(NodeClockTest, NowMicrosRoundsTowardNegativeInfinity) {
  NodeClock c({.initial_offset = -1500});
  EXPECT_EQ(c.NowNanos(0), -1500);
  EXPECT_EQ(c.NowMicros(0), -2);
  EXPECT_EQ(c.NowMicros(1500), 0);
  EXPECT_EQ(c.NowMicros(2499), 0);
  EXPECT_EQ(c.NowMicros(2500), 1);
}

ClockParams NtpParams() {
  return {.initial_offset = 40 * kMillisecond,
          .drift_ppb = 20'000,  // 20 us per second
          .ntp_period = kSecond,
          .ntp_phase = 300 * kMillisecond,
          .ntp_residual_stddev = kMillisecond,
          .ntp_seed = 99};
}

TEST(NodeClockTest, NtpCorrectionResetsOffsetToResidualThenDriftContinues) {
  NodeClock c(NtpParams());
  // Before the first correction (at 0.3 s): initial offset plus drift.
  EXPECT_EQ(c.OffsetAt(299 * kMillisecond), 40 * kMillisecond + 5980);
  // At and after correction k (at 0.3 s + k s): residual(k) plus drift since then.
  const Nanos r0 = c.Residual(0);
  EXPECT_EQ(c.OffsetAt(300 * kMillisecond), r0);
  EXPECT_EQ(c.OffsetAt(800 * kMillisecond), r0 + 10 * kMicrosecond);
  const Nanos r5 = c.Residual(5);
  EXPECT_EQ(c.OffsetAt(5300 * kMillisecond + 250 * kMillisecond), r5 + 5 * kMicrosecond);
  EXPECT_NE(r0, r5);
  EXPECT_LT(std::abs(r0), 10 * kMillisecond);
  // Residuals are a pure function of (seed, epoch): a second clock agrees, in any read order.
  NodeClock other(NtpParams());
  EXPECT_EQ(other.Residual(5), r5);
  EXPECT_EQ(other.Residual(0), r0);
}

TEST(NodeClockTest, NtpResidualsHaveTheConfiguredSpread) {
  // Residuals are N(0, sd^2) draws: over n epochs the mean is within 5 sd / sqrt(n) of 0 and
  // the variance within 5 sd^2 sqrt(2 / n) of sd^2.
  NodeClock c(NtpParams());
  const int n = 20000;
  const double sd = static_cast<double>(kMillisecond);
  double sum = 0, sq = 0;
  for (int k = 0; k < n; ++k) {
    const double r = static_cast<double>(c.Residual(k));
    sum += r;
    sq += r * r;
  }
  const double mean = sum / n;
  const double var = sq / n - mean * mean;
  EXPECT_NEAR(mean, 0.0, 5 * sd / std::sqrt(n));
  EXPECT_NEAR(var, sd * sd, 5 * sd * sd * std::sqrt(2.0 / n));
}

TEST(NodeClockTest, JumpLastsUntilTheNextCorrection) {
  NodeClock c(NtpParams());
  const Nanos t = 2500 * kMillisecond;
  const Nanos before = c.OffsetAt(t);
  c.Jump(t, -7 * kMillisecond);
  EXPECT_EQ(c.OffsetAt(t), before - 7 * kMillisecond);
  EXPECT_EQ(c.OffsetAt(t + 100 * kMillisecond), before - 7 * kMillisecond + 2 * kMicrosecond);
  // The correction at 3.3 s steps the clock back to a residual.
  EXPECT_EQ(c.OffsetAt(3300 * kMillisecond), c.Residual(3));
}

TEST(NodeClockTest, JumpWithoutNtpIsPermanentAndDriftChangePersistsAcrossCorrections) {
  NodeClock plain({.initial_offset = 0, .drift_ppb = 0});
  plain.Jump(kSecond, 5 * kMillisecond);
  EXPECT_EQ(plain.OffsetAt(kHour), 5 * kMillisecond);

  NodeClock c(NtpParams());
  c.SetDriftPpb(1000 * kMillisecond, -100'000);  // now 100 us per second slow
  EXPECT_EQ(c.drift_ppb(), -100'000);
  EXPECT_EQ(c.OffsetAt(1300 * kMillisecond + 500 * kMillisecond),
            c.Residual(1) - 50 * kMicrosecond);
}

TEST(NodeClockTest, MakeNodeClocksDrawsWithinBoundsAndAppliesOverrides) {
  ClocksConfig config;
  config.offset_max = 5 * kMillisecond;
  config.drift_ppm_max = 100;
  config.ntp_period = 10 * kSecond;
  config.ntp_residual = kMillisecond;
  config.nodes.push_back({.node = 3, .offset = -20 * kMillisecond, .drift_ppm = 1.5});
  std::vector<NodeClock> clocks = MakeNodeClocks(config, 50, 7);
  ASSERT_EQ(clocks.size(), 50u);
  bool differ = false;
  for (NodeClock& c : clocks) {
    const ClockParams& p = c.params();
    if (&c != &clocks[3]) {
      EXPECT_LE(std::abs(p.initial_offset), 5 * kMillisecond);
      EXPECT_LE(std::abs(p.drift_ppb), 100'000);
    }
    EXPECT_GE(p.ntp_phase, 0);
    EXPECT_LT(p.ntp_phase, 10 * kSecond);
    differ |= p.initial_offset != clocks[0].params().initial_offset;
  }
  EXPECT_TRUE(differ);
  EXPECT_EQ(clocks[3].params().initial_offset, -20 * kMillisecond);
  EXPECT_EQ(clocks[3].drift_ppb(), 1500);
  // Same seed, same clocks; another seed, other clocks.
  std::vector<NodeClock> again = MakeNodeClocks(config, 50, 7);
  std::vector<NodeClock> other = MakeNodeClocks(config, 50, 8);
  EXPECT_EQ(again[10].params().initial_offset, clocks[10].params().initial_offset);
  EXPECT_EQ(again[10].Residual(4), clocks[10].Residual(4));
  EXPECT_NE(other[10].params().initial_offset, clocks[10].params().initial_offset);
}

TEST(HybridLogicalClockTest, MonotoneLocallyAndAheadOfReceivedTimestamps) {
  HybridLogicalClock hlc;
  EXPECT_EQ(hlc.Now(100), (HlcTimestamp{100, 0}));
  EXPECT_EQ(hlc.Now(100), (HlcTimestamp{100, 1}));
  // The physical clock stepped back: the HLC does not.
  EXPECT_EQ(hlc.Now(90), (HlcTimestamp{100, 2}));
  EXPECT_EQ(hlc.Now(120), (HlcTimestamp{120, 0}));
  // A message from a node whose clock is ahead pulls this clock forward.
  const HlcTimestamp r = hlc.Receive(121, {500, 7});
  EXPECT_EQ(r, (HlcTimestamp{500, 8}));
  EXPECT_GT(hlc.Now(130), r);
  // Equal wall parts: logical is past both.
  HybridLogicalClock b;
  b.Now(500);
  b.Now(500);  // {500, 1}
  EXPECT_EQ(b.Receive(400, {500, 4}), (HlcTimestamp{500, 5}));
  // Physical time ahead of everything resets the logical part.
  EXPECT_EQ(b.Receive(900, {500, 9}), (HlcTimestamp{900, 0}));
}

}  // namespace
}  // namespace dsim::sim
