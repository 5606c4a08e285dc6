// `dsim swarm`: many seeds of one base scenario, each with a configuration and fault schedule
// drawn from the seed (analysis/swarm_draw.h), run, judged by every checker (sim/check/checks.h)
// and classified. A seed that fails a check gets its drawn scenario written as a plain scenario
// file, so `dsim run` of that file alone reproduces the failure, exit code included.
//
// Contract: the outcomes are by seed and in seed order whatever `jobs` (each seed's run owns its
// world; the report is assembled by seed); a seed's outcome is a pure function of the base and
// the seed. The classes: "ok" (no promised check broken), one of the check names (the first
// failing in sim::check::kAllChecks order; every failing one is listed), or "run_failed" (the
// simulator's own error, or a drawn scenario the loader rejects: a bug of the draw either way).
//
//   SwarmOptions o{.first = 1, .last = 200, .jobs = 2};
//   absl::StatusOr<SwarmReport> r = RunSwarm(table, scenario, "scenarios/quickstart.toml", o);
#ifndef DSIM_ANALYSIS_SWARM_H_
#define DSIM_ANALYSIS_SWARM_H_

#include <toml++/toml.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "sim/check/checks.h"
#include "sim/scenario/config.h"

namespace dsim::analysis {

struct SwarmOptions {
  uint64_t first = 1;  // seeds first..last, inclusive
  uint64_t last = 1;
  size_t jobs = 1;  // runs at once, in threads
};

struct SeedOutcome {
  uint64_t seed = 0;
  std::vector<std::string> params;              // the drawn parameters (SwarmDraw::params)
  std::string outcome;                          // "ok", a check name, or "run_failed"
  std::vector<sim::check::CheckResult> checks;  // every check, in kAllChecks order
  std::string error;                            // run_failed: why
  std::string scenario_text;                    // the drawn scenario as TOML
  double sim_seconds = 0;                       // simulated time of the run
};

struct SwarmReport {
  std::vector<SeedOutcome> seeds;                 // in seed order
  absl::btree_map<std::string, size_t> outcomes;  // class -> seeds
  // Per check: seeds where it was observed but not promised (reported, not failures).
  absl::btree_map<std::string, size_t> observed_unpromised;
  size_t failed() const;  // seeds whose outcome is not "ok"
};

// Whether a seed's check result is worth a line: the class happened (its count > 0), or, for
// liveness, the check failed (a run that may lose data often ends unconverged: not news).
// What the output notes and SwarmReport::observed_unpromised counts.
bool Seen(const sim::check::CheckResult& r);

// Runs every seed; calls `on_seed` with each outcome in seed order as soon as it and every
// earlier seed are done (for streaming output), on the calling thread; may be empty.
SwarmReport RunSwarm(const toml::table& base, const sim::Scenario& base_scenario,
                     const std::string& source_name, const SwarmOptions& options,
                     const std::function<void(const SeedOutcome&)>& on_seed);

// One seed, alone (what RunSwarm does per seed).
SeedOutcome RunSwarmSeed(const toml::table& base, const sim::Scenario& base_scenario,
                         const std::string& source_name, uint64_t seed);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SWARM_H_
