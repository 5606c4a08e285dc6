// RunScenario: builds the simulated world for a Scenario (nodes, clocks, network, workload,
// fault schedule), runs it to its end, and returns what results.json and timeseries.csv hold.
//
// A run is a pure function of the Scenario (which includes the seed): same input, same
// RunOutput, bit for bit, in every build type.
#ifndef DSIM_SIM_SIMULATION_H_
#define DSIM_SIM_SIMULATION_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "sim/core/time.h"
#include "sim/run_output.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

struct RunOptions {
  // Called about every `progress_every_events` events with the current true time and event
  // count, for progress display. Must not influence the run. Null: no progress reports.
  std::function<void(Nanos now, uint64_t events)> progress;
  uint64_t progress_every_events = uint64_t{1} << 20;
};

// Errors: InvalidArgument for a scenario that passed validation but cannot be built (should not
// happen; the loader's validation is meant to catch everything).
[[nodiscard]] absl::StatusOr<RunOutput> RunScenario(const Scenario& scenario,
                                                    const RunOptions& options = {});

}  // namespace dsim::sim

#endif  // DSIM_SIM_SIMULATION_H_
