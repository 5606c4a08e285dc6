// Baseline files: the expected values of metrics, with tolerances and a direction, that
// `dsim check` compares a run or a sweep against. TOML, read with the scenario loader's typed
// reader, so every problem is reported as FILE:LINE:COLUMN: key: what was expected.
//
//   [baseline]
//   scenario = "quickstart"        # must match the results' scenario name
//   source = "run"                 # "run" (one results.json) or "sweep" (a summary.json)
//   seed = 42                      # run baselines: the seed the values come from
//
//   [[metric]]
//   path = "relay.latency.mean"    # dotted metric path (required)
//   unit = "s"                     # optional; when given it must match
//   expected = 0.00617008          # a number, or "null": the baseline value was undefined
//   tolerance = 0.05               # allowed change (default 0.05)
//   relative = true                # tolerance is a fraction of |expected| (default true)
//   direction = "lower_is_better"  # or "higher_is_better", "equal" (default: from the path)
//   # sweep baselines only:
//   point = "network.link.loss=0.05"  # the parameter point (default "default")
//   ci95 = [0.0061, 0.0062]        # the baseline's 95 % CI of the mean (absent when n < 2)
//   count = 20                     # runs with a value
//   nulls = 0                      # runs without one (e.g. never converged)
//   null_tolerance = 0.0           # allowed increase of the null fraction (default 0)
//
// analysis/README.md explains the verdict rules (analysis/check.h implements them).
#ifndef DSIM_ANALYSIS_BASELINE_H_
#define DSIM_ANALYSIS_BASELINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/headline.h"

namespace dsim::analysis {

// The defaults `--write-baseline` uses for a new metric, and a hand-written entry gets when it
// leaves the keys out.
inline constexpr double kDefaultTolerance = 0.05;  // 5 % ...
inline constexpr bool kDefaultRelative = true;     // ... of the expected value
inline constexpr double kDefaultNullTolerance = 0.0;

struct BaselineMetric {
  std::string path;
  std::string point;               // sweep baselines; empty for runs
  std::string unit;                // empty: not checked
  std::optional<double> expected;  // nullopt: the baseline value was null
  double tolerance = kDefaultTolerance;
  bool relative = kDefaultRelative;
  Direction direction = Direction::kEqual;
  // Sweep baselines.
  std::optional<double> ci95_low, ci95_high;
  uint64_t count = 0;
  uint64_t nulls = 0;
  double null_tolerance = kDefaultNullTolerance;
  std::string where;  // "FILE:LINE:COLUMN" of the entry, for messages
};

struct Baseline {
  enum class Source { kRun, kSweep };
  Source source = Source::kRun;
  std::string scenario;
  std::optional<uint64_t> seed;         // run baselines
  std::string seeds;                    // sweep baselines: "A..B" (informative)
  std::vector<BaselineMetric> metrics;  // file order; (point, path) unique
};

// Parses baseline text. Errors: InvalidArgument listing every problem as
// "SOURCE:LINE:COLUMN: key: message", one per line.
[[nodiscard]] absl::StatusOr<Baseline> ParseBaseline(const std::string& text,
                                                     const std::string& source);
// Reads and parses a file. Errors: NotFound, or as ParseBaseline.
[[nodiscard]] absl::StatusOr<Baseline> LoadBaseline(const std::string& path);

// The TOML text of a baseline; `header` lines are written as comments at the top.
// ParseBaseline(BaselineToToml(b)) gives b back (numbers are written exactly).
std::string BaselineToToml(const Baseline& baseline, const std::vector<std::string>& header);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_BASELINE_H_
