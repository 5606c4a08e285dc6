// dsim run: loads a scenario (with --seed and --set overrides), runs it with sim::RunScenario,
// writes DIR/results.json and DIR/timeseries.csv with sim::WriteResults, and prints a summary.
//
// The host facts (wall time, peak memory) are measured here, around the run, and printed only:
// the simulator library never reads the wall clock, and results.json never holds host facts.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/cli/internal_error.h"
#include "analysis/cli/memory_limit.h"
#include "analysis/headline.h"
#include "sim/check/checks.h"
#include "sim/resource_estimate.h"
#include "sim/results.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace dsim::cli {
namespace {

const ArgSpec& RunSpec() {
  static const ArgSpec spec{
      "run",
      "FILE",
      "Runs a scenario file and writes DIR/results.json, DIR/timeseries.csv and (kv runs) "
      "DIR/nodes.csv.",
      {{"seed", "N", "override [simulation] seed"},
       {"out", "DIR", "results directory (default: out/<scenario name>)"},
       {"set", "KEY.PATH=VALUE",
        "override a scenario key, e.g. --set network.link.loss=0.05; array elements by index, "
        "--set faults[0].at=3s; the index equal to the length appends an element (--set "
        "faults[2].action=crash --set faults[2].at=3s ... adds a third fault)",
        true},
       {"quiet", "", "print nothing but errors"},
       {"all-metrics", "", "print every metric, not only the headline ones"},
       MaxMemoryFlag()},
      1,
      1};
  return spec;
}

using MetricRows = std::vector<std::pair<std::string, std::string>>;

// Flattens the nested metrics object into ("a.b.c", "value unit") rows, in the object's order.
void FlattenMetrics(const nlohmann::json& node, const std::string& prefix, MetricRows* rows) {
  if (node.is_object() && node.contains("unit") && node.contains("value")) {
    const nlohmann::json& v = node["value"];
    std::string text = v.is_null()           ? "null"
                       : v.is_number_float() ? absl::StrFormat("%.6g", v.get<double>())
                                             : v.dump();
    rows->emplace_back(prefix, absl::StrCat(text, " ", node["unit"].get<std::string>()));
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    FlattenMetrics(*it, prefix.empty() ? it.key() : absl::StrCat(prefix, ".", it.key()), rows);
  }
}

int64_t PeakRssKiB() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

struct TimedRun {
  absl::StatusOr<sim::RunOutput> output;
  double wall_s = 0;
};

// RunScenario with a progress line on a terminal, timed by the wall clock (reported only).
TimedRun RunTimed(const sim::Scenario& scenario, bool quiet, std::FILE* err) {
  sim::RunOptions options;
  const bool tty = ::isatty(::fileno(err)) != 0;
  if (tty && !quiet) {
    options.progress = [err](sim::Nanos now, uint64_t events) {
      std::fprintf(err, "\r[dsim] simulated %.3f s, %" PRIu64 " events", sim::ToSeconds(now),
                   events);
      std::fflush(err);
    };
  }
  auto wall_start = std::chrono::steady_clock::now();  // wall-clock ok: reported, never simulated
  TimedRun run{sim::RunScenario(scenario, options)};
  const auto wall_end = std::chrono::steady_clock::now();  // wall-clock ok: reported only
  run.wall_s = std::chrono::duration<double>(wall_end - wall_start).count();
  if (tty && !quiet) std::fputs("\r\033[K", err);
  return run;
}

// One line per fault window (windows.fault.<label>.*): when it ran and how the operations
// decided in it fared.
void PrintFaultWindows(const MetricRows& rows, std::FILE* out) {
  absl::btree_map<std::string, std::string> value(rows.begin(), rows.end());
  constexpr absl::string_view kPrefix = "windows.fault.";
  for (const auto& [path, v] : rows) {
    if (!absl::StartsWith(path, kPrefix) || !absl::EndsWith(path, ".start")) continue;
    const std::string w = path.substr(0, path.size() - std::string_view(".start").size());
    auto get = [&](const std::string& suffix) {
      auto it = value.find(w + suffix);
      return it == value.end() ? std::string("-") : it->second;
    };
    std::fprintf(out,
                 "  during %s (%s to %s): write availability %s, read availability %s, write p99 "
                 "%s, most divergent cells %s\n",
                 w.substr(std::string_view("windows.").size()).c_str(), v.c_str(),
                 get(".end").c_str(), get(".ops.write.availability").c_str(),
                 get(".ops.read.availability").c_str(), get(".ops.write.latency.p99").c_str(),
                 get(".divergent_cells_max").c_str());
  }
}

// The summary on stdout: run facts, the (headline or every) metrics, files, host facts.
void PrintSummary(const sim::Scenario& scenario, const sim::RunOutput& output,
                  const std::string& dir, bool all_metrics, double wall_s, std::FILE* out) {
  std::fprintf(out, "dsim %s  scenario %s  seed %" PRIu64 "  nodes %u\n", DSIM_VERSION,
               scenario.name.c_str(), scenario.simulation.seed, scenario.cluster.nodes);
  std::fprintf(out, "  stopped: %s at simulated %.6f s after %" PRIu64 " events\n",
               output.stop_reason.c_str(), sim::ToSeconds(output.end_time),
               output.events_processed);
  std::fprintf(out, "  trace hash: %s\n", sim::FormatTraceHash(output.trace_hash).c_str());
  MetricRows rows;
  FlattenMetrics(output.metrics.json(), "", &rows);
  const size_t all = rows.size();
  if (!all_metrics) PrintFaultWindows(rows, out);
  if (!all_metrics) {
    MetricRows headline;
    for (const analysis::HeadlineMetric& h : analysis::HeadlineMetrics()) {
      for (const auto& r : rows) {
        if (r.first == h.path) headline.push_back(r);
      }
    }
    rows = std::move(headline);
  }
  size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  std::fprintf(out,
               "  metrics (%zu of %zu; --all-metrics for every one, README.md explains them):\n",
               rows.size(), all);
  for (const auto& [k, v] : rows)
    std::fprintf(out, "    %-*s  %s\n", static_cast<int>(width), k.c_str(), v.c_str());
  std::fprintf(out, "  results: %s/results.json, %s/timeseries.csv%s\n", dir.c_str(), dir.c_str(),
               output.nodes.columns.empty() ? "" : absl::StrCat(", ", dir, "/nodes.csv").c_str());
  std::fprintf(out, "  host: wall time %.3f s, peak memory %.1f MiB (not part of results.json)\n",
               wall_s, static_cast<double>(PeakRssKiB()) / 1024.0);
}

// The enabled checks of [checks]: one line each (unless quiet), and the exit code of the first
// that failed (kExitOk when none did).
int ReportChecks(const sim::Scenario& scenario, const sim::MetricSet& metrics,
                 const std::string& dir, bool quiet, std::FILE* out, const CommandError& fail) {
  int code = kExitOk;
  for (const sim::check::CheckResult& r : sim::check::EvaluateEnabled(scenario, metrics)) {
    const char* name = sim::check::CheckClassName(r.check);
    if (!quiet) {
      std::fprintf(out, "  check %s: %s (%s)\n", name, r.failed ? "FAILED" : "ok",
                   r.detail.c_str());
    }
    if (r.failed && code == kExitOk) {
      code = fail(sim::check::ExitCodeOf(r.check),
                  absl::StrCat("check ", name, " failed: ", r.detail, "; results in ", dir));
    }
  }
  return code;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> parsed = ParseCommandArgs(RunSpec(), args, out, err, &code);
  if (!parsed) return code;
  const CommandError fail{"run", err};
  absl::StatusOr<std::vector<std::string>> parsed_overrides = ScenarioOverrides(*parsed);
  if (!parsed_overrides.ok()) return fail(kExitUsage, parsed_overrides.status().message());
  const std::vector<std::string> overrides = *std::move(parsed_overrides);
  absl::StatusOr<sim::Scenario> scenario = sim::LoadScenarioFile(parsed->positional[0], overrides);
  if (!scenario.ok()) {
    return fail(kExitUsage, absl::StrCat("invalid scenario:\n", scenario.status().message()));
  }
  absl::StatusOr<uint64_t> limit = MaxMemory(*parsed);
  if (!limit.ok()) return fail(kExitUsage, limit.status().message());
  if (absl::Status st = CheckMemory(sim::EstimateResources(*scenario), *limit); !st.ok()) {
    return fail(kExitUsage, st.message());
  }
  // From here on a failure is dsim's own: say so, with the command that reproduces it (exit 4).
  // The seed is part of the overrides, so the command reproduces the run exactly.
  std::vector<std::string> reproduce = overrides;
  if (!parsed->Has("seed")) {
    reproduce.push_back(absl::StrCat("simulation.seed=", scenario->simulation.seed));
  }
  InstallInternalErrorHandler(ReproduceCommand(parsed->positional[0], reproduce),
                              scenario->simulation.seed);
  const bool quiet = parsed->Has("quiet");
  const std::string dir = parsed->Get("out").value_or(absl::StrCat("out/", scenario->name));
  TimedRun run = RunTimed(*scenario, quiet, err);
  if (!run.output.ok()) {
    return fail(kExitRunFailed, absl::StrCat("simulation failed: ", run.output.status().message()));
  }
  absl::Status written = sim::WriteResults(dir, *scenario, *run.output);
  if (!written.ok()) {
    return fail(kExitIo, absl::StrCat("cannot write results: ", written.message()));
  }
  // A liveness gate: the results are written either way, so the failure can be inspected.
  const sim::MetricSet& metrics = run.output->metrics;
  const bool not_converged =
      scenario->metrics.require_convergence &&
      (!metrics.Has("convergence.time") || metrics.Get("convergence.time")["value"].is_null());
  code = kExitOk;
  if (not_converged) {
    code = fail(
        kExitNotConverged,
        absl::StrCat("did not converge (metrics.require_convergence is set); results in ", dir));
  }
  if (!quiet) {
    PrintSummary(*scenario, *run.output, dir, parsed->Has("all-metrics"), run.wall_s, out);
  }
  const int check_code = ReportChecks(*scenario, metrics, dir, quiet, out, fail);
  return code != kExitOk ? code : check_code;
}

}  // namespace dsim::cli
