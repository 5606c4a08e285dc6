// The --max-memory limit of `dsim validate` and `dsim run`: a scenario whose estimated peak
// memory (sim/resource_estimate.h) is above it is refused before it runs (exit 2), with the
// parts of the estimate and the keys that drive them, instead of exhausting the machine mid-run.
// The default is 80% of the machine's physical memory (a host fact, read here and never inside
// the simulator).
#ifndef DSIM_ANALYSIS_CLI_MEMORY_LIMIT_H_
#define DSIM_ANALYSIS_CLI_MEMORY_LIMIT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "analysis/cli/args.h"
#include "sim/resource_estimate.h"

namespace dsim::cli {

// The flag both commands take.
FlagSpec MaxMemoryFlag();

// --max-memory SIZE ("6GiB", "500MB"), or 80% of physical memory. Errors: InvalidArgument
// naming the flag and the bad value.
[[nodiscard]] absl::StatusOr<uint64_t> MaxMemory(const ParsedArgs& args);

// InvalidArgument "estimated peak memory X exceeds --max-memory Y: <parts and keys>" when the
// estimate is above the limit; OK otherwise.
[[nodiscard]] absl::Status CheckMemory(const sim::ResourceEstimate& estimate, uint64_t limit);

// The commands that run worlds in threads (attribute, shrink, swarm): every thread holds one
// world, so `jobs` is cut to as many as the limit holds (at least 1; unchanged when the estimate
// is 0).
size_t JobsWithinMemory(size_t jobs, const sim::ResourceEstimate& estimate, uint64_t limit);

}  // namespace dsim::cli

#endif  // DSIM_ANALYSIS_CLI_MEMORY_LIMIT_H_
