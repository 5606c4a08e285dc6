// dsim shrink: from a scenario that fails a check, the smallest scenario that still fails it
// (analysis/shrink.h: the fault schedule by delta debugging, then the workload's length, then
// the node count, then a check that it is 1-minimal in its faults), written as DIR/minimal.toml,
// a plain scenario file that `dsim run` reproduces.
//
// Exit codes: 0 shrunk (also when --max-runs stopped it: then the smallest failing scenario found
// is written and the output says so); 1 the scenario as given does not fail the check (nothing
// to shrink); 2 a bad flag or scenario, or a check the runs cannot evaluate; 3 DIR/minimal.toml
// not written; 4 a run failed.
#include "analysis/shrink.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/cli/internal_error.h"
#include "analysis/cli/memory_limit.h"
#include "analysis/shell.h"
#include "analysis/shrink_candidate.h"
#include "analysis/subprocess.h"
#include "sim/core/units.h"
#include "sim/resource_estimate.h"
#include "sim/results.h"
#include "sim/scenario/scenario.h"

namespace dsim::cli {
namespace {

constexpr size_t kMaxJobs = 1024;
constexpr size_t kDefaultMaxRuns = 200;
constexpr size_t kMaxMaxRuns = 1'000'000;

const ArgSpec& ShrinkSpec() {
  static const ArgSpec spec{
      "shrink",
      "FILE",
      "Shrinks a scenario that fails a check to a smallest one that still fails the same check,\n"
      "and writes it as DIR/minimal.toml. Stages: (1) the fault schedule by delta debugging\n"
      "(ddmin) over its faults, a crash with the restart that brings its node back, a named\n"
      "network fault with its heals; (2) the workload: [[workload.kv.phases]] entries dropped,\n"
      "then each phase cut shorter by bisection; (3) fewer nodes, by bisection, not below the\n"
      "highest node a fault names nor the replication factor; (4) the result rerun without each\n"
      "remaining fault: it is 1-minimal when each such run passes the check. Every candidate is\n"
      "validated by the scenario loader, as dsim run would; the runs of a step run in threads.\n"
      "Deterministic: the same arguments give the same minimal.toml, whatever --jobs. Exit 0\n"
      "shrunk (also when --max-runs stops it early: it says so and writes the smallest failing\n"
      "scenario found); 1 the scenario does not fail the check; 2 bad input; 3 minimal.toml not\n"
      "written; 4 a run failed.",
      {{"check", "CLASS",
        "the failure to keep (required): convergence (never converges), data_loss "
        "(data_loss.cells > 0), a checker of [checks] (lost_writes, zombies, liveness, "
        "stale_reads: promised and broken; ledger: the independent ledger disagrees), metric "
        "(with --metric and --above)"},
       {"metric", "PATH", "--check metric: the results.json metric, e.g. lww.lost_updates"},
       {"above", "X", "--check metric: fails when the metric is above X"},
       {"max-runs", "N",
        absl::StrCat("candidates tested at most, the scenario as given included (default ",
                     kDefaultMaxRuns, ")")},
       {"jobs", "N", "runs at once, in threads (default: the number of CPUs)"},
       {"out", "DIR", "where minimal.toml goes (default: out/<scenario name>-shrink)"},
       {"set", "KEY.PATH=VALUE", "override a scenario key, as for dsim run", true},
       {"seed", "N", "override [simulation] seed"},
       {"quiet", "", "no progress on stderr"},
       MaxMemoryFlag()},
      1,
      1};
  return spec;
}

struct Setup {
  analysis::FailureCheck check;
  analysis::ShrinkOptions options;
  std::vector<std::string> overrides;
  sim::Scenario scenario;
  std::string dir;
};

// --check with --metric and --above; InvalidArgument naming the flag.
absl::StatusOr<analysis::FailureCheck> ParseCheck(const ParsedArgs& a) {
  std::optional<analysis::MetricThreshold> threshold;
  if (a.Has("metric") || a.Has("above")) {
    threshold.emplace();
    threshold->path = a.Get("metric").value_or("");
    const std::string above = a.Get("above").value_or("");
    if (threshold->path.empty() || !absl::SimpleAtod(above, &threshold->above)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--metric PATH --above X: expected a metric path and a number, got --metric '",
          threshold->path, "' --above '", above, "'"));
    }
  }
  return analysis::MakeFailureCheck(*a.Get("check"), threshold);
}

// Flags and scenario; InvalidArgument with the message to print.
absl::StatusOr<Setup> Prepare(const ParsedArgs& a) {
  Setup s;
  absl::StatusOr<analysis::FailureCheck> check = ParseCheck(a);
  if (!check.ok()) return check.status();
  s.check = *std::move(check);
  absl::StatusOr<size_t> max_runs = CountFlag(a, "max-runs", kDefaultMaxRuns, kMaxMaxRuns);
  if (!max_runs.ok()) return max_runs.status();
  absl::StatusOr<size_t> jobs = CountFlag(a, "jobs", analysis::AvailableCpus(), kMaxJobs);
  if (!jobs.ok()) return jobs.status();
  s.options.max_runs = *max_runs;
  s.options.jobs = *jobs;
  absl::StatusOr<std::vector<std::string>> overrides = ScenarioOverrides(a);
  if (!overrides.ok()) return overrides.status();
  s.overrides = *std::move(overrides);
  absl::StatusOr<sim::Scenario> scenario = sim::LoadScenarioFile(a.positional[0], s.overrides);
  if (!scenario.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid scenario:\n", scenario.status().message()));
  }
  absl::StatusOr<uint64_t> limit = MaxMemory(a);
  if (!limit.ok()) return limit.status();
  const sim::ResourceEstimate estimate = sim::EstimateResources(*scenario);
  if (absl::Status st = CheckMemory(estimate, *limit); !st.ok()) return st;
  s.options.jobs = JobsWithinMemory(s.options.jobs, estimate, *limit);
  s.dir = a.Get("out").value_or(absl::StrCat("out/", scenario->name, "-shrink"));
  s.scenario = *std::move(scenario);
  return s;
}

