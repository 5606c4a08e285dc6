// The baseline `dsim check --write-baseline` writes: the values of a results directory (a run's
// metric values, or a sweep's per-point means, CIs and counts) in the shape of a baseline
// (analysis/baseline.h), keeping what a person chose in an existing one.
//
// With a template (the --baseline being compared with, or the file being overwritten) its
// metrics are kept in order with their tolerance, relative and direction, and only the values
// are updated; a template metric the results no longer have is dropped and reported. With
// metric prefixes, every metric of the results under a prefix is added (but configuration
// echoes, analysis/headline.h, unless a prefix names one exactly). Without a template or
// prefixes, the gated headline metrics the results have are added (per point for a sweep).
// New metrics get the default tolerance and BaselineDirection's direction.
#ifndef DSIM_ANALYSIS_BASELINE_UPDATE_H_
#define DSIM_ANALYSIS_BASELINE_UPDATE_H_

#include <optional>
#include <string>
#include <vector>

#include "analysis/baseline.h"
#include "analysis/results_dir.h"

namespace dsim::analysis {

// `dropped` receives "POINT: PATH" (sweeps) or "PATH" (runs) of each template metric left out.
Baseline BaselineFromResults(const ResultsDir& r, const std::optional<Baseline>& tmpl,
                             const std::vector<std::string>& prefixes,
                             std::vector<std::string>* dropped);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_BASELINE_UPDATE_H_
