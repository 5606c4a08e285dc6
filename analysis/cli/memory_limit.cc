#include "analysis/cli/memory_limit.h"

#include <unistd.h>

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "sim/core/units.h"

namespace dsim::cli {

FlagSpec MaxMemoryFlag() {
  return {"max-memory", "SIZE",
          "refuse a scenario whose estimated peak memory is above SIZE (default: 80% of "
          "physical memory)"};
}

absl::StatusOr<uint64_t> MaxMemory(const ParsedArgs& args) {
  if (std::optional<std::string> text = args.Get("max-memory")) {
    absl::StatusOr<uint64_t> bytes = sim::ParseSize(*text);
    if (!bytes.ok() || *bytes == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--max-memory: ", bytes.ok() ? "expected a size above 0" : bytes.status().message()));
    }
    return *bytes;
  }
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return uint64_t{8} << 30;  // unknown: a modest machine
  return static_cast<uint64_t>(pages) / 5 * 4 * static_cast<uint64_t>(page);
}

absl::Status CheckMemory(const sim::ResourceEstimate& estimate, uint64_t limit) {
  if (estimate.peak_bytes <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "estimated peak memory ", sim::FormatEstimate(estimate), "\n  exceeds --max-memory ",
      sim::FormatSize(limit), "; shrink the keys named for the largest parts, or raise the limit"));
}

size_t JobsWithinMemory(size_t jobs, const sim::ResourceEstimate& estimate, uint64_t limit) {
  if (estimate.peak_bytes == 0) return jobs;
  return std::max<size_t>(1, std::min<uint64_t>(jobs, limit / estimate.peak_bytes));
}

}  // namespace dsim::cli
