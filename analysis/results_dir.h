// A results directory as `dsim check` and `dsim report` take it: a run directory (results.json,
// analysis/run_results.h) or a sweep directory (summary.json, analysis/summary.h).
//
//   absl::StatusOr<ResultsDir> r = LoadResultsDir("out/sweep");
//   if (r->sweep) ... r->summary.points ... else ... r->run.metrics ...
#ifndef DSIM_ANALYSIS_RESULTS_DIR_H_
#define DSIM_ANALYSIS_RESULTS_DIR_H_

#include <string>

#include "absl/status/statusor.h"
#include "analysis/run_results.h"
#include "analysis/summary.h"

namespace dsim::analysis {

struct ResultsDir {
  bool sweep = false;
  std::string dir;
  std::string scenario;  // the scenario's name
  RunResults run;        // a run directory
  SweepSummary summary;  // a sweep directory
};

// `arg` is a directory, or a results.json or summary.json file in one. A directory with a
// summary.json is a sweep, else one with a results.json is a run. Errors: NotFound for a sweep
// directory without summary.json (suggesting `dsim summarize`) or a directory that is neither;
// the loaders' errors for a file that cannot be read or decoded.
[[nodiscard]] absl::StatusOr<ResultsDir> LoadResultsDir(const std::string& arg);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_RESULTS_DIR_H_
