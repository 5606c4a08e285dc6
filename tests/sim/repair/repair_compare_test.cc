// The comparison scenarios (scenarios/repair-compare/*.toml) with every repair strategy: each
// run converges (the replicas end equal to the oracle's winners), every strategy moves at least
// the minimum (repair.minimum.partitions, measured by the oracle independently of the
// strategy), and the strategies that reconcile rows (all but merkle and sstable_dag) move at
// most 1.05x the minimum rows; Merkle repair streams whole leaf ranges both ways, and
// sstable_dag whole SSTables, so they move more. Release
// runs the scenarios as shipped; slow builds shrink the data (tests/sim/kv_test_util.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/scenario/config.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::U;

std::vector<std::string> ComparisonScenarios() {
  std::vector<std::string> paths;
  for (const auto& e :
       std::filesystem::directory_iterator(DSIM_SOURCE_DIR "/scenarios/repair-compare")) {
    if (e.path().extension() == ".toml") paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST(RepairCompareTest, EveryStrategyConvergesAndRowStrategiesMoveAtMostTheMinimumPlusFivePercent) {
  const std::vector<std::string> paths = ComparisonScenarios();
  ASSERT_GE(paths.size(), 4u);
  for (const std::string& path : paths) {
    for (std::string_view strategy : kRepairStrategyNames) {
      SCOPED_TRACE(path + " with " + std::string(strategy));
      std::vector<std::string> overrides = {"repair.strategy=" + std::string(strategy)};
      if (testing::Shrunk()) {
        overrides.push_back("workload.kv.keys=10000");
        overrides.push_back("workload.kv.phases.0.rate=5000");
        overrides.push_back("workload.kv.phases.1.rate=500");
      }
      absl::StatusOr<Scenario> s = LoadScenarioFile(path, overrides);
      ASSERT_TRUE(s.ok()) << s.status();
      const RunOutput out = testing::RunOk(*s);
      EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
      const double minimum = D(out, "repair.minimum.partitions");
      // Moved: streamed rows, or the rows of whole SSTables ingested (sstable_dag).
      const double moved = D(out, "repair.over_streaming.partitions") * minimum;
      ASSERT_GT(minimum, 0);
      EXPECT_GE(moved, minimum * (1 - 1e-12));
      if (strategy != "merkle" && strategy != "sstable_dag") {
        EXPECT_LE(moved, 1.05 * minimum);
        EXPECT_EQ(moved, D(out, "repair.streamed.partitions"));
      }
    }
  }
}

}  // namespace
}  // namespace dsim::sim
