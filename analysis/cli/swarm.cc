// dsim swarm: seeds A..B of a base scenario, each with a configuration and a fault schedule drawn
// from the seed (analysis/swarm_draw.h), run and judged by every checker (sim/check/checks.h).
// Prints each seed's drawn parameters and outcome in seed order as they finish, then a summary of
// outcomes per class; writes each failing seed's drawn scenario as DIR/seed-N.toml, which
// `dsim run` reproduces alone.
//
// Exit codes: 0 every seed passed; 1 some seed failed a check; 2 bad input; 3 a reproducer not
// written; 4 some run failed (the simulator's error, or a drawn scenario the loader rejects).
#include "analysis/swarm.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/cli/memory_limit.h"
#include "analysis/progress.h"
#include "analysis/shell.h"
#include "analysis/shrink_candidate.h"
#include "analysis/subprocess.h"
#include "sim/resource_estimate.h"
#include "sim/results.h"
#include "sim/scenario/scenario.h"

namespace dsim::cli {
namespace {

constexpr size_t kMaxJobs = 1024;
constexpr uint64_t kMaxSeeds = 1'000'000;

const ArgSpec& SwarmSpec() {
  static const ArgSpec spec{
      "swarm",
      "FILE",
      "Runs seeds A..B of FILE's workload, each with a configuration and fault schedule drawn\n"
      "from the seed: fault kinds switched on or off per seed (loss, duplication, partitions,\n"
      "clock skew, crash, power_loss, replace, drop_mutations, a short gc_grace, disk faults:\n"
      "corrupt_sstable), their rates and times, the commit-log sync mode; a chaos phase over\n"
      "the workload, then a liveness phase (heal everything, restart downed nodes, with disk\n"
      "faults a verify of every node, a full repair). FILE's [cluster], [storage],\n"
      "[repair] and [workload] are kept, its [[faults]] dropped. Every run is judged by the\n"
      "checkers lost_writes, zombies, liveness and stale_reads (a check fails only where the\n"
      "drawn configuration promises it holds) and by the independent ledger (every crash as the\n"
      "commit-log contract allows; lost updates, data loss and zombies recounted). Prints each\n"
      "seed's parameters and outcome, then the outcomes per class. A failing seed's scenario\n"
      "is written as DIR/seed-N.toml: dsim run of it alone fails the same check (exit 6-10),\n"
      "and dsim shrink --check CLASS shrinks it.\n"
      "Deterministic: the same arguments give the same outcomes, whatever --jobs. Exit 0 every\n"
      "seed passed; 1 a seed failed a check; 2 bad input; 3 a file not written; 4 a run failed.",
      {{"seeds", "A..B", "the seeds to run, inclusive (required), e.g. 1..200"},
       {"jobs", "N", "runs at once, in threads (default: the number of CPUs)"},
       {"out", "DIR", "where failing seeds' scenarios go (default: out/<scenario name>-swarm)"},
       {"set", "KEY.PATH=VALUE", "override a key of the base scenario, as for dsim run", true},
       {"quiet", "", "no progress on stderr"},
       MaxMemoryFlag()},
      1,
      1};
  return spec;
}

// "A..B" with 0 <= A <= B and at most kMaxSeeds seeds; InvalidArgument otherwise.
absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseSeeds(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, "..");
  uint64_t a = 0, b = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &a) || !absl::SimpleAtoi(parts[1], &b) ||
      a > b || b - a >= kMaxSeeds) {
    return absl::InvalidArgumentError(
        absl::StrCat("--seeds ", text, ": expected A..B, integers with A <= B and at most ",
                     kMaxSeeds, " seeds, e.g. 1..200"));
  }
  return std::make_pair(a, b);
}

void PrintSeed(const analysis::SeedOutcome& o, const std::string& repro, std::FILE* out) {
  std::fprintf(out, "seed %llu: %s", static_cast<unsigned long long>(o.seed),
               o.outcome == "ok" ? "ok" : absl::StrCat("FAILED ", o.outcome).c_str());
  if (o.outcome != "run_failed") std::fprintf(out, " (%.1f s simulated)", o.sim_seconds);
  std::fputc('\n', out);
  for (const std::string& p : o.params) std::fprintf(out, "  %s\n", p.c_str());
  if (!o.error.empty()) std::fprintf(out, "  error: %s\n", o.error.c_str());
  for (const sim::check::CheckResult& r : o.checks) {
    if (!analysis::Seen(r)) continue;
    std::fprintf(out, "  %s %s: %s\n", r.failed ? "check" : "note",
                 sim::check::CheckClassName(r.check), r.detail.c_str());
  }
  if (!repro.empty()) std::fprintf(out, "  reproduce: dsim run %s\n", repro.c_str());
}

