// Every shipped scenario loads, runs, and is deterministic: the same seed gives a byte-identical
// results.json (and timeseries.csv), with or without the independent ledger, which never steers
// the run and, on every kv scenario, agrees with the oracle (ledger.disagreements = 0). Scenarios
// too slow for the test suite run here at a reduced size through overrides, said per case below;
// everything else runs exactly as shipped in Release (debug and sanitizer builds shrink them
// further: tests/sim/kv_test_util.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "sim/results.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

class ShippedScenarioTest : public ::testing::TestWithParam<testing::ShippedCase> {};

TEST_P(ShippedScenarioTest, SameSeedGivesIdenticalResults) {
  const testing::ShippedCase& c = GetParam();
  // Shrunk builds use the (smaller) shrinking overrides instead of the reductions above.
  const bool shrunk = !testing::ShrinkOverrides(c.name).empty();
  std::vector<std::string> overrides = shrunk ? std::vector<std::string>{} : c.overrides;
  const Scenario s = testing::LoadShipped(c.name, overrides);
  ASSERT_EQ(s.name, c.name);
  const RunOutput a = testing::RunOk(s);
  // The second run keeps the independent ledger too ([checks] ledger): the same run, plus the
  // ledger's figures, which must agree with the oracle's.
  overrides.push_back("checks.ledger=true");
  const Scenario with_ledger = testing::LoadShipped(c.name, overrides);
  const RunOutput b = testing::RunOk(with_ledger);
  EXPECT_GT(a.events_processed, 1000u);
  // b's results with the ledger's figures taken out, echoing the same scenario as a's.
  nlohmann::json results_b = ResultsJson(s, b);
  if (s.workload.kind == WorkloadConfig::Kind::kKv) {
    ASSERT_TRUE(results_b["metrics"].contains("ledger"));
    EXPECT_EQ(results_b["metrics"]["ledger"]["disagreements"]["value"], 0);
    results_b["metrics"].erase("ledger");
  }
  EXPECT_EQ(ResultsJson(s, a).dump(), results_b.dump());
  EXPECT_EQ(a.timeseries.ToCsv(), b.timeseries.ToCsv());
  EXPECT_EQ(a.nodes.ToCsv(), b.nodes.ToCsv());
  if (s.workload.kind == WorkloadConfig::Kind::kKv) {
    EXPECT_EQ(a.nodes.rows.size(), s.cluster.nodes);
    // Every kv scenario has a fault schedule that the oracle measures from.
    EXPECT_TRUE(a.metrics.Has("convergence.time"));
    EXPECT_TRUE(a.metrics.Has("convergence.divergent_cells_end"));
    if (s.metrics.require_convergence) {
      EXPECT_FALSE(testing::IsNull(a, "convergence.time")) << "a scenario that must converge";
    }
  }
}

TEST(ShippedScenarioListTest, EveryScenarioFileIsCovered) {
  std::set<std::string> covered;
  for (const testing::ShippedCase& c : testing::ShippedCases()) covered.insert(c.name);
  for (const auto& entry : std::filesystem::directory_iterator(DSIM_SOURCE_DIR "/scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    EXPECT_TRUE(covered.contains(entry.path().stem().string())) << entry.path();
  }
}

INSTANTIATE_TEST_SUITE_P(All, ShippedScenarioTest, ::testing::ValuesIn(testing::ShippedCases()),
                         [](const ::testing::TestParamInfo<testing::ShippedCase>& info) {
                           std::string name = info.param.name;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace dsim::sim

namespace dsim::sim {
namespace {

// The same run in every build type (Release, Debug, sanitizers): a golden trace hash. It moves
// whenever the cluster layer legitimately changes what happens; update it then (dsim run
// scenarios/quickstart.toml prints it).
TEST(ClusterGoldenTest, QuickstartTraceIsTheSameInEveryBuildType) {
  const Scenario s = testing::LoadShipped("quickstart");
  const RunOutput out = testing::RunOk(s);
  EXPECT_EQ(out.events_processed, 44224u);
  EXPECT_EQ(out.trace_hash, 0xd9d7fd7664f676a0ULL);
}

}  // namespace
}  // namespace dsim::sim
