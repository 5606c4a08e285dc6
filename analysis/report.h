// The model behind `dsim report`: which charts a run or a sweep gets. The command itself
// (analysis/commands.h) loads the inputs, builds these charts, renders them with gnuplot
// (analysis/chart.h) and writes index.html and report.md around them.
//
// Charts appear when the data for them exists, so new metrics get plots without new code:
// - every numeric column of timeseries.csv, over simulated time, with the scenario's fault
//   windows shaded (a run: columns grouped by their first word and unit; a sweep: one chart per
//   column, one line per parameter point, the mean over seeds): divergent cells over time, for
//   example, once the cluster writes a `divergent_cells` column;
// - every metric against each swept parameter, the mean with 95 % CI error bars (a sweep; by
//   default the metrics that change across points, plus convergence.*, divergence.*, repair.*,
//   bloom.*, hll.*, lww.* whenever present): over-streaming against Merkle depth, for example;
// - metric groups: percentiles (a prefix with at least two of p50, p90, p95, p99, p999, plus min
//   and max) such as relay.latency.*, and comparisons (a prefix with `observed` and at least one
//   of configured, theoretical, expected, estimated, exact, actual) such as bloom.fp.observed
//   against bloom.fp.configured and bloom.fp.theoretical.
#ifndef DSIM_ANALYSIS_REPORT_H_
#define DSIM_ANALYSIS_REPORT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/chart.h"

namespace dsim::analysis {

struct FaultMarks {
  std::vector<Chart::Shade> windows;    // faults that last: [at, end)
  std::vector<Chart::Marker> instants;  // faults that happen at one instant
  bool operator==(const FaultMarks& o) const;
};

// From the scenario echo's `faults`: a fault with a duration is a window [at, at + duration);
// a network fault (partition, cut_link, degrade_link) without one lasts until the first later
// `heal` naming it (or healing everything), else until `end_s`; `heal` itself draws nothing;
// every other action (clock_jump, drift_change, ...) is an instant.
FaultMarks FaultMarksFromScenario(const nlohmann::json& scenario, double end_s);

// A swept parameter value as a number for an x axis: a plain number; a duration ("10ms" -> 0.01,
// unit "s"); a size ("64KiB" -> 65536, unit "bytes"); a percentage or fraction ("1%" -> 0.01).
// Nullopt when it is none of these.
std::optional<std::pair<double, std::string>> ParameterNumber(const std::string& text);

struct MetricGroup {
  enum class Kind { kPercentiles, kComparison };
  Kind kind;
  std::string prefix;  // "relay.latency"
  std::vector<std::string>
      leaves;  // display order: "min", "p50", ... / "observed", "configured", ...
};

// The groups among sorted metric paths.
std::vector<MetricGroup> FindMetricGroups(const std::vector<std::string>& paths);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_REPORT_H_
