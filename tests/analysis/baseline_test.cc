#include "analysis/baseline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analysis/check.h"

namespace dsim::analysis {
namespace {

using ::testing::HasSubstr;

std::string Error(const std::string& text) {
  absl::StatusOr<Baseline> b = ParseBaseline(text, "base.toml");
  EXPECT_FALSE(b.ok());
  return std::string(b.status().message());
}

constexpr char kRunBaseline[] = R"([baseline]
scenario = "quickstart"
source = "run"
seed = 42

[[metric]]
path = "relay.latency.mean"
unit = "s"
expected = 0.006
tolerance = 0.05
relative = true
direction = "lower_is_better"

[[metric]]
path = "convergence.time"
expected = "null"

[[metric]]
path = "relay.delivered"
expected = 2000
tolerance = 10
relative = false
)";

TEST(Baseline, ParsesEntriesWithDefaults) {
  absl::StatusOr<Baseline> b = ParseBaseline(kRunBaseline, "base.toml");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->scenario, "quickstart");
  EXPECT_EQ(b->source, Baseline::Source::kRun);
  EXPECT_EQ(b->seed, 42u);
  ASSERT_EQ(b->metrics.size(), 3u);
  EXPECT_EQ(b->metrics[0].direction, Direction::kLowerIsBetter);
  EXPECT_EQ(*b->metrics[0].expected, 0.006);
  EXPECT_FALSE(b->metrics[1].expected.has_value());               // "null"
  EXPECT_EQ(b->metrics[1].direction, Direction::kLowerIsBetter);  // inferred from "time"
  EXPECT_EQ(b->metrics[1].tolerance, kDefaultTolerance);
  // relay.delivered: no word of the path decides, its headline entry does (analysis/headline.h).
  EXPECT_EQ(b->metrics[2].direction, Direction::kHigherIsBetter);
  EXPECT_FALSE(b->metrics[2].relative);
  EXPECT_THAT(b->metrics[2].where, HasSubstr("base.toml:"));
}

TEST(Baseline, MalformedEntriesNameFileLineAndKey) {
  std::string e = Error(R"([baseline]
scenario = "q"
source = "run"

[[metric]]
path = "relay.latency.mean"
expected = 0.006
tolerance = "five percent"
)");
  EXPECT_THAT(e, HasSubstr("base.toml:8:"));
  EXPECT_THAT(e, HasSubstr("metric[0].tolerance"));

  e = Error(
      "[baseline]\nscenario = \"q\"\nsource = \"run\"\n[[metric]]\npath = \"a\"\nexpected = "
      "1\ntolerence = 1\n");
  EXPECT_THAT(e, HasSubstr("base.toml:7:"));
  EXPECT_THAT(e, HasSubstr("metric[0].tolerence: unknown key (did you mean \"tolerance\"?)"));

  e = Error("[baseline]\nscenario = \"q\"\nsource = \"run\"\n[[metric]]\npath = \"a\"\n");
  EXPECT_THAT(e, HasSubstr("metric[0].expected: required"));

  e = Error(
      "[baseline]\nscenario = \"q\"\nsource = \"run\"\n[[metric]]\npath = \"a\"\nexpected = 1\n"
      "direction = \"down\"\n");
  EXPECT_THAT(e, HasSubstr("base.toml:7:"));
  EXPECT_THAT(e, HasSubstr("metric[0].direction: expected one of \"lower_is_better\""));

  e = Error(
      "[baseline]\nscenario = \"q\"\nsource = \"run\"\n[[metric]]\npath = \"a\"\nexpected = "
      "1\npoint = \"p\"\n");
  EXPECT_THAT(e, HasSubstr("metric[0].point: only sweep baselines"));

  e = Error(
      "[baseline]\nscenario = \"q\"\nsource = \"run\"\n[[metric]]\npath = \"a\"\nexpected = 1\n"
      "[[metric]]\npath = \"a\"\nexpected = 2\n");
  EXPECT_THAT(e, HasSubstr("metric[1].path: metric a is listed twice"));

  EXPECT_THAT(Error("[baseline\nscenario = 1\n"), HasSubstr("base.toml:1:"));
  EXPECT_THAT(Error("[baseline]\nscenario = \"q\"\nsource = \"run\"\n"),
              HasSubstr("no [[metric]] entries"));
  EXPECT_THAT(Error("[[metric]]\npath = \"a\"\nexpected = 1\n"), HasSubstr("baseline: required"));
}

