// End-to-end tests of `dsim check`: baselines written from a run and from a sweep, a parameter
// change that worsens a metric (exit 1 with a readable table), unchanged results (exit 0) and
// bad input (exit 2 naming the file and the key).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  CommandResult ok = Dsim({"check", dir + "/again", "--baseline", baseline}, dir);
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
  CommandResult ok = Dsim({"check", dir + "/base", "--baseline", baseline}, dir);
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

}  // namespace
}  // namespace dsim::analysis::test
