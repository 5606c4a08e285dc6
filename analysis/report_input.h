// The inputs of `dsim report`: each RESULTS argument, a run or a sweep directory
// (analysis/results_dir.h), with what its charts need beyond the results: the run's time
// series, or per parameter point of a sweep the mean time series over its completed runs; and
// the fault marks (analysis/report.h) from the runs' `faults_applied`, shown for a sweep only
// when every point has the same.
#ifndef DSIM_ANALYSIS_REPORT_INPUT_H_
#define DSIM_ANALYSIS_REPORT_INPUT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/report.h"
#include "analysis/results_dir.h"
#include "analysis/run_results.h"

namespace dsim::analysis {

struct ReportInput {
  ResultsDir results;
  std::optional<TimeseriesData> ts;                     // runs: the run's (when it has rows)
  std::vector<std::optional<TimeseriesData>> point_ts;  // sweeps: per point, mean over seeds
  std::optional<FaultMarks> faults;                     // shared by the run / every point
  std::vector<std::string> notes;                       // shown under the section title
};

// Errors: LoadResultsDir's, and those of a run's results.json or timeseries.csv that cannot be
// read. A sweep without a readable sweep.json gets a note instead of time series.
[[nodiscard]] absl::StatusOr<ReportInput> LoadReportInput(const std::string& arg);

// Means across runs, row by row at equal sample times. Only times that more than half of the
// runs sampled are kept: each run's last row sits at its own end time, and a "mean" of one run
// there would make the curve jump. REQUIRES: !runs.empty().
TimeseriesData MeanTimeseries(const std::vector<TimeseriesData>& runs);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_REPORT_INPUT_H_
