// The model behind `dsim report`: which charts a run or a sweep gets, and what is drawn on them.
// The report is built in four steps, one file each: the inputs are loaded
// (analysis/report_input.h), the charts chosen with the rules below (analysis/report_charts.h),
// rendered with gnuplot (analysis/chart.h), and index.html and report.md written around them
// with the summary tables (analysis/report_page.h). `dsim report` (analysis/cli/report.cc)
// drives them.
//
// Charts appear when the data for them exists, so new metrics get plots without new code:
// - every numeric column of timeseries.csv, over simulated time, with the fault windows the run
//   applied shaded and its instant faults marked (a run: columns grouped by their first word
//   and unit; a sweep: one chart per column, one line per parameter point, the mean over
//   seeds): divergent cells over time, for example, once the cluster writes a
//   `divergent_cells` column;
// - every metric against each swept parameter, the mean with 95 % CI error bars (a sweep; by
//   default the metrics that change across points, plus convergence.*, divergence.*, repair.*,
//   bloom.*, hll.*, lww.* whenever present): over-streaming against Merkle depth, for example;
// - metric groups: percentiles (a prefix with at least two of p50, p90, p95, p99, p999, plus min
//   and max) such as relay.latency.*, and comparisons (a prefix with `observed` and at least one
//   of configured, theoretical, expected, estimated, exact, actual) such as bloom.fp.observed
//   against bloom.fp.configured and bloom.fp.theoretical.
#ifndef DSIM_ANALYSIS_REPORT_H_
#define DSIM_ANALYSIS_REPORT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/chart.h"
#include "analysis/run_results.h"
#include "analysis/summary.h"
#include "analysis/sweep_plan.h"

namespace dsim::analysis {

struct FaultMarks {
  std::vector<Chart::Shade> windows;    // faults that last: [start, end)
  std::vector<Chart::Marker> instants;  // faults that happen at one instant
  bool operator==(const FaultMarks& o) const;
};

// From results.json's `faults_applied` (what the fault schedule did, in scenario order): a
// lasting fault is the window [start, end), or [start, end_s) when it was still in effect when
// the run ended at `end_s`; a heal draws nothing (the windows it closed show it); every other
// action is an instant. Labels are the fault's name, else its kind (windows) or its kind and
// node (instants: "clock_jump node 5").
FaultMarks FaultMarksFromApplied(const std::vector<AppliedFaultRecord>& applied, double end_s);

// A swept parameter value as a number for an x axis: a plain number; a duration ("10ms" -> 0.01,
// unit "s"); a size ("64KiB" -> 65536, unit "bytes"); a percentage or fraction ("1%" -> 0.01).
// Nullopt when it is none of these.
std::optional<std::pair<double, std::string>> ParameterNumber(const std::string& text);

// An x axis over a swept parameter's values: numeric when every value is a ParameterNumber of
// one unit (log scale when they span 100x), else categorical in the given order.
struct ParamAxis {
  std::vector<double> x;                // per value
  std::vector<std::string> categories;  // non-empty: categorical
  std::string label;
  bool log = false;
};
ParamAxis AxisFor(const SweepParameter& p);

struct MetricGroup {
  enum class Kind { kPercentiles, kComparison };
  Kind kind;
  std::string prefix;  // "relay.latency"
  std::vector<std::string>
      leaves;  // display order: "min", "p50", ... / "observed", "configured", ...
};

// The groups among sorted metric paths.
std::vector<MetricGroup> FindMetricGroups(const std::vector<std::string>& paths);

// At most this many metrics get charts against the parameters (SelectMetrics).
inline constexpr size_t kMaxMetricCharts = 40;

// The metrics of a sweep (under `prefixes`) that get a chart against the parameters: the
// headline families first, then those whose mean changes across points (every one when
// prefixes are given), at most kMaxMetricCharts; a note says when some were left out.
std::vector<std::string> SelectMetrics(const SweepSummary& s,
                                       const std::vector<std::string>& prefixes,
                                       std::vector<std::string>* notes);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_REPORT_H_
