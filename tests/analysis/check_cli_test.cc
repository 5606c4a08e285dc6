// End-to-end tests of `dsim check`: baselines written from a run and from a sweep, a parameter
// change that worsens a metric (exit 1 with a readable table), unchanged results (exit 0) and
// bad input (exit 2 naming the file and the key).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "analysis/baseline.h"
#include "tests/analysis/test_util.h"

namespace dsim::analysis::test {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

// Raising the link latency raises relay.latency.mean (uniform 1-10 ms -> 1-30 ms).
const std::vector<std::string> kSlowLinks = {"--set", "network.link.latency.max=30ms", "--set",
                                             "network.inter_rack.latency.max=30ms"};

std::vector<std::string> RunArgs(const std::string& out,
                                 const std::vector<std::string>& extra = {}) {
  std::vector<std::string> a = {
      "run", kRelayQuickstart, "--quiet", "--set", "workload.relay.deliveries=2000", "--out", out};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(CheckCommand, RunBaselinePassesUnchangedAndFailsWhenLatencyRegresses) {
  TestDir tmp("check_run");
  const std::string& dir = tmp.path();
  ASSERT_EQ(Dsim(RunArgs(dir + "/base"), dir).exit_code, 0);
  const std::string baseline = dir + "/quickstart.toml";
  CommandResult w = Dsim({"check", dir + "/base", "--write-baseline", baseline, "--metric",
                          "relay.latency", "--metric", "relay.dropped"},
                         dir);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_THAT(w.out, HasSubstr("wrote baseline " + baseline + " (8 metrics)"));
  const std::string text = Slurp(baseline);
  EXPECT_THAT(text, HasSubstr("path = \"relay.latency.mean\""));
  EXPECT_THAT(text, HasSubstr("direction = \"lower_is_better\""));
  EXPECT_THAT(text, HasSubstr("seed = 42"));

  // The same seed again: deterministic, so every metric is within tolerance.
  ASSERT_EQ(Dsim(RunArgs(dir + "/again"), dir).exit_code, 0);
  CommandResult ok = Dsim({"check", dir + "/again", "--baseline", baseline, "--all"}, dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("check: all 8 metrics within tolerance"));
  EXPECT_THAT(
      ok.out,
      ContainsRegex(
          "relay.latency.mean +[0-9.e-]+ s +[0-9.e-]+ s +\\+0 \\(\\+0.00%\\) +<= \\+5% +ok"));

  // Slower links: relay.latency.mean regresses; exit 1 and a table that says so.
  ASSERT_EQ(Dsim(RunArgs(dir + "/slow", kSlowLinks), dir).exit_code, 0);
  CommandResult bad = Dsim({"check", dir + "/slow", "--baseline", baseline}, dir);
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.out, ContainsRegex("metric +baseline +now +change +allowed +verdict"));
  EXPECT_THAT(
      bad.out,
      ContainsRegex("relay.latency.mean +[0-9.e-]+ s +[0-9.e-]+ s +\\+[0-9.e-]+ \\(\\+[0-9.]+%\\) "
                    "+<= \\+5% +REGRESSION +higher than allowed"));
  EXPECT_THAT(bad.out, HasSubstr("REGRESSED against " + baseline));
  EXPECT_EQ(bad.err, "");

  // Updating the baseline from the slow run keeps its metrics and tolerances.
  w = Dsim({"check", dir + "/slow", "--write-baseline", baseline}, dir);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_THAT(w.out, HasSubstr("(8 metrics)"));
  EXPECT_EQ(Dsim({"check", dir + "/slow", "--baseline", baseline}, dir).exit_code, 0);
}

TEST(CheckCommand, BadInputExitsTwoNamingFileAndKey) {
  TestDir tmp("check_bad");
  const std::string& dir = tmp.path();
  ASSERT_EQ(Dsim(RunArgs(dir + "/base"), dir).exit_code, 0);
  const std::string bad = dir + "/bad.toml";
  Write(bad,
        "[baseline]\n"
        "scenario = \"quickstart\"\n"
        "source = \"run\"\n"
        "\n"
        "[[metric]]\n"
        "path = \"relay.latency.mean\"\n"
        "expected = 0.006\n"
        "tolerance = \"lots\"\n");
  CommandResult r = Dsim({"check", dir + "/base", "--baseline", bad}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(bad + ":8:"));
  EXPECT_THAT(r.err, HasSubstr("metric[0].tolerance"));

  Write(bad,
        "[baseline]\nscenario = \"quickstart\"\nsource = \"run\"\n[[metric]]\npth = "
        "\"relay.latency.mean\"\n"
        "expected = 1\n");
  r = Dsim({"check", dir + "/base", "--baseline", bad}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(bad + ":5:"));
  EXPECT_THAT(r.err, HasSubstr("metric[0].pth: unknown key (did you mean \"path\"?)"));

  Write(bad,
        "[baseline]\nscenario = \"other\"\nsource = \"run\"\n[[metric]]\npath = \"a\"\nexpected = "
        "1\n");
  r = Dsim({"check", dir + "/base", "--baseline", bad}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("baseline.scenario is \"other\" but"));

  r = Dsim({"check", dir + "/base", "--baseline", dir + "/missing.toml"}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing.toml"));
  r = Dsim({"check", dir, "--baseline", bad}, dir);  // not a results directory
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Dsim({"check", dir + "/base"}, dir).exit_code, 2);  // neither flag
}

TEST(CheckCommand, SweepBaselineComparesConfidenceIntervals) {
  TestDir tmp("check_sweep");
  const std::string& dir = tmp.path();
  auto sweep = [&](const std::string& out, const std::vector<std::string>& extra) {
    std::vector<std::string> a = {"sweep",   kRelayQuickstart, "--seeds",
                                  "1..8",    "--set",          "workload.relay.deliveries=2000",
                                  "--quiet", "--out",          out};
    a.insert(a.end(), extra.begin(), extra.end());
    return Dsim(a, dir);
  };
  ASSERT_EQ(sweep(dir + "/base", {}).exit_code, 0);
  const std::string baseline = dir + "/sweep.toml";
  ASSERT_EQ(
      Dsim({"check", dir + "/base", "--write-baseline", baseline, "--metric", "relay.latency.mean"},
           dir)
          .exit_code,
      0);
  EXPECT_THAT(Slurp(baseline), HasSubstr("ci95 = ["));
  EXPECT_THAT(Slurp(baseline), HasSubstr("point = \"default\""));
  CommandResult ok = Dsim({"check", dir + "/base", "--baseline", baseline, "--all"}, dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_THAT(ok.out, ContainsRegex("point +metric +baseline +now"));

  ASSERT_EQ(sweep(dir + "/slow", kSlowLinks).exit_code, 0);
  CommandResult bad = Dsim({"check", dir + "/slow", "--baseline", baseline}, dir);
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_THAT(bad.out, HasSubstr("95% CIs do not overlap"));

  // A sweep baseline does not apply to a single run.
  ASSERT_EQ(Dsim(RunArgs(dir + "/run"), dir).exit_code, 0);
  CommandResult mismatch = Dsim({"check", dir + "/run", "--baseline", baseline}, dir);
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_THAT(mismatch.err, HasSubstr("a sweep baseline, but"));
}

// Lines of `text`.
size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

TEST(CheckCommand, DefaultOutputShowsFailuresAndNearMissesOnly) {
  TestDir tmp("check_quiet");
  const std::string& dir = tmp.path();
  ASSERT_EQ(Dsim(RunArgs(dir + "/base"), dir).exit_code, 0);
  const std::string baseline = dir + "/relay.toml";
  ASSERT_EQ(Dsim({"check", dir + "/base", "--write-baseline", baseline, "--metric", "relay"}, dir)
                .exit_code,
            0);
  ASSERT_EQ(Dsim(RunArgs(dir + "/slow", kSlowLinks), dir).exit_code, 0);
  CommandResult bad = Dsim({"check", dir + "/slow", "--baseline", baseline}, dir);
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  // Every latency percentile regresses: at least 3 regressions among the relay metrics.
  size_t failed = 0, total = 0;
  ASSERT_EQ(std::sscanf(bad.out.substr(bad.out.rfind("check: ")).c_str(),
                        "check: %zu of %zu metrics REGRESSED", &failed, &total),
            2)
      << bad.out;
  EXPECT_GE(failed, 3u);
  EXPECT_LT(Lines(bad.out), 30u) << bad.out;
  // Only failing, noisy or nearly failing rows are printed, and the rest are counted.
  for (absl::string_view line : absl::StrSplit(bad.out, '\n')) {
    if (!absl::StartsWith(line, "relay.")) continue;
    EXPECT_TRUE(absl::StrContains(line, "REGRESSION") || absl::StrContains(line, "near miss") ||
                absl::StrContains(line, "noise"))
        << line;
  }
  EXPECT_THAT(bad.out, HasSubstr("rows within tolerance not shown"));
  // --all prints a row for every metric: the header, its rule, the rows and the verdict.
  CommandResult all = Dsim({"check", dir + "/slow", "--baseline", baseline, "--all"}, dir);
  EXPECT_EQ(Lines(all.out), total + 3) << all.out;
}

TEST(CheckCommand, DefaultBaselineGatesTheHeadlineMetricsWithTheirDirections) {
  TestDir tmp("check_headline");
  const std::string& dir = tmp.path();
  ASSERT_EQ(Dsim({"run", kQuickstart, "--quiet", "--out", dir + "/run"}, dir).exit_code, 0);
  const std::string baseline = dir + "/quickstart.toml";
  CommandResult w = Dsim({"check", dir + "/run", "--write-baseline", baseline}, dir);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_THAT(w.out, HasSubstr("gating the headline metrics"));
  const std::string text = Slurp(baseline);
  EXPECT_LT(Lines(text), 100u);
  // Each gated metric, with the direction a person would choose.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"convergence.time", "lower_is_better"},
      {"convergence.divergent_cells_end", "lower_is_better"},
      {"ops.write.availability", "higher_is_better"},
      {"ops.read.availability", "higher_is_better"},
      {"ops.write.latency.p99", "lower_is_better"},
      {"ops.read.latency.p99", "lower_is_better"},
      {"repair.over_streaming.partitions", "lower_is_better"},
      {"lww.lost_updates", "lower_is_better"},
      {"zombies.cells", "lower_is_better"},
      {"data_loss.cells", "lower_is_better"},
      {"network.total.sent.bytes", "lower_is_better"}};
  absl::StatusOr<Baseline> b = LoadBaseline(baseline);
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(b->metrics.size(), expected.size()) << text;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(b->metrics[i].path, expected[i].first);
    EXPECT_EQ(DirectionName(b->metrics[i].direction), expected[i].second) << expected[i].first;
    EXPECT_THAT(w.out, HasSubstr(absl::StrCat(expected[i].first, "  ", expected[i].second)));
  }
  // Configuration echoes and denominators: left out under a prefix, `equal` when named.
  w = Dsim({"check", dir + "/run", "--write-baseline", dir + "/echo.toml", "--metric", "bloom",
            "--metric", "data_loss", "--metric", "convergence.reference_time", "--metric",
            "clocks.offset_abs_max"},
           dir);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  b = LoadBaseline(dir + "/echo.toml");
  ASSERT_TRUE(b.ok()) << b.status();
  std::map<std::string, std::string> got;
  for (const BaselineMetric& m : b->metrics) got[m.path] = DirectionName(m.direction);
  EXPECT_FALSE(got.contains("bloom.fp.configured"));
  EXPECT_FALSE(got.contains("bloom.fp.theoretical"));
  EXPECT_FALSE(got.contains("data_loss.acknowledged_cells"));
  EXPECT_EQ(got["data_loss.cells"], "lower_is_better");
  EXPECT_EQ(got["bloom.fp.observed"], "lower_is_better");
  EXPECT_EQ(got["convergence.reference_time"], "equal");
  EXPECT_EQ(got["clocks.offset_abs_max"], "equal");
}

}  // namespace
}  // namespace dsim::analysis::test