std::string SizeLine(const char* what, const std::string& before, const std::string& after) {
  return absl::StrCat("  ", what, before, " -> ", after, "\n");
}

// The report on stdout (and the header of minimal.toml: `prefix` "# ").
std::string Report(const analysis::ShrinkResult& r, const Setup& s) {
  std::string out;
  for (const std::string& step : r.steps) absl::StrAppend(&out, "  ", step, "\n");
  absl::StrAppend(&out, "size:\n");
  absl::StrAppend(
      &out, SizeLine("faults    ", absl::StrCat(r.before.faults), absl::StrCat(r.after.faults)));
  absl::StrAppend(&out, SizeLine("workload  ", sim::FormatDuration(r.before.workload),
                                 sim::FormatDuration(r.after.workload)));
  absl::StrAppend(
      &out, SizeLine("nodes     ", absl::StrCat(r.before.nodes), absl::StrCat(r.after.nodes)));
  absl::StrAppend(&out, "remaining faults:", r.kept.empty() ? " none" : "", "\n");
  for (const std::string& k : r.kept) absl::StrAppend(&out, "  ", k, "\n");
  absl::StrAppend(&out, "runs: ", r.tested, " candidates tested (", r.rejected,
                  " rejected by the loader) of at most ", s.options.max_runs, "\n");
  if (r.bound_hit) {
    absl::StrAppend(&out, "--max-runs ", s.options.max_runs,
                    " reached: the smallest failing scenario found so far, not proven "
                    "1-minimal\n");
  } else {
    absl::StrAppend(&out, r.one_minimal ? "1-minimal: removing any one remaining fault makes "
                                          "the check pass\n"
                                        : "not 1-minimal\n");
  }
  return out;
}

std::string Commented(const std::string& text) {
  std::string out;
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t end = text.find('\n', begin);
    absl::StrAppend(&out, "# ", text.substr(begin, end - begin), "\n");
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return out;
}

}  // namespace

int ShrinkCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> a = ParseCommandArgs(ShrinkSpec(), args, out, err, &code);
  if (!a) return code;
  const CommandError fail{"shrink", err};
  if (!a->Has("check")) return fail(kExitUsage, "--check CLASS is required");
  absl::StatusOr<Setup> s = Prepare(*a);
  if (!s.ok()) return fail(kExitUsage, s.status().message());
  const std::string& file = a->positional[0];
  absl::StatusOr<toml::table> start = analysis::ReadScenarioTable(file, s->overrides);
  if (!start.ok()) return fail(kExitUsage, start.status().message());
  analysis::SetNameIfAbsent(&*start, absl::StrCat(s->scenario.name, "-minimal"));
  InstallInternalErrorHandler(ReproduceCommand(file, s->overrides), s->scenario.simulation.seed);
  if (!a->Has("quiet")) {
    s->options.err = err;
    s->options.tty = ::isatty(::fileno(err)) != 0;
  }
  std::fprintf(out, "shrink %s --check %s: %s\n", file.c_str(), s->check.name.c_str(),
               s->check.description.c_str());
  const auto wall_start = std::chrono::steady_clock::now();  // wall-clock ok: printed only
  absl::StatusOr<analysis::ShrinkResult> r = analysis::Shrink(*start, file, s->check, s->options);
  const auto wall_end = std::chrono::steady_clock::now();  // wall-clock ok: printed only
  const double wall_s = std::chrono::duration<double>(wall_end - wall_start).count();
  if (!r.ok()) {
    if (absl::IsFailedPrecondition(r.status())) return fail(kExitRegression, r.status().message());
    if (absl::IsInternal(r.status())) return fail(kExitRunFailed, r.status().message());
    return fail(kExitUsage, r.status().message());
  }
  const std::string report = Report(*r, *s);
  std::fputs(report.c_str(), out);
  std::fprintf(out, "wall time: %.1f s with %zu jobs\n", wall_s, s->options.jobs);
  const std::string path = absl::StrCat(s->dir, "/minimal.toml");
  const std::string header =
      absl::StrCat("dsim shrink ", analysis::ShellQuote(file), " --check ", s->check.name,
                   " (overrides and seed included below)\n", report, "Reproduce: dsim run ", path);
  std::error_code ec;
  std::filesystem::create_directories(s->dir, ec);
  absl::Status st =
      ec ? absl::UnavailableError(absl::StrCat(s->dir, ": cannot create directory: ", ec.message()))
         : sim::WriteFileAtomically(
               path, absl::StrCat(Commented(header), "\n", analysis::ScenarioTomlText(r->minimal)));
  if (!st.ok()) return fail(kExitIo, absl::StrCat("cannot write ", path, ": ", st.message()));
  std::fprintf(out, "wrote %s\nreproduce: dsim run %s\n", path.c_str(),
               analysis::ShellQuote(path).c_str());
  return kExitOk;
}

}  // namespace dsim::cli