// Issue 11, defect 4: a tolerance of 1e300 was accepted, so the metric was checked against
// nothing. Tolerances that cannot fail are errors at their line.
TEST(Baseline, ToleranceThatChecksNothingIsRefused) {
  const std::string head =
      "[baseline]\nscenario = \"q\"\nsource = \"run\"\n[[metric]]\npath = \"a\"\nexpected = 1\n";
  std::string e = Error(head + "tolerance = 1e300\nrelative = false\n");
  EXPECT_THAT(e, HasSubstr("base.toml:7:"));
  EXPECT_THAT(e, HasSubstr("metric[0].tolerance: expected a number in [0, 1e+12], got 1e+300"));
  e = Error(head + "tolerance = 50\nrelative = true\n");
  EXPECT_THAT(e,
              HasSubstr("metric[0].tolerance: expected a relative tolerance in [0, 10], got 50"));
  EXPECT_TRUE(ParseBaseline(head + "tolerance = 10\nrelative = true\n", "base.toml").ok());
  EXPECT_TRUE(ParseBaseline(head + "tolerance = 1e6\nrelative = false\n", "base.toml").ok());
}

TEST(Baseline, WritesTextThatReadsBackTheSame) {
  Baseline b;
  b.source = Baseline::Source::kSweep;
  b.scenario = "quick\"start";
  b.seeds = "1..20";
  BaselineMetric m;
  m.point = "network.link.loss=0.05";
  m.path = "relay.latency.mean";
  m.unit = "s";
  m.expected = 0.1 + 0.2;  // not a short decimal: must round-trip exactly
  m.tolerance = 0.1;
  m.direction = Direction::kLowerIsBetter;
  m.ci95_low = 0.29;
  m.ci95_high = 0.31;
  m.count = 19;
  m.nulls = 1;
  b.metrics.push_back(m);
  m.path = "convergence.time";
  m.expected.reset();
  m.ci95_low.reset();
  m.ci95_high.reset();
  m.null_tolerance = 0.25;
  b.metrics.push_back(m);
  const std::string text = BaselineToToml(b, {"a header"});
  EXPECT_THAT(text, HasSubstr("# a header\n"));
  absl::StatusOr<Baseline> back = ParseBaseline(text, "written.toml");
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << text;
  EXPECT_EQ(BaselineToToml(*back, {"a header"}), text);
  EXPECT_EQ(*back->metrics[0].expected, 0.1 + 0.2);
  EXPECT_EQ(back->scenario, "quick\"start");
  EXPECT_FALSE(back->metrics[1].expected.has_value());
  EXPECT_EQ(back->metrics[1].null_tolerance, 0.25);
}

TEST(Baseline, InfersDirectionFromPathWords) {
  EXPECT_EQ(InferDirection("relay.latency.p99"), Direction::kLowerIsBetter);
  EXPECT_EQ(InferDirection("convergence.time"), Direction::kLowerIsBetter);
  EXPECT_EQ(InferDirection("repair.over_streaming.ratio"), Direction::kLowerIsBetter);
  EXPECT_EQ(InferDirection("network.relay.dropped_loss.bytes"), Direction::kLowerIsBetter);
  EXPECT_EQ(InferDirection("bloom.fp.observed"), Direction::kLowerIsBetter);
  EXPECT_EQ(InferDirection("client.availability"), Direction::kHigherIsBetter);
  EXPECT_EQ(InferDirection("relay.delivered"), Direction::kEqual);
  EXPECT_EQ(InferDirection("stimulus.count"), Direction::kEqual);  // "time" only as a whole word
}

BaselineMetric Entry(Direction d, std::optional<double> expected, double tolerance = 0.1,
                     bool relative = true) {
  BaselineMetric m;
  m.path = std::string("m");  // (operator=(const char*) trips GCC 12's -Wrestrict here)
  m.direction = d;
  m.expected = expected;
  m.tolerance = tolerance;
  m.relative = relative;
  return m;
}

Verdict JudgeRun(const BaselineMetric& m, std::optional<double> now, const std::string& unit = "") {
  MetricValue v{now, unit};
  return CompareRun(m, &v).verdict;
}

