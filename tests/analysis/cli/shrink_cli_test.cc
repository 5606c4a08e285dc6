// `dsim shrink` in-process: every bad input gets a clear message naming the flag (exit 2), a
// scenario that does not fail the check exits 1, and a shrink stopped by --max-runs says so and
// still writes a minimal.toml that loads as a plain scenario.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "sim/scenario/scenario.h"
#include "tests/analysis/cli/capture.h"
#include "tests/analysis/test_util.h"

namespace dsim::cli {
namespace {

using testing::Call;
using testing::Captured;
using ::testing::HasSubstr;

const std::string kCrash = DSIM_SOURCE_DIR "/scenarios/crash-periodic-commitlog.toml";

Captured Shrink(std::vector<std::string> extra) {
  std::vector<std::string> args = {kCrash,  "--quiet",
                                   "--set", "workload.kv.keys=3000",
                                   "--set", "workload.kv.phases.0.rate=200",
                                   "--set", "workload.kv.phases.1.rate=200"};
  args.insert(args.end(), extra.begin(), extra.end());
  return Call(&ShrinkCommand, args);
}

TEST(ShrinkCommand, UnknownClassSuggestsTheClosest) {
  const Captured r = Shrink({"--check", "dataloss"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--check dataloss: unknown failure class; did you mean data_loss?"));
}

TEST(ShrinkCommand, BadFlagsNameTheFlag) {
  Captured r = Shrink({"--check", "data_loss", "--max-runs", "0"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--max-runs 0: expected an integer in [1, 1000000]"));
  r = Shrink({"--check", "data_loss", "--max-runs", "many"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--max-runs many"));
  r = Shrink({"--check", "data_loss", "--jobs", "0"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--jobs 0: expected an integer"));
  r = Shrink({});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--check CLASS is required"));
  r = Shrink({"--check", "metric", "--metric", "data_loss.cells"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--above"));
  r = Shrink({"--check", "data_loss", "--set", "cluster.nodes=0"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("invalid scenario"));
}

TEST(ShrinkCommand, AScenarioThatPassesTheCheckExits1) {
  const Captured r = Shrink({"--check", "data_loss", "--set", "storage.commitlog_sync=batch"});
  EXPECT_EQ(r.code, kExitRegression);
  EXPECT_THAT(r.err, HasSubstr("does not fail --check data_loss"));
  EXPECT_THAT(r.err, HasSubstr("nothing to shrink"));
}

TEST(ShrinkCommand, TheBoundIsSaidAndTheSmallestFailingScenarioWritten) {
  analysis::test::TestDir tmp("shrink_bound");
  const Captured r = Shrink({"--check", "data_loss", "--max-runs", "3", "--out", tmp.path()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("--max-runs 3 reached"));
  EXPECT_THAT(r.out, HasSubstr("runs: 3 candidates tested"));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("reproduce: dsim run ", tmp.path(), "/minimal.toml")));
  absl::StatusOr<sim::Scenario> s = sim::LoadScenarioFile(tmp.path() + "/minimal.toml");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "crash-periodic-commitlog-minimal");
  EXPECT_EQ(s->workload.kv.keys, 3000u);  // the overrides are part of it
}

}  // namespace
}  // namespace dsim::cli
