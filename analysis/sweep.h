// Running a sweep (analysis/sweep_plan.h): the scenario checked at every parameter point before
// anything starts, the sweep directory prepared (or an interrupted sweep of the same plan
// resumed), then every run the shard owns and that is not complete yet executed as a child
// process `PROGRAM run FILE --quiet --seed N --out DIR/runs/<point>/seed-<n> --set ...`, up to
// `jobs` at once. A run is complete when its results.json exists; one that did not converge
// under metrics.require_convergence (exit 5) is complete too. Any other outcome is a failure,
// recorded in the run directory's failure.json (analysis/summary.h reads it) with the command
// that reproduces it.
//
//   RETURN_IF_ERROR(PrepareScenario(file, &plan));
//   RETURN_IF_ERROR(PrepareOutDir(dir, plan));
//   PendingRuns pending = FindPendingRuns(dir, plan);
//   ASSIGN_OR_RETURN(SweepOutcome o, RunSweep(dir, plan, pending.todo, options, &progress));
#ifndef DSIM_ANALYSIS_SWEEP_H_
#define DSIM_ANALYSIS_SWEEP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "analysis/progress.h"
#include "analysis/sweep_plan.h"

namespace dsim::analysis {

// Reads the scenario file once for its digest and name (into the plan), and validates every
// point's overrides, so a bad value fails the sweep before any run starts. Errors:
// InvalidArgument naming the file or the point.
[[nodiscard]] absl::Status PrepareScenario(const std::string& file, SweepPlan* plan);

// Creates DIR and DIR/runs, checks that an existing sweep.json describes the same sweep (and
// shard), writes sweep.json. Errors: InvalidArgument for another sweep's directory, Unavailable
// when it cannot be written.
[[nodiscard]] absl::Status PrepareOutDir(const std::string& dir, const SweepPlan& plan);

struct PendingRuns {
  uint64_t owned = 0;          // runs of the plan's shard
  std::vector<uint64_t> todo;  // those without results.json, in canonical order
};
PendingRuns FindPendingRuns(const std::string& dir, const SweepPlan& plan);

struct SweepRunOptions {
  size_t jobs = 1;
  std::string program;  // executed as `program run ...`
};

struct SweepOutcome {
  // By run index: "  <run dir>: <exit>: <first stderr line>\n    reproduce: dsim run ...".
  absl::btree_map<uint64_t, std::string> failures;
};

// Runs `todo` (run indexes of the plan), reporting to `progress`; a run directory is emptied
// before its run starts. Errors: Unavailable when a run directory cannot be created, a child
// cannot be started or a failure record cannot be written (running children are stopped).
[[nodiscard]] absl::StatusOr<SweepOutcome> RunSweep(const std::string& dir, const SweepPlan& plan,
                                                    const std::vector<uint64_t>& todo,
                                                    const SweepRunOptions& options,
                                                    Progress* progress);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SWEEP_H_
