// Reading the results of one `dsim run`: DIR/results.json and DIR/timeseries.csv.
//
// The nested `metrics` object of results.json is flattened to dotted paths ("relay.latency.mean")
// in a sorted map; each value is a number or null (null means "undefined", e.g. a convergence
// time of a run that never converged). The scenario echo is kept as JSON for the fault windows
// and parameters that reports show.
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

namespace dsim::analysis {

struct MetricValue {
  std::optional<double> value;  // null: undefined (not converged, no samples, ...)
  std::string unit;
};

// Metric path -> value, sorted by path.
using MetricMap = absl::btree_map<std::string, MetricValue>;

struct RunResults {
  std::string dir;
  std::string dsim_version;
  uint64_t seed = 0;
  std::string trace_hash;
  double simulated_time_s = 0.0;
  std::string stop_reason;
  nlohmann::json scenario;  // the echo, defaults filled in
  MetricMap metrics;
};

// Flattens a results.json `metrics` object. A leaf is an object with "value" and "unit".
// Errors: InvalidArgument naming `source` and the path of a malformed node.
[[nodiscard]] absl::StatusOr<MetricMap> FlattenMetrics(const nlohmann::json& metrics,
                                                       const std::string& source);

// Reads a whole file. Errors: NotFound / Unavailable naming the file.
[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::string& path);

// True when `path` exists (errors count as "does not exist").
bool FileExists(const std::string& path);

// Parses JSON text. Errors: InvalidArgument naming `source` with the parser's message.
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseJson(const std::string& text,
                                                       const std::string& source);

// Reads DIR/results.json. Errors: NotFound when it does not exist, InvalidArgument when it is
// not a results file.
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
