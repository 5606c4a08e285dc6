// The verdicts of `dsim check`: one baseline metric against the value of a run or the summary of
// a sweep's parameter point, and a whole baseline against a results directory.
//
// A run (one value each side): with allowed = tolerance * |expected| when relative, else
// tolerance, and change = now - expected,
//   lower_is_better:  change >  allowed -> REGRESSION, change < -allowed -> improved, else ok;
//   higher_is_better: change < -allowed -> REGRESSION, change >  allowed -> improved, else ok;
//   equal:            |change| > allowed -> REGRESSION, else ok.
// Null means undefined (e.g. never converged): null in both is ok; a value that became null is
// a REGRESSION; null that became a value is improved (REGRESSION for `equal`). A metric missing
// from the results is MISSING, a unit that differs is a REGRESSION; both fail the check.
//
// A sweep point (means and confidence intervals): first, the fraction of runs without a value
// must not grow by more than null_tolerance (else REGRESSION). Then the means are compared as
// above; a mean past the tolerance on the bad side is a REGRESSION only when the difference is
// also significant: the baseline's 95 % CI and the new 95 % CI do not overlap (the new one lies
// entirely on the bad side; for `equal`, on either side). Overlapping intervals give "noise"
// (a pass: the sweep cannot tell the change from seed-to-seed variation). When either side has
// no CI (fewer than two values) the tolerance alone decides.
#ifndef DSIM_ANALYSIS_CHECK_H_
#define DSIM_ANALYSIS_CHECK_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "analysis/baseline.h"
#include "analysis/results_dir.h"
#include "analysis/run_results.h"
#include "analysis/summary.h"

namespace dsim::analysis {

enum class Verdict { kOk, kImproved, kNoise, kRegression, kMissing };

// "ok", "improved", "noise", "REGRESSION", "MISSING".
const char* VerdictName(Verdict v);
inline bool Fails(Verdict v) { return v == Verdict::kRegression || v == Verdict::kMissing; }

struct Comparison {
  Verdict verdict = Verdict::kOk;
  std::optional<double> now;  // the new value (sweeps: the mean)
  std::optional<double> now_ci95_low, now_ci95_high;
  std::string now_unit;
  std::string reason;  // why, for REGRESSION / MISSING / noise (empty otherwise)
};

// A near miss: verdict ok, but the change lies past half the tolerance on the bad side (either
// side for `equal`). `dsim check` shows these beside the failures.
bool NearMiss(const BaselineMetric& base, const Comparison& c);

// `now` null: the metric is not in the results.
Comparison CompareRun(const BaselineMetric& base, const MetricValue* now);
Comparison CompareSweep(const BaselineMetric& base, const MetricSummary* now);

// Whether baseline `b` (read from `file`) fits the results: a run baseline for a run directory
// and a sweep baseline for a sweep, the same scenario, the same seed (runs), and every metric's
// point present (sweeps). Errors: InvalidArgument naming the file (or the entry) and the misfit.
[[nodiscard]] absl::Status CheckApplies(const Baseline& b, const std::string& file,
                                        const ResultsDir& r);

// The comparison of every baseline metric, in baseline order.
// REQUIRES: CheckApplies(b, file, r) is ok.
std::vector<Comparison> CheckBaseline(const Baseline& b, const ResultsDir& r);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_CHECK_H_
