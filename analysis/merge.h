// Merging sweep directories: the shards of one sweep (run on different machines, or the same
// sweep resumed elsewhere) combined into one sweep directory whose sweep.json and summary.json
// are the bytes an unsharded sweep writes.
//
// Every input must describe the same runs (SameRuns: scenario content, seeds, --set values); so
// must an existing destination, which may be one of the inputs. Each run is copied from the
// first input holding it complete (results.json), else from the first holding its failure
// record; a run complete in two inputs must have byte-identical results.json (runs are
// deterministic). A run already complete in the destination is left alone. Then sweep.json
// (unsharded) and the summary are written.
//
//   absl::StatusOr<MergedSweep> m = MergeSweeps({"shard0", "shard1"}, "out/sweep");
#ifndef DSIM_ANALYSIS_MERGE_H_
#define DSIM_ANALYSIS_MERGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/summary.h"
#include "analysis/sweep_plan.h"

namespace dsim::analysis {

struct MergedSweep {
  SweepPlan plan;  // unsharded
  SweepSummary summary;
  uint64_t completed = 0;
  uint64_t failed = 0;
  uint64_t missing = 0;  // in none of the inputs
};

// REQUIRES: !inputs.empty(). Errors: InvalidArgument for inputs that cannot be read or disagree
// (naming the directories); Unavailable when the destination cannot be written.
[[nodiscard]] absl::StatusOr<MergedSweep> MergeSweeps(const std::vector<std::string>& inputs,
                                                      const std::string& dest);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_MERGE_H_