TEST(Check, RunVerdictsFollowDirectionAndTolerance) {
  const BaselineMetric lower = Entry(Direction::kLowerIsBetter, 10.0);
  EXPECT_EQ(JudgeRun(lower, 10.9), Verdict::kOk);
  EXPECT_EQ(JudgeRun(lower, 11.0), Verdict::kOk);  // exactly at the tolerance
  EXPECT_EQ(JudgeRun(lower, 11.1), Verdict::kRegression);
  EXPECT_EQ(JudgeRun(lower, 8.0), Verdict::kImproved);
  const BaselineMetric higher = Entry(Direction::kHigherIsBetter, 10.0);
  EXPECT_EQ(JudgeRun(higher, 8.0), Verdict::kRegression);
  EXPECT_EQ(JudgeRun(higher, 12.0), Verdict::kImproved);
  const BaselineMetric equal = Entry(Direction::kEqual, 10.0, 0.5, /*relative=*/false);
  EXPECT_EQ(JudgeRun(equal, 10.4), Verdict::kOk);
  EXPECT_EQ(JudgeRun(equal, 9.4), Verdict::kRegression);
  EXPECT_EQ(JudgeRun(equal, 10.6), Verdict::kRegression);
  const BaselineMetric zero = Entry(Direction::kLowerIsBetter, 0.0);  // relative to 0: exact
  EXPECT_EQ(JudgeRun(zero, 0.0), Verdict::kOk);
  EXPECT_EQ(JudgeRun(zero, 1e-9), Verdict::kRegression);
}

TEST(Check, NullMeansUndefinedNeverZero) {
  const BaselineMetric converged = Entry(Direction::kLowerIsBetter, 2.0);
  EXPECT_EQ(JudgeRun(converged, std::nullopt), Verdict::kRegression);  // no longer converges
  const BaselineMetric never = Entry(Direction::kLowerIsBetter, std::nullopt);
  EXPECT_EQ(JudgeRun(never, std::nullopt), Verdict::kOk);
  EXPECT_EQ(JudgeRun(never, 3.0), Verdict::kImproved);
  EXPECT_EQ(JudgeRun(Entry(Direction::kEqual, std::nullopt), 3.0), Verdict::kRegression);
}

TEST(Check, MissingMetricAndChangedUnitFail) {
  BaselineMetric m = Entry(Direction::kLowerIsBetter, 1.0);
  EXPECT_EQ(CompareRun(m, nullptr).verdict, Verdict::kMissing);
  m.unit = "s";
  EXPECT_EQ(JudgeRun(m, 1.0, "ms"), Verdict::kRegression);
  EXPECT_EQ(JudgeRun(m, 1.0, "s"), Verdict::kOk);
}

MetricSummary SweepValue(double mean, double lo, double hi, size_t count = 20, size_t nulls = 0) {
  MetricSummary s;
  s.stats.count = count;
  s.stats.nulls = nulls;
  s.stats.mean = mean;
  s.stats.ci95_low = lo;
  s.stats.ci95_high = hi;
  return s;
}

TEST(Check, SweepNeedsSeparatedConfidenceIntervalsToRegress) {
  BaselineMetric m = Entry(Direction::kLowerIsBetter, 10.0);
  m.ci95_low = 9.0;
  m.ci95_high = 11.0;
  m.count = 20;
  MetricSummary same = SweepValue(10.2, 9.2, 11.2);
  EXPECT_EQ(CompareSweep(m, &same).verdict, Verdict::kOk);
  MetricSummary noisy = SweepValue(11.5, 10.5, 12.5);  // past 10 %, but the CIs overlap
  EXPECT_EQ(CompareSweep(m, &noisy).verdict, Verdict::kNoise);
  MetricSummary worse = SweepValue(12.5, 11.5, 13.5);  // past 10 % and separated
  EXPECT_EQ(CompareSweep(m, &worse).verdict, Verdict::kRegression);
  MetricSummary better = SweepValue(7.0, 6.0, 8.0);
  EXPECT_EQ(CompareSweep(m, &better).verdict, Verdict::kImproved);
  MetricSummary no_ci = SweepValue(12.5, 0, 0, 1);
  no_ci.stats.ci95_low.reset();
  no_ci.stats.ci95_high.reset();
  EXPECT_EQ(CompareSweep(m, &no_ci).verdict, Verdict::kRegression);  // the tolerance alone decides
}

TEST(Check, SweepFailsWhenMoreRunsHaveNoValue) {
  BaselineMetric m = Entry(Direction::kLowerIsBetter, 10.0);
  m.ci95_low = 9.0;
  m.ci95_high = 11.0;
  m.count = 20;
  m.nulls = 0;
  MetricSummary some_null = SweepValue(10.0, 9.0, 11.0, 18, 2);
  Comparison c = CompareSweep(m, &some_null);
  EXPECT_EQ(c.verdict, Verdict::kRegression);
  EXPECT_THAT(c.reason, HasSubstr("null in 2 of 20 runs"));
  m.null_tolerance = 0.1;
  EXPECT_EQ(CompareSweep(m, &some_null).verdict, Verdict::kOk);
}

}  // namespace
}  // namespace dsim::analysis
