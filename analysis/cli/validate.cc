// dsim validate: loads a scenario file with its --set overrides (sim::LoadScenarioFile) and
// reports every problem, without running it.
#include "absl/strings/str_cat.h"
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/cli/memory_limit.h"
#include "sim/resource_estimate.h"
#include "sim/scenario/scenario.h"

namespace dsim::cli {
namespace {

const ArgSpec& ValidateSpec() {
  static const ArgSpec spec{
      "validate",
      "FILE",
      "Checks a scenario file (and overrides) without running it. Exit 0 when "
      "valid, 2 with every problem listed otherwise.",
      {{"set", "KEY.PATH=VALUE",
        "override a scenario key before checking (as dsim run --set: faults[0].at, "
        "faults[N] with N the length appends)",
        true},
       MaxMemoryFlag()},
      1,
      1};
  return spec;
}

}  // namespace

int ValidateCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> parsed = ParseCommandArgs(ValidateSpec(), args, out, err, &code);
  if (!parsed) return code;
  const std::string& file = parsed->positional[0];
  absl::StatusOr<sim::Scenario> scenario = sim::LoadScenarioFile(file, parsed->GetAll("set"));
  if (!scenario.ok()) {
    return CommandError{"validate", err}(
        kExitUsage, absl::StrCat("invalid scenario:\n", scenario.status().message()));
  }
  const CommandError fail{"validate", err};
  absl::StatusOr<uint64_t> limit = MaxMemory(*parsed);
  if (!limit.ok()) return fail(kExitUsage, limit.status().message());
  const sim::ResourceEstimate estimate = sim::EstimateResources(*scenario);
  if (absl::Status st = CheckMemory(estimate, *limit); !st.ok()) {
    return fail(kExitUsage, st.message());
  }
  std::fprintf(out, "%s: ok (scenario %s, %u nodes, %zu faults)\n", file.c_str(),
               scenario->name.c_str(), scenario->cluster.nodes, scenario->faults.size());
  std::fprintf(out, "  estimated peak memory %s\n  at most %llu events pending at once\n",
               sim::FormatEstimate(estimate).c_str(),
               static_cast<unsigned long long>(estimate.pending_events));
  return kExitOk;
}

}  // namespace dsim::cli
