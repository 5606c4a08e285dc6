// The strategy table of `dsim report`: for a sweep over repair.strategy (alone or with other
// parameters), one row per parameter point with the numbers a user compares strategies by, each
// as the mean over the point's seeds with its 95 % confidence interval (analysis/stats.h):
//   moved / minimum     repair.over_streaming.partitions and .bytes (1 = only what differed)
//   control bytes       repair.control_bytes (trees, hashes, summaries, coded symbols, requests)
//   round trips         repair.round_trips.max (the most in one session)
//   repair duration     repair.duration.max (the longest repair job)
//   convergence time    convergence.time (null runs, which never converged, are counted apart)
// The report shows it first in the sweep's section, and leads the sweep's plots with one bar
// chart per column (StrategyCharts: a bar per point, the mean, with its 95 % interval as an
// error bar); other sweeps have neither.
//
//   std::optional<StrategyTable> t = StrategyComparison(summary);
//   std::vector<Chart> charts = StrategyCharts(summary, "few-differences");
#ifndef DSIM_ANALYSIS_REPORT_STRATEGIES_H_
#define DSIM_ANALYSIS_REPORT_STRATEGIES_H_

#include <optional>
#include <string>
#include <vector>

#include "analysis/chart.h"
#include "analysis/summary.h"

namespace dsim::analysis {

struct StrategyTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // one per point, in plan order
};

// The metrics of the table's columns after the point: (path, heading).
const std::vector<std::pair<std::string, std::string>>& StrategyColumns();

// Null unless the sweep varies repair.strategy.
std::optional<StrategyTable> StrategyComparison(const SweepSummary& summary);

// The table's columns as bar charts (names left to the caller), titled with `scenario`; only
// the columns some point has a value for; none unless the sweep varies repair.strategy.
std::vector<Chart> StrategyCharts(const SweepSummary& summary, const std::string& scenario);

// "mean [low, high]" (or "mean" with fewer than two values, "-" with none), plus
// " (k never)" when k runs had a null value.
std::string MeanWithInterval(const MetricSummary* m);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_REPORT_STRATEGIES_H_
