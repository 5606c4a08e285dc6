// Results files of one run: DIR/results.json, DIR/timeseries.csv and, for kv runs,
// DIR/nodes.csv (RunOutput::nodes).
//
// results.json holds only deterministic content (same scenario and seed -> same bytes): the dsim
// version, the scenario echo with defaults filled in, the seed, the trace hash, events processed,
// simulated time, the stop reason, the faults as applied and the metrics. Wall time and host
// facts never go in it.
//
// `faults_applied` (RunOutput::faults_applied, sim/applied_fault.h) is an array with one object
// per fault whose time came before the run stopped, in the order of the scenario's `faults`:
//   index     the fault's position in the scenario's `faults` (and in the echo's)
//   kind      its action, spelled as in the echo ("partition", "clock_jump", ...)
//   name      its name; absent when it has none
//   node      the node of a single-node action (clock and node faults, a node's repair); else
//             absent
//   start_ns  true time it was applied (ns)
//   end_ns    lasting faults only (partition, cut_link, degrade_link, drop_mutations): when it
//             was undone (its duration ran out, or a heal), or null when it was still in effect
//             when the run stopped; absent for instant actions (every other kind, heal included)
// Every file is written atomically: to a temporary file in the same directory, flushed, then
// renamed over the target, so a reader never sees half a file.
#ifndef DSIM_SIM_RESULTS_H_
#define DSIM_SIM_RESULTS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "sim/scenario/config.h"
#include "sim/simulation.h"

namespace dsim::sim {

// The results.json document.
nlohmann::json ResultsJson(const Scenario& scenario, const RunOutput& output);

// "0x" followed by 16 lower-case hex digits.
std::string FormatTraceHash(uint64_t hash);

// Writes `content` to `path` atomically (temp file + rename). Creates no directories.
[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path, std::string_view content);

// Creates `dir` (and parents) if needed and writes timeseries.csv, nodes.csv (when the run has a
// node table) and last results.json into it, each atomically.
[[nodiscard]] absl::Status WriteResults(const std::string& dir, const Scenario& scenario,
                                        const RunOutput& output);

}  // namespace dsim::sim

#endif  // DSIM_SIM_RESULTS_H_
