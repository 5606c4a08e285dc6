// The analysis commands on the real quickstart (the replicated store): a sweep over 20 seeds
// and two values of a parameter that changes convergence, with nulls (runs that never
// converge) counted rather than averaged; and `dsim check` failing when a change makes
// convergence slower or over-streaming worse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/analysis/test_util.h"

namespace dsim::analysis::test {

// Defined in sweep_cli_test.cc.
void ExpectSummaryMatchesRunFiles(const std::string& full, int seeds);

namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

TEST(QuickstartAnalysis, SweepOverTwentySeedsAndTwoValues) {
  TestDir tmp("quickstart_sweep");
  const std::string& dir = tmp.path();
  const std::string out = dir + "/sweep";
  // Without the repair the cluster never converges (null); with it, it does.
  CommandResult r = Dsim({"sweep", kQuickstart, "--seeds", "1..20", "--set",
                          "faults.1.action=repair,mark", "--jobs", "2", "--out", out},
                         dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("sweep: 40 runs, 0 already complete, 40 to run"));
  EXPECT_THAT(r.out, HasSubstr("== faults.1.action=mark: 20 of 20 runs completed"));
  ExpectSummaryMatchesRunFiles(out, 20);

  const nlohmann::json summary = nlohmann::json::parse(Slurp(out + "/summary.json"));
  ASSERT_EQ(summary["points"].size(), 2u);
  const nlohmann::json& repaired = summary["points"][0];
  const nlohmann::json& unrepaired = summary["points"][1];
  ASSERT_EQ(repaired["name"], "faults.1.action=repair");
  // Repaired: every seed converges; unrepaired: none does, and the mean is null, not 0.
  EXPECT_EQ(repaired["metrics"]["convergence.time"]["count"], 20);
  EXPECT_EQ(repaired["metrics"]["convergence.time"]["nulls"], 0);
  EXPECT_GT(repaired["metrics"]["convergence.time"]["mean"].get<double>(), 0.0);
  EXPECT_EQ(unrepaired["metrics"]["convergence.time"]["count"], 0);
  EXPECT_EQ(unrepaired["metrics"]["convergence.time"]["nulls"], 20);
  EXPECT_TRUE(unrepaired["metrics"]["convergence.time"]["mean"].is_null());
  EXPECT_GT(unrepaired["metrics"]["convergence.divergent_cells_end"]["min"].get<double>(), 0.0);
}

TEST(QuickstartAnalysis, CheckFailsWhenConvergenceGetsSlowerOrRepairStreamsMore) {
  TestDir tmp("quickstart_check");
  const std::string& dir = tmp.path();
  ASSERT_EQ(Dsim({"run", kQuickstart, "--quiet", "--out", dir + "/base"}, dir).exit_code, 0);
  const std::string baseline = dir + "/quickstart.toml";
  CommandResult w = Dsim({"check", dir + "/base", "--write-baseline", baseline, "--metric",
                          "convergence.time", "--metric", "repair.over_streaming"},
                         dir);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(Dsim({"check", dir + "/base", "--baseline", baseline}, dir).exit_code, 0);

  // The repair 3 s later: the replicas stay divergent longer after the heal.
  ASSERT_EQ(
      Dsim({"run", kQuickstart, "--quiet", "--set", "faults.1.at=11s", "--out", dir + "/late"}, dir)
          .exit_code,
      0);
  CommandResult late = Dsim({"check", dir + "/late", "--baseline", baseline}, dir);
  EXPECT_EQ(late.exit_code, 1) << late.out << late.err;
  EXPECT_THAT(late.out, ContainsRegex("convergence.time +[0-9.e-]+ s +[0-9.e-]+ s .*REGRESSION"));

  // Coarse Merkle trees: each differing leaf covers more partitions, so repair streams more.
  ASSERT_EQ(Dsim({"run", kQuickstart, "--quiet", "--set", "repair.merkle_depth=3", "--out",
                  dir + "/coarse"},
                 dir)
                .exit_code,
            0);
  CommandResult coarse = Dsim({"check", dir + "/coarse", "--baseline", baseline}, dir);
  EXPECT_EQ(coarse.exit_code, 1) << coarse.out << coarse.err;
  EXPECT_THAT(coarse.out, ContainsRegex("repair.over_streaming.partitions .*REGRESSION"));
}

}  // namespace
}  // namespace dsim::analysis::test
