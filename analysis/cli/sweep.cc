// dsim sweep: a scenario over a seed range and the cartesian product of parameter values, run
// in parallel child processes (analysis/sweep.h), resumable, then summarized.
#include "analysis/sweep.h"

#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/progress.h"
#include "analysis/subprocess.h"
#include "analysis/summary.h"
#include "analysis/sweep_plan.h"

namespace dsim::cli {
namespace {

constexpr size_t kMaxJobs = 1024;

const ArgSpec& SweepSpec() {
  static const ArgSpec spec{
      "sweep",
      "FILE",
      "Runs a scenario over a seed range and the cartesian product of parameter values, in "
      "parallel "
      "child processes; resumes an interrupted sweep; writes DIR/sweep.json, "
      "DIR/runs/<point>/seed-<n>/, "
      "DIR/summary.json and DIR/summary.csv.",
      {{"seeds", "A..B", "the seeds of every parameter point (inclusive range, or one seed N)"},
       {"set", "KEY.PATH=V1,V2,...", "a scenario key: several values make it a swept parameter",
        true},
       {"jobs", "N", "runs at once (default: the number of CPUs)"},
       {"shard", "I/N",
        "run only shard I of N (0 <= I < N): the runs whose canonical index is I mod N"},
       {"out", "DIR",
        "the sweep directory (required; an existing one of the same sweep is resumed)"},
       {"metric", "PREFIX",
        "print only metrics at or under PREFIX (e.g. relay.latency) in the table", true},
       {"all-metrics", "",
        "print every metric of every point (default: the headline metrics, points as columns)"},
       {"dsim", "PATH",
        "the program each run executes as `PATH run ...` (default: this dsim binary)"},
       {"quiet", "", "no progress and no table, only errors"}},
      1,
      1};
  return spec;
}

// The plan from the seeds, --set and --shard; errors are usage errors.
absl::StatusOr<analysis::SweepPlan> PlanFromFlags(const ParsedArgs& a,
                                                  std::pair<uint64_t, uint64_t> seeds) {
  absl::StatusOr<analysis::SweepPlan> plan =
      analysis::BuildPlan(a.GetAll("set"), seeds.first, seeds.second);
  if (!plan.ok()) return plan.status();
  if (std::optional<std::string> s = a.Get("shard")) {
    absl::StatusOr<analysis::ShardSpec> shard = analysis::ParseShard(*s);
    if (!shard.ok()) return shard.status();
    plan->shard = *shard;
  }
  return plan;
}

}  // namespace

int SweepCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> a = ParseCommandArgs(SweepSpec(), args, out, err, &code);
  if (!a) return code;
  const CommandError fail{"sweep", err};
  if (!a->Has("seeds")) return fail(kExitUsage, "--seeds A..B is required");
  if (!a->Has("out")) return fail(kExitUsage, "--out DIR is required");
  absl::StatusOr<std::pair<uint64_t, uint64_t>> seeds = analysis::ParseSeedRange(*a->Get("seeds"));
  if (!seeds.ok()) return fail(kExitUsage, std::string(seeds.status().message()));
  analysis::SweepRunOptions options;
  options.jobs = analysis::AvailableCpus();
  if (std::optional<std::string> j = a->Get("jobs")) {
    if (!absl::SimpleAtoi(*j, &options.jobs) || options.jobs < 1 || options.jobs > kMaxJobs) {
      return fail(kExitUsage,
                  absl::StrCat("--jobs ", *j, ": expected an integer in [1, ", kMaxJobs, "]"));
    }
  }
  absl::StatusOr<analysis::SweepPlan> plan = PlanFromFlags(*a, *seeds);
  if (!plan.ok()) return fail(kExitUsage, std::string(plan.status().message()));
  absl::Status st = analysis::PrepareScenario(a->positional[0], &*plan);
  if (!st.ok()) return fail(kExitUsage, std::string(st.message()));
  const std::string dir = *a->Get("out");
  st = analysis::PrepareOutDir(dir, *plan);
  if (!st.ok())
    return fail(absl::IsInvalidArgument(st) ? kExitUsage : kExitIo, std::string(st.message()));

  const analysis::PendingRuns pending = analysis::FindPendingRuns(dir, *plan);
  const bool quiet = a->Has("quiet");
  // /proc/self/exe is this very binary, whatever PATH or the current directory say.
  options.program = a->Get("dsim").value_or("/proc/self/exe");
  analysis::Progress progress(err, ::isatty(::fileno(err)) != 0, !quiet, pending.owned,
                              pending.owned - pending.todo.size());
  absl::StatusOr<analysis::SweepOutcome> outcome =
      analysis::RunSweep(dir, *plan, pending.todo, options, &progress);
  if (!outcome.ok()) return fail(kExitIo, std::string(outcome.status().message()));
  code = SummarizeInto(dir, *plan, a->GetAll("metric"), !quiet, a->Has("all-metrics"), out, err,
                       "sweep");
  if (code != kExitOk) return code;
  if (!outcome->failures.empty()) {
    std::fprintf(err,
                 "dsim sweep: %zu of %zu runs failed (recorded in %s in each run directory):\n",
                 outcome->failures.size(), pending.todo.size(), analysis::kFailureFile);
    for (const auto& [index, line] : outcome->failures) std::fprintf(err, "%s\n", line.c_str());
    return kExitRunFailed;
  }
  return kExitOk;
}

}  // namespace dsim::cli
