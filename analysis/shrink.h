// Scenario shrinking (`dsim shrink`): from a scenario that fails a check (analysis/shrink_check.h),
// a smaller one that still fails the same check, by delta debugging (analysis/shrink_ddmin.h),
// in four stages, each keeping only candidates that still fail:
//   1. faults: ddmin over the units of the fault schedule, one per fault with its companions
//      (analysis/attribute.h: a crash takes the restart that brings its node back, a named
//      network fault its heals), so no candidate names a heal without its fault; under a check
//      that needs_liveness_phase (liveness), faults named kPinnedPrefix* (dsim swarm's liveness
//      phase) are not units: they stay, unless as a removed fault's companion;
//   2. workload: ddmin over the `workload.kv.phases` entries, then each remaining phase's
//      duration cut by bisection to 1/16 of it (faults keep their times: one after the end of
//      the workload still happens, the run goes on until it has);
//   3. nodes: bisection of `cluster.nodes` (of each datacenter's `nodes`, last first), never
//      below the highest node a fault names plus one (nor what the loader accepts: RF);
//   4. minimality: the final scenario rerun without each remaining unit; one that still fails
//      is removed too and the check repeated, so at the end removing any single fault (with its
//      companions) makes the check pass: the result is 1-minimal in its faults.
// Every candidate goes through the normal loader (analysis/shrink_candidate.h); the runs of one
// step are independent and run in threads (analysis/shrink_runner.h).
//
// Contract: deterministic: the same input gives the same minimal scenario and the same steps,
// whatever `jobs` (candidates are judged in candidate order; no wall clock). At most
// `max_runs` candidates are tested, the baseline (the scenario as given) first; when the bound
// stops a stage, the result is the smallest failing scenario found so far (bound_hit).
// Errors: FailedPrecondition when the scenario as given does not fail the check (nothing to
// shrink); Internal when a run fails; InvalidArgument when the check cannot be evaluated on a
// run or the scenario as given does not load.
//
//   absl::StatusOr<ShrinkResult> r = Shrink(table, "scenarios/x.toml", check, options);
//   WriteFileAtomically("out/minimal.toml", ScenarioTomlText(r->minimal));
#ifndef DSIM_ANALYSIS_SHRINK_H_
#define DSIM_ANALYSIS_SHRINK_H_

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/shrink_check.h"
#include "analysis/shrink_runner.h"
#include "sim/core/time.h"
#include "sim/scenario/config.h"

namespace dsim::analysis {

// The sizes a shrink reports, before and after.
// Under the liveness check, faults whose names start with this are never removed on their own
// (see stage 1 above).
inline constexpr char kPinnedPrefix[] = "liveness-";

struct ScenarioSize {
  size_t faults = 0;
  sim::Nanos workload = 0;  // the kv phases' durations added up (0: no kv workload)
  uint32_t nodes = 0;
};
ScenarioSize SizeOf(const sim::Scenario& scenario);

struct ShrinkResult {
  toml::table minimal;     // the smallest failing scenario found
  sim::Scenario scenario;  // it, loaded
  ScenarioSize before, after;
  std::vector<std::string> steps;  // what each stage removed, one line each, in order
  std::vector<std::string> kept;   // labels of the remaining faults (analysis::FaultLabel)
  size_t tested = 0;               // candidates tested, the baseline included
  size_t rejected = 0;             // of which the loader rejected
  bool bound_hit = false;          // max_runs stopped the shrink early
  bool one_minimal = false;        // stage 4 saw every single removal pass
};

// Shrinks `start` (the scenario file's table with its overrides; `source_name` names it in
// messages) against `check`.
[[nodiscard]] absl::StatusOr<ShrinkResult> Shrink(const toml::table& start,
                                                  const std::string& source_name,
                                                  const FailureCheck& check,
                                                  const ShrinkOptions& options);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SHRINK_H_
