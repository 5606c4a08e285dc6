// The wall time of one repair strategy against another on the same data: merkle-depth's shape
// (two nodes, RF 2, one token each, ~100 differing partitions scattered over the ring) at a
// size a benchmark can repeat, 65,536 partitions, repaired by merkle (the depth rule) or by
// sstable_dag (fixed or CDC chunks). Each iteration loads the scenario's data through the
// cluster, runs the full repair and checks that it converged; the label carries the run's
// moved / minimum, so the time can be read against what it moved.
//   BM_Repair/0  merkle    BM_Repair/1  sstable_dag, cdc    BM_Repair/2  sstable_dag, fixed
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace dsim::sim {
namespace {

void BM_Repair(benchmark::State& state) {
  std::vector<std::string> o = {"workload.kv.keys=65536", "workload.kv.phases.0.rate=13107",
                                "repair.merkle_depth=0"};
  const int which = static_cast<int>(state.range(0));
  o.push_back(which == 0 ? "repair.strategy=merkle" : "repair.strategy=sstable_dag");
  if (which == 2) o.push_back("repair.chunking=fixed");
  absl::StatusOr<Scenario> s =
      LoadScenarioFile(std::string(DSIM_SOURCE_DIR) + "/scenarios/merkle-depth.toml", o);
  if (!s.ok()) {
    state.SkipWithError(std::string(s.status().message()).c_str());
    return;
  }
  double over = 0;
  for (auto _ : state) {
    absl::StatusOr<RunOutput> out = RunScenario(*s);
    if (!out.ok() || out->metrics.Get("convergence.divergent_cells_end")["value"] != 0) {
      state.SkipWithError("the repair did not converge");
      return;
    }
    over = out->metrics.Get("repair.over_streaming.partitions")["value"].get<double>();
  }
  state.SetLabel(absl::StrCat(which == 0   ? "merkle"
                              : which == 1 ? "sstable_dag cdc"
                                           : "sstable_dag fixed",
                              ", moved/minimum ", over));
}
BENCHMARK(BM_Repair)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dsim::sim
