// dsim attribute: replays a scenario without each fault (or group of faults) and reports each
// one's contribution to a metric (analysis/attribute.h), as a table, and with --out as
// attribution.json and attribution.csv (analysis/attribute_report.h).
//
// The variants run in threads of this process, not as `dsim run` children as a sweep's runs do:
// a variant is the loaded scenario with entries of `faults` taken out, which no `--set` can say,
// and the simulator keeps no global state. A sweep uses children so that one failing run is
// recorded while the others go on, a sweep resumes and shards across machines; an attribution
// is one short command whose every run is needed, so a simulator failure ends it (exit 4, with
// the command that reproduces it).
#include "analysis/attribute.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/attribute_report.h"
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/cli/internal_error.h"
#include "analysis/cli/memory_limit.h"
#include "analysis/shell.h"
#include "analysis/subprocess.h"
#include "sim/resource_estimate.h"
#include "sim/results.h"
#include "sim/scenario/scenario.h"

namespace dsim::cli {
namespace {

constexpr size_t kMaxJobs = 1024;

const ArgSpec& AttributeSpec() {
  static const ArgSpec spec{
      "attribute",
      "FILE",
      "Runs the scenario as given (the baseline), then once without each removable unit of its\n"
      "fault schedule, and prints each unit's contribution to one metric: the metric without it,\n"
      "the change against the baseline, the share of the baseline it accounts for ((baseline -\n"
      "without) / (baseline - good value), or / baseline when the metric has no good value), and\n"
      "the effect of removing it: 'clears it' (the metric is then at its good value: 0 when\n"
      "lower is better, 1 for a ratio where higher is better), 'better without', 'worse\n"
      "without' (the unit helped, e.g. a repair), 'no effect', 'changes' (a metric with no\n"
      "better direction). Largest change first; a null against a number first of all; nulls\n"
      "print with their meaning ('null (never converged)'). A unit is one fault (--group each),\n"
      "labelled by its name or as 'faults[i] ACTION at T [node N]'; removing a crash also\n"
      "removes the restart or replace that brings its node back, and removing a named network\n"
      "fault the heals that target it ('with faults[5] (restart)'). With --group each, when no\n"
      "single unit clears the metric, every fault of one action that has several is also\n"
      "removed at once (a second table): faults that cause an effect only together, such as\n"
      "crashes of every replica, show there, and their single shares add up past 100 %. Runs\n"
      "are deterministic: the same arguments print the same output, whatever --jobs. Exit 2 on\n"
      "a bad flag, scenario or metric, or a scenario without faults; 4 when a run fails; 3 when\n"
      "--out cannot be written.",
      {{"metric", "PATH",
        "the metric to attribute, a results.json path such as data_loss.cells (required)"},
       {"set", "KEY.PATH=VALUE", "override a scenario key, as for dsim run", true},
       {"seed", "N", "override [simulation] seed"},
       {"group", "each|kind|name",
        "the units: each fault (default); every fault of one action; the faults whose names "
        "share a stem (crash-1, crash-2: crash; unnamed faults alone)"},
       {"jobs", "N",
        "runs at once, in threads (default: the number of CPUs, fewer when --max-memory "
        "cannot hold that many)"},
       {"out", "DIR", "also write DIR/attribution.json and DIR/attribution.csv"},
       {"quiet", "", "no progress on stderr"},
       MaxMemoryFlag()},
      1,
      1};
  return spec;
}

struct Setup {
  sim::Scenario scenario;
  analysis::AttributionInfo info;
  std::vector<std::string> overrides;
  size_t jobs = 1;
};

// Flags and scenario; on error prints it and returns nullopt with *code set.
std::optional<Setup> Prepare(const ParsedArgs& a, std::FILE* err, int* code) {
  const CommandError fail{"attribute", err};
  *code = kExitUsage;
  Setup s;
  absl::StatusOr<std::vector<std::string>> overrides = ScenarioOverrides(a);
  if (!overrides.ok()) {
    fail(kExitUsage, overrides.status().message());
    return std::nullopt;
  }
  s.overrides = *std::move(overrides);
  s.info.grouping = analysis::Grouping::kEach;
  if (std::optional<std::string> g = a.Get("group")) {
    std::optional<analysis::Grouping> parsed = analysis::ParseGrouping(*g);
    if (!parsed) {
      fail(kExitUsage, absl::StrCat("--group ", *g, ": expected each, kind or name"));
      return std::nullopt;
    }
    s.info.grouping = *parsed;
  }
  s.jobs = analysis::AvailableCpus();
  if (std::optional<std::string> j = a.Get("jobs")) {
    if (!absl::SimpleAtoi(*j, &s.jobs) || s.jobs < 1 || s.jobs > kMaxJobs) {
      fail(kExitUsage, absl::StrCat("--jobs ", *j, ": expected an integer in [1, ", kMaxJobs, "]"));
      return std::nullopt;
    }
  }
  const std::string& file = a.positional[0];
  absl::StatusOr<sim::Scenario> scenario = sim::LoadScenarioFile(file, s.overrides);
  if (!scenario.ok()) {
    fail(kExitUsage, absl::StrCat("invalid scenario:\n", scenario.status().message()));
    return std::nullopt;
  }
  if (scenario->faults.empty()) {
    fail(kExitUsage, absl::StrCat(file, ": the scenario has no faults: nothing to attribute"));
    return std::nullopt;
  }
  absl::StatusOr<uint64_t> limit = MaxMemory(a);
  if (!limit.ok()) {
    fail(kExitUsage, limit.status().message());
    return std::nullopt;
  }
  const sim::ResourceEstimate estimate = sim::EstimateResources(*scenario);
  if (absl::Status st = CheckMemory(estimate, *limit); !st.ok()) {
    fail(kExitUsage, st.message());
    return std::nullopt;
  }
  s.jobs = JobsWithinMemory(s.jobs, estimate, *limit);
  s.info.scenario_file = file;
  s.info.scenario_name = scenario->name;
  s.info.seed = scenario->simulation.seed;
  s.scenario = *std::move(scenario);
  *code = kExitOk;
  return s;
}

// "dsim attribute FILE --metric M ..." quoted, for the internal error message.
std::string Reproduce(const std::vector<std::string>& args) {
  std::string cmd = "dsim attribute";
  for (const std::string& arg : args) absl::StrAppend(&cmd, " ", analysis::ShellQuote(arg));
  return cmd;
}

// The results of `units`' variants, evaluated against `a`'s baseline, sorted.
absl::StatusOr<std::vector<analysis::UnitResult>> RunUnits(
    const sim::Scenario& sc, const std::vector<analysis::AttributionUnit>& units,
    const analysis::Attribution& a, size_t jobs, analysis::Progress* progress) {
  std::vector<sim::Scenario> variants;
  for (const analysis::AttributionUnit& u : units) {
    variants.push_back(analysis::WithoutFaults(sc, u.Removed()));
  }
  const std::vector<absl::StatusOr<sim::RunOutput>> outputs =
      analysis::RunAll(variants, jobs, progress);
  std::vector<analysis::UnitResult> results;
  for (size_t i = 0; i < units.size(); ++i) {
    if (!outputs[i].ok()) {
      return absl::Status(outputs[i].status().code(),
                          absl::StrCat("the run without ", units[i].label,
                                       " failed: ", outputs[i].status().message()));
    }
    analysis::UnitResult r;
    r.unit = units[i];
    r.reading = analysis::ReadMetric(*outputs[i], a.metric);
    r.end_time = outputs[i]->end_time;
    analysis::Evaluate(a, &r);
    results.push_back(std::move(r));
  }
  analysis::SortResults(&results);
  return results;
}

// The baseline's reading of the metric into *a; a usage error (with suggestions) when the run
// has no such metric.
absl::Status ReadBaseline(const sim::RunOutput& base, const std::string& metric,
                          analysis::Attribution* a) {
  a->metric = metric;
  a->baseline = analysis::ReadMetric(base, metric);
  a->baseline_end_time = base.end_time;
  if (!a->baseline.present) {
    const std::vector<std::string> near =
        analysis::NearestMetrics(metric, analysis::MetricPaths(base), 5);
    return absl::InvalidArgumentError(absl::StrCat(
        "--metric ", metric, ": the scenario's run has no metric ", metric,
        near.empty() ? " (dsim run --all-metrics lists them)"
                     : absl::StrCat("; did you mean ", absl::StrJoin(near, ", "), "?")));
  }
  a->unit = base.metrics.Get(metric)["unit"].get<std::string>();
  a->direction = analysis::BaselineDirection(metric);
  if (a->direction == analysis::Direction::kLowerIsBetter) a->good = 0.0;
  if (a->direction == analysis::Direction::kHigherIsBetter && a->unit == "ratio") a->good = 1.0;
  return absl::OkStatus();
}

}  // namespace

int AttributeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> a = ParseCommandArgs(AttributeSpec(), args, out, err, &code);
  if (!a) return code;
  const CommandError fail{"attribute", err};
  if (!a->Has("metric")) return fail(kExitUsage, "--metric PATH is required");
  std::optional<Setup> s = Prepare(*a, err, &code);
  if (!s) return code;
  InstallInternalErrorHandler(Reproduce(args), s->info.seed);
  const bool show = !a->Has("quiet");
  const bool tty = ::isatty(::fileno(err)) != 0;
  const std::vector<analysis::AttributionUnit> units =
      analysis::BuildUnits(s->scenario, s->info.grouping);
  analysis::Progress base_progress(err, tty, show, 1, 0, "attribute: baseline");
  const std::vector<absl::StatusOr<sim::RunOutput>> base =
      analysis::RunAll({s->scenario}, 1, &base_progress);
  if (!base[0].ok()) {
    return fail(kExitRunFailed,
                absl::StrCat("the baseline run failed: ", base[0].status().message()));
  }
  analysis::Attribution attribution;
  if (absl::Status st = ReadBaseline(*base[0], *a->Get("metric"), &attribution); !st.ok()) {
    return fail(kExitUsage, st.message());
  }
  analysis::Progress progress(err, tty, show, units.size(), 0, "attribute: units");
  absl::StatusOr<std::vector<analysis::UnitResult>> results =
      RunUnits(s->scenario, units, attribution, s->jobs, &progress);
  if (!results.ok()) return fail(kExitRunFailed, results.status().message());
  attribution.units = *std::move(results);
  const bool baseline_good = attribution.good && attribution.baseline.value &&
                             *attribution.baseline.value == *attribution.good;
  if (s->info.grouping == analysis::Grouping::kEach && attribution.good && !baseline_good &&
      !analysis::AnyClears(attribution.units)) {
    const std::vector<analysis::AttributionUnit> groups = analysis::KindGroups(s->scenario);
    analysis::Progress group_progress(err, tty, show && !groups.empty(), groups.size(), 0,
                                      "attribute: groups");
    results = RunUnits(s->scenario, groups, attribution, s->jobs, &group_progress);
    if (!results.ok()) return fail(kExitRunFailed, results.status().message());
    attribution.groups = *std::move(results);
  }
  std::fputs(analysis::AttributionText(attribution, s->info).c_str(), out);
  if (std::optional<std::string> dir = a->Get("out")) {
    std::error_code ec;
    std::filesystem::create_directories(*dir, ec);
    absl::Status st =
        ec ? absl::UnavailableError(absl::StrCat(*dir, ": cannot create directory: ", ec.message()))
           : sim::WriteFileAtomically(
                 absl::StrCat(*dir, "/attribution.json"),
                 analysis::AttributionJson(attribution, s->info).dump(2) + "\n");
    if (st.ok()) {
      st = sim::WriteFileAtomically(absl::StrCat(*dir, "/attribution.csv"),
                                    analysis::AttributionCsv(attribution));
    }
    if (!st.ok()) return fail(kExitIo, absl::StrCat("cannot write results: ", st.message()));
    std::fprintf(out, "\nwrote %s/attribution.json, %s/attribution.csv\n", dir->c_str(),
                 dir->c_str());
  }
  return kExitOk;
}

}  // namespace dsim::cli
