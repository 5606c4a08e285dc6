// Reading the results of one `dsim run`: DIR/results.json and DIR/timeseries.csv.
//
// The nested `metrics` object of results.json is flattened to dotted paths ("relay.latency.mean")
// in a sorted map; each value is a number or null (null means "undefined", e.g. a convergence
// time of a run that never converged). `faults_applied` (sim/results.h documents it) gives the
// fault windows as the run applied them. The scenario echo is kept as JSON for the parameters
// that reports show.
//
//   absl::StatusOr<RunResults> r = LoadRunResults("out/quickstart");
//   std::optional<double> v = r->metrics.at("relay.latency.mean").value;
#ifndef DSIM_ANALYSIS_RUN_RESULTS_H_
#define DSIM_ANALYSIS_RUN_RESULTS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "analysis/json_file.h"

namespace dsim::analysis {

struct MetricValue {
  std::optional<double> value;  // null: undefined (not converged, no samples, ...)
  std::string unit;
};

// Metric path -> value, sorted by path.
using MetricMap = absl::btree_map<std::string, MetricValue>;

// One entry of results.json's `faults_applied`: a fault as the run applied it.
struct AppliedFaultRecord {
  uint64_t index = 0;            // into the scenario's faults
  std::string kind;              // its action: "partition", "clock_jump", ...
  std::string name;              // empty when it has none
  std::optional<uint64_t> node;  // the node of a single-node action
  double start_s = 0;            // simulated seconds
  bool lasting = false;          // a fault in effect until undone (the entry has end_ns)
  std::optional<double> end_s;   // lasting: when undone; nullopt: still in effect at the end
};

struct RunResults {
  std::string dir;
  std::string dsim_version;
  uint64_t seed = 0;
  std::string trace_hash;
  double simulated_time_s = 0.0;
  std::string stop_reason;
  nlohmann::json scenario;    // the echo, defaults filled in
  std::string scenario_name;  // scenario.simulation.name of the echo ("" when absent)
  // Nullopt: a results.json written before dsim recorded the faults it applied.
  std::optional<std::vector<AppliedFaultRecord>> faults_applied;
  MetricMap metrics;
};

// Flattens a results.json `metrics` object. A leaf is an object with "value" and "unit".
// Errors: InvalidArgument naming `source` and the path of a malformed node.
[[nodiscard]] absl::StatusOr<MetricMap> FlattenMetrics(const nlohmann::json& metrics,
                                                       const std::string& source);

// Decodes a results.json document read from `source` (for messages) in run directory `dir`.
// Errors: InvalidArgument naming `source` and what is wrong.
[[nodiscard]] absl::StatusOr<RunResults> RunResultsFromJson(const nlohmann::json& j,
                                                            const std::string& source,
                                                            const std::string& dir);

// Reads DIR/results.json (analysis/json_file.h). Errors: NotFound when it does not exist,
// InvalidArgument when it is not a results file.
[[nodiscard]] absl::StatusOr<RunResults> LoadRunResults(const std::string& dir);

// timeseries.csv: a header row whose first column is time_s, then numeric rows. Empty cells
// are NaN.
struct TimeseriesData {
  std::vector<std::string> columns;  // without time_s
  std::vector<double> times_s;
  std::vector<std::vector<double>> values;  // values[column][row]
};

// Errors: NotFound, or InvalidArgument with file:line for a malformed row.
[[nodiscard]] absl::StatusOr<TimeseriesData> LoadTimeseries(const std::string& path);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_RUN_RESULTS_H_
