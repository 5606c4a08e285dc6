// The failure classes `dsim shrink --check CLASS` keeps failing while it shrinks a scenario: each
// class names a predicate over one run, "does this run fail in this way". Same check means the
// same class fails, not merely any failure.
//
// The classes live in one table (shrink_check.cc, kClasses): a name, a one-line meaning and the
// predicate. lost_writes, zombies, liveness and stale_reads are the checkers of
// sim/check/checks.h, judged on each candidate's own configuration (removing a replace can make
// a promise hold, removing a power loss can make one void).
//
//   absl::StatusOr<FailureCheck> check = MakeFailureCheck("data_loss", {});
//   absl::StatusOr<bool> fails = check->fails(scenario, output);
#ifndef DSIM_ANALYSIS_SHRINK_CHECK_H_
#define DSIM_ANALYSIS_SHRINK_CHECK_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/run_output.h"
#include "sim/scenario/config.h"

namespace dsim::analysis {

// Whether one run of `scenario` fails the check. An error is a check that cannot be evaluated on
// this run (a metric it needs is missing), which ends the shrink.
using FailurePredicate =
    std::function<absl::StatusOr<bool>(const sim::Scenario&, const sim::RunOutput&)>;

struct FailureCheck {
  std::string name;         // the class, "data_loss"; "metric" with its path and threshold
  std::string description;  // what failing means, for the report
  FailurePredicate fails;
  // dsim shrink keeps the faults named kPinnedPrefix* (analysis/shrink.h): the liveness check.
  bool needs_liveness_phase = false;
};

// The threshold of the generic class "metric": fails when the metric at `path` is a number above
// `above`.
struct MetricThreshold {
  std::string path;
  double above = 0;
};

// The check of class `name`: "convergence" (the run never converged: convergence.time is null
// or absent, what `dsim run` exits 5 for under metrics.require_convergence), "data_loss"
// (data_loss.cells > 0), the checkers "lost_writes", "zombies", "liveness", "stale_reads",
// "ledger" (failed: promised and broken, what `dsim run` exits 6-10 for), "metric" (REQUIRES-like:
// `threshold` set; its metric above the threshold). InvalidArgument for an unknown class,
// suggesting the closest, or for "metric" without a threshold (or a threshold with another class).
[[nodiscard]] absl::StatusOr<FailureCheck> MakeFailureCheck(
    const std::string& name, const std::optional<MetricThreshold>& threshold);

// The class names, in table order.
std::vector<std::string> FailureClassNames();

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SHRINK_CHECK_H_