// Writes a failing seed's scenario; returns its path, or an error.
absl::StatusOr<std::string> WriteReproducer(const std::string& dir, const std::string& file,
                                            const analysis::SeedOutcome& o) {
  const std::string path = absl::StrCat(dir, "/seed-", o.seed, ".toml");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(dir, ": cannot create: ", ec.message()));
  std::string header = absl::StrCat("# dsim swarm ", analysis::ShellQuote(file), ", seed ", o.seed,
                                    ": fails ", o.outcome, "\n");
  for (const std::string& p : o.params) absl::StrAppend(&header, "#   ", p, "\n");
  absl::StrAppend(&header, "# Reproduce: dsim run ", path, "\n\n");
  absl::Status st = sim::WriteFileAtomically(path, header + o.scenario_text);
  if (!st.ok())
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", st.message()));
  return path;
}

void PrintSummary(const analysis::SwarmReport& r, size_t jobs, double wall_s, std::FILE* out) {
  std::fprintf(out, "\nswarm: %zu seeds, %zu failed, %.1f s wall with %zu jobs\noutcomes:\n",
               r.seeds.size(), r.failed(), wall_s, jobs);
  for (const auto& [outcome, count] : r.outcomes) {
    std::fprintf(out, "  %-12s %zu\n", outcome.c_str(), count);
  }
  if (r.observed_unpromised.empty()) return;
  std::fprintf(out, "observed where the drawn configuration allows it (not failures):\n");
  for (const auto& [check, count] : r.observed_unpromised) {
    std::fprintf(out, "  %-12s %zu seeds\n", check.c_str(), count);
  }
}

}  // namespace

int SwarmCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> a = ParseCommandArgs(SwarmSpec(), args, out, err, &code);
  if (!a) return code;
  const CommandError fail{"swarm", err};
  if (!a->Has("seeds")) return fail(kExitUsage, "--seeds A..B is required");
  absl::StatusOr<std::pair<uint64_t, uint64_t>> seeds = ParseSeeds(*a->Get("seeds"));
  if (!seeds.ok()) return fail(kExitUsage, seeds.status().message());
  absl::StatusOr<size_t> jobs = CountFlag(*a, "jobs", analysis::AvailableCpus(), kMaxJobs);
  if (!jobs.ok()) return fail(kExitUsage, jobs.status().message());
  absl::StatusOr<std::vector<std::string>> overrides = ScenarioOverrides(*a);
  if (!overrides.ok()) return fail(kExitUsage, overrides.status().message());
  const std::string& file = a->positional[0];
  absl::StatusOr<sim::Scenario> base = sim::LoadScenarioFile(file, *overrides);
  if (!base.ok())
    return fail(kExitUsage, absl::StrCat("invalid scenario:\n", base.status().message()));
  if (base->workload.kind != sim::WorkloadConfig::Kind::kKv) {
    return fail(kExitUsage, absl::StrCat(file, ": [workload] kind must be \"kv\" for dsim swarm"));
  }
  absl::StatusOr<uint64_t> limit = MaxMemory(*a);
  if (!limit.ok()) return fail(kExitUsage, limit.status().message());
  const sim::ResourceEstimate estimate = sim::EstimateResources(*base);
  if (absl::Status st = CheckMemory(estimate, *limit); !st.ok())
    return fail(kExitUsage, st.message());
  const size_t job_count = JobsWithinMemory(*jobs, estimate, *limit);
  absl::StatusOr<toml::table> table = analysis::ReadScenarioTable(file, *overrides);
  if (!table.ok()) return fail(kExitUsage, table.status().message());
  const std::string dir = a->Get("out").value_or(absl::StrCat("out/", base->name, "-swarm"));
  analysis::SwarmOptions options{seeds->first, seeds->second, job_count};
  std::fprintf(out, "swarm %s --seeds %llu..%llu\n", file.c_str(),
               static_cast<unsigned long long>(options.first),
               static_cast<unsigned long long>(options.last));
  analysis::Progress progress(err, ::isatty(::fileno(err)) != 0, !a->Has("quiet"),
                              options.last - options.first + 1, 0, "swarm");
  uint64_t finished = 0, failed = 0;
  absl::Status io;
  const auto wall_start = std::chrono::steady_clock::now();  // wall-clock ok: printed only
  analysis::SwarmReport report =
      analysis::RunSwarm(*table, *base, file, options, [&](const analysis::SeedOutcome& o) {
        std::string repro;
        if (o.outcome != "ok") {
          ++failed;
          absl::StatusOr<std::string> path = WriteReproducer(dir, file, o);
          if (path.ok()) repro = analysis::ShellQuote(*path);
          if (!path.ok() && io.ok()) io = path.status();
        }
        PrintSeed(o, repro, out);
        std::fflush(out);
        progress.Update(++finished, failed, 0);
      });
  progress.Finish();
  const auto wall_end = std::chrono::steady_clock::now();  // wall-clock ok: printed only
  PrintSummary(report, job_count, std::chrono::duration<double>(wall_end - wall_start).count(),
               out);
  if (!io.ok()) return fail(kExitIo, io.message());
  if (report.outcomes.contains("run_failed")) {
    return fail(kExitRunFailed, "some runs failed (see 'error:' above)");
  }
  return report.failed() > 0 ? kExitRegression : kExitOk;
}

}  // namespace dsim::cli
