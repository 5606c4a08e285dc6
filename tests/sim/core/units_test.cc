#include "sim/core/units.h"

#include <gtest/gtest.h>

#include <string>

namespace dsim::sim {
namespace {

TEST(ParseDuration, ReadsEveryUnitExactly) {
  EXPECT_EQ(*ParseDuration("250us"), 250 * kMicrosecond);
  EXPECT_EQ(*ParseDuration("250\xC2\xB5s"), 250 * kMicrosecond);
  EXPECT_EQ(*ParseDuration("10ms"), 10 * kMillisecond);
  EXPECT_EQ(*ParseDuration("2s"), 2 * kSecond);
  EXPECT_EQ(*ParseDuration("5m"), 5 * kMinute);
  EXPECT_EQ(*ParseDuration("5min"), 5 * kMinute);
  EXPECT_EQ(*ParseDuration("3h"), 3 * kHour);
  EXPECT_EQ(*ParseDuration("10d"), 240 * kHour);
  EXPECT_EQ(*ParseDuration("7ns"), 7);
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("-500ms"), -500 * kMillisecond);
}

TEST(ParseDuration, DecimalsAreExactNotFloatingPoint) {
  EXPECT_EQ(*ParseDuration("0.1s"), 100'000'000);
  EXPECT_EQ(*ParseDuration("1.5s"), 1'500'000'000);
  EXPECT_EQ(*ParseDuration("0.000000001s"), 1);
  EXPECT_EQ(*ParseDuration("1_000ms"), kSecond);
}

TEST(ParseDuration, RejectsWhatItCannotRepresent) {
  for (const char* bad : {"", "s", "10", "10 parsecs", "10xs", "1.5ns", "abc", "1e3s", "--1s",
                          "99999999999999999999h"}) {
    absl::StatusOr<Nanos> d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << "accepted '" << bad << "'";
    if (!d.ok()) {
      EXPECT_NE(d.status().message().find("expected a duration"), absl::string_view::npos);
    }
  }
}

// Issue 11, defect 1: 128 or more fractional digits overflowed the power of ten and divided by
// zero (SIGFPE). Any number of digits is now an answer, never a signal: trailing zeros are exact,
// significant digits finer than the unit are an error naming the problem.
TEST(ParseDuration, VeryLongFractionsAreExactOrRejectedNeverACrash) {
  for (int zeros : {10, 37, 38, 39, 127, 128, 129, 300, 5000}) {
    const std::string fraction(static_cast<size_t>(zeros), '0');
    SCOPED_TRACE(zeros);
    // Trailing zeros change nothing.
    EXPECT_EQ(*ParseDuration("1." + fraction + "s"), kSecond);
    EXPECT_EQ(*ParseSize("2." + fraction + "KiB"), 2048u);
    EXPECT_EQ(*ParseBandwidth("1." + fraction + "MB/s"), 1'000'000u);
    // A significant digit after them is finer than a nanosecond (or a byte).
    absl::StatusOr<Nanos> fine = ParseDuration("0." + fraction + "1s");
    ASSERT_FALSE(fine.ok());
    EXPECT_NE(fine.status().message().find("finer than a nanosecond"), std::string::npos)
        << fine.status().message();
    EXPECT_FALSE(ParseSize("0." + fraction + "1B").ok());
    EXPECT_FALSE(ParseBandwidth("0." + fraction + "1Gbps").ok());
    // A probability keeps at most 18 significant decimals (so it fits a 64-bit ratio).
    EXPECT_EQ(ParseProbability("0." + fraction + "1").ok(), zeros <= 17);
  }
  // Exactly representable despite the length: 1 ns written with many digits.
  EXPECT_EQ(*ParseDuration("0.000000001000000000000000000000000000000000000000s"), 1);
  EXPECT_EQ(*ParseProbability("0.5000000000000000000000000000"), (Ratio{1, 2}));
}

TEST(FormatDuration, RoundTripsAndPicksTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(2 * kSecond), "2s");
  EXPECT_EQ(FormatDuration(1500 * kMillisecond), "1500ms");
  EXPECT_EQ(FormatDuration(90 * kSecond), "90s");
  EXPECT_EQ(FormatDuration(-250 * kMicrosecond), "-250us");
  EXPECT_EQ(FormatDuration(0), "0s");
  for (Nanos v : {Nanos{1}, Nanos{999}, 7 * kMinute, 36 * kHour, Nanos{123456789}, -kSecond}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(v)), v);
  }
}

TEST(ParseSize, BinaryAndDecimalUnits) {
  EXPECT_EQ(*ParseSize("64KiB"), 65536u);
  EXPECT_EQ(*ParseSize("1MB"), 1'000'000u);
  EXPECT_EQ(*ParseSize("1.5KiB"), 1536u);
  EXPECT_EQ(*ParseSize("100B"), 100u);
  EXPECT_EQ(*ParseSize("100"), 100u);
  EXPECT_EQ(*ParseSize("2GiB"), uint64_t{2} << 30);
  EXPECT_FALSE(ParseSize("1.3B").ok());
  EXPECT_FALSE(ParseSize("64kib").ok());
  EXPECT_FALSE(ParseSize("KiB").ok());
  EXPECT_EQ(*ParseSize(FormatSize(65536)), 65536u);
  EXPECT_EQ(FormatSize(65536), "64KiB");
}

TEST(ParseBandwidth, BytesAndBitsPerSecond) {
  EXPECT_EQ(*ParseBandwidth("100MiB/s"), uint64_t{100} << 20);
  EXPECT_EQ(*ParseBandwidth("1Gbps"), 125'000'000u);
  EXPECT_EQ(*ParseBandwidth("8bps"), 1u);
  EXPECT_FALSE(ParseBandwidth("3bps").ok());  // not a whole number of bytes
  EXPECT_FALSE(ParseBandwidth("fast").ok());
}

TEST(ParseProbability, DecimalPercentAndFractionAgree) {
  const Ratio hundredth{1, 100};
  EXPECT_EQ(*ParseProbability("0.01"), hundredth);
  EXPECT_EQ(*ParseProbability("1%"), hundredth);
  EXPECT_EQ(*ParseProbability("1/100"), hundredth);
  absl::StatusOr<Ratio> r = ParseProbability("0.25");
  EXPECT_EQ(r->num, 1u);  // reduced to lowest terms
  EXPECT_EQ(r->den, 4u);
  EXPECT_EQ(*ParseProbability("0"), (Ratio{0, 1}));
  EXPECT_EQ(*ParseProbability("1"), (Ratio{1, 1}));
  for (const char* bad : {"1.5", "101%", "2/1", "1/0", "-0.1", "x", "", "0.1.2"}) {
    EXPECT_FALSE(ParseProbability(bad).ok()) << "accepted '" << bad << "'";
  }
  EXPECT_EQ(FormatRatio(Ratio{2, 200}), "1/100");
}

}  // namespace
}  // namespace dsim::sim
