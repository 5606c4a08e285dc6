// Verdict rules (analysis/check.h) and `dsim check` itself, including --write-baseline.
#include "analysis/check.h"

#include <cmath>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/commands.h"
#include "analysis/text_table.h"
#include "engine/check.h"
#include "sim/cli_args.h"
#include "sim/results.h"

namespace dsim::analysis {
namespace {

// Slack for values that went through text and back, relative to their magnitude.
constexpr double kRoundingSlack = 1e-12;

enum class Side { kWithin, kWorse, kBetter };

// Where `now` lies against `expected` with the entry's tolerance.
Side Judge(const BaselineMetric& base, double expected, double now) {
  const double allowed = (base.relative ? base.tolerance * std::fabs(expected) : base.tolerance) +
                         kRoundingSlack * std::max(std::fabs(expected), std::fabs(now));
  const double change = now - expected;
  switch (base.direction) {
    case Direction::kLowerIsBetter:
      if (change > allowed) return Side::kWorse;
      if (change < -allowed) return Side::kBetter;
      return Side::kWithin;
    case Direction::kHigherIsBetter:
      if (change < -allowed) return Side::kWorse;
      if (change > allowed) return Side::kBetter;
      return Side::kWithin;
    case Direction::kEqual:
      return std::fabs(change) > allowed ? Side::kWorse : Side::kWithin;
  }
  return Side::kWithin;
}

// The null rules shared by runs and sweeps. Returns nullopt when both values are numbers.
std::optional<Comparison> CompareNulls(const BaselineMetric& base, std::optional<double> now,
                                       Comparison c) {
  if (base.expected.has_value() && now.has_value()) return std::nullopt;
  if (!base.expected.has_value() && !now.has_value()) {
    c.verdict = Verdict::kOk;
  } else if (!now.has_value()) {
    c.verdict = Verdict::kRegression;
    c.reason = "now null (undefined, e.g. never converged)";
  } else if (base.direction == Direction::kEqual) {
    c.verdict = Verdict::kRegression;
    c.reason = "was null, now has a value";
  } else {
    c.verdict = Verdict::kImproved;
    c.reason = "was null, now has a value";
  }
  return c;
}

std::string WorseWord(const BaselineMetric& base) {
  switch (base.direction) {
    case Direction::kLowerIsBetter:
      return "higher";
    case Direction::kHigherIsBetter:
      return "lower";
    case Direction::kEqual:
      return "different";
  }
  return "different";
}

}  // namespace

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kImproved:
      return "improved";
    case Verdict::kNoise:
      return "noise";
    case Verdict::kRegression:
      return "REGRESSION";
    case Verdict::kMissing:
      return "MISSING";
  }
  return "?";
}

Comparison CompareRun(const BaselineMetric& base, const MetricValue* now) {
  Comparison c;
  if (now == nullptr) {
    c.verdict = Verdict::kMissing;
    c.reason = "not in the results";
    return c;
  }
  c.now = now->value;
  c.now_unit = now->unit;
  if (!base.unit.empty() && base.unit != now->unit) {
    c.verdict = Verdict::kRegression;
    c.reason = absl::StrCat("unit changed from ", base.unit, " to ", now->unit);
    return c;
  }
  if (std::optional<Comparison> n = CompareNulls(base, c.now, c)) return *n;
  switch (Judge(base, *base.expected, *c.now)) {
    case Side::kWithin:
      c.verdict = Verdict::kOk;
      break;
    case Side::kBetter:
      c.verdict = Verdict::kImproved;
      break;
    case Side::kWorse:
      c.verdict = Verdict::kRegression;
      c.reason = absl::StrCat(WorseWord(base), " than allowed");
      break;
  }
  return c;
}

Comparison CompareSweep(const BaselineMetric& base, const MetricSummary* now) {
  Comparison c;
  if (now == nullptr) {
    c.verdict = Verdict::kMissing;
    c.reason = "not in the summary";
    return c;
  }
  const Summary& s = now->stats;
  c.now = s.mean;
  c.now_ci95_low = s.ci95_low;
  c.now_ci95_high = s.ci95_high;
  c.now_unit = now->unit;
  if (!base.unit.empty() && base.unit != now->unit) {
    c.verdict = Verdict::kRegression;
    c.reason = absl::StrCat("unit changed from ", base.unit, " to ", now->unit);
    return c;
  }
  const uint64_t base_runs = base.count + base.nulls;
  const uint64_t now_runs = s.count + s.nulls;
  const double base_null_fraction =
      base_runs == 0 ? 0.0 : static_cast<double>(base.nulls) / base_runs;
  const double now_null_fraction = now_runs == 0 ? 0.0 : static_cast<double>(s.nulls) / now_runs;
  if (now_null_fraction > base_null_fraction + base.null_tolerance + kRoundingSlack) {
    c.verdict = Verdict::kRegression;
    c.reason = absl::StrCat("null in ", s.nulls, " of ", now_runs, " runs (baseline ", base.nulls,
                            " of ", base_runs, ")");
    return c;
  }
  if (std::optional<Comparison> n = CompareNulls(base, c.now, c)) return *n;
  switch (Judge(base, *base.expected, *c.now)) {
    case Side::kWithin:
      c.verdict = Verdict::kOk;
      return c;
    case Side::kBetter:
      c.verdict = Verdict::kImproved;
      return c;
    case Side::kWorse:
      break;
  }
  if (!base.ci95_low.has_value() || !s.ci95_low.has_value()) {
    c.verdict = Verdict::kRegression;
    c.reason = absl::StrCat("mean ", WorseWord(base),
                            " than allowed (no CI to test: fewer than 2 values)");
    return c;
  }
  bool separated = false;
  switch (base.direction) {
    case Direction::kLowerIsBetter:
      separated = *s.ci95_low > *base.ci95_high;
      break;
    case Direction::kHigherIsBetter:
      separated = *s.ci95_high < *base.ci95_low;
      break;
    case Direction::kEqual:
      separated = *s.ci95_low > *base.ci95_high || *s.ci95_high < *base.ci95_low;
      break;
  }
  if (separated) {
    c.verdict = Verdict::kRegression;
    c.reason = absl::StrCat("mean ", WorseWord(base), " than allowed; 95% CIs do not overlap");
  } else {
    c.verdict = Verdict::kNoise;
    c.reason = "mean past tolerance but the 95% CIs overlap: not significant";
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// dsim check

namespace {

using sim::ArgSpec;

const ArgSpec& CheckSpec() {
  static const ArgSpec spec{
      "check",
      "RESULTS",
      "Compares a run directory (results.json) or a sweep directory (summary.json) with a "
      "baseline. "
      "Exit 0 within tolerance, 1 on a regression, 2 on bad input. --write-baseline creates or "
      "updates a baseline from RESULTS.",
      {{"baseline", "FILE", "the baseline to compare with (analysis/README.md: Baselines)"},
       {"write-baseline", "FILE",
        "write a baseline from RESULTS; keeps the metrics and tolerances of --baseline or of FILE "
        "when they exist"},
       {"metric", "PREFIX",
        "--write-baseline: include metrics at or under PREFIX (e.g. relay.latency) (default: all)",
        true}},
      1,
      1};
  return spec;
}

struct Results {
  bool sweep = false;
  std::string dir;
  RunResults run;
  SweepSummary summary;
  std::string scenario;
};

absl::StatusOr<Results> LoadResults(const std::string& arg) {
  std::filesystem::path p(arg);
  std::string dir = arg;
  std::error_code ec;
  if (std::filesystem::is_regular_file(p, ec))
    dir = p.parent_path().empty() ? "." : p.parent_path().string();
  const bool file_is_summary = p.filename() == "summary.json";
  const bool file_is_results = p.filename() == "results.json";
  Results r;
  r.dir = dir;
  if (file_is_summary || (!file_is_results && FileExists(absl::StrCat(dir, "/summary.json")))) {
    absl::StatusOr<SweepSummary> s = LoadSummary(dir);
    if (!s.ok()) return s.status();
    r.sweep = true;
    r.summary = std::move(*s);
    r.scenario = r.summary.plan.scenario_name;
    return r;
  }
  if (file_is_results || FileExists(absl::StrCat(dir, "/results.json"))) {
    absl::StatusOr<RunResults> run = LoadRunResults(dir);
    if (!run.ok()) return run.status();
    r.run = std::move(*run);
    r.scenario =
        r.run.scenario.contains("simulation") ? r.run.scenario["simulation"].value("name", "") : "";
    return r;
  }
  if (FileExists(absl::StrCat(dir, "/sweep.json"))) {
    return absl::NotFoundError(absl::StrCat(
        dir, ": a sweep directory without summary.json; run `dsim summarize ", dir, "` first"));
  }
  return absl::NotFoundError(
      absl::StrCat(arg,
                   ": neither a run directory (results.json) nor a sweep directory "
                   "(summary.json)"));
}

const PointSummary* FindPoint(const SweepSummary& s, const std::string& name) {
  for (const PointSummary& p : s.points) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Checks that the baseline fits the results; InvalidArgument otherwise.
absl::Status Applicable(const Baseline& b, const std::string& file, const Results& r) {
  const bool sweep_baseline = b.source == Baseline::Source::kSweep;
  if (sweep_baseline != r.sweep) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": a ", sweep_baseline ? "sweep" : "run",
                                                   " baseline, but ", r.dir, " holds a ",
                                                   r.sweep ? "sweep" : "run"));
  }
  if (b.scenario != r.scenario) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": baseline.scenario is \"", b.scenario,
                                                   "\" but ", r.dir, " holds scenario \"",
                                                   r.scenario, "\""));
  }
  if (!r.sweep && b.seed.has_value() && *b.seed != r.run.seed) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": baseline.seed is ", *b.seed, " but ",
                                                   r.dir, " is a run with seed ", r.run.seed,
                                                   " (compare runs of the same seed)"));
  }
  if (r.sweep) {
    for (const BaselineMetric& m : b.metrics) {
      if (FindPoint(r.summary, m.point) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(m.where, ": metric.point: the sweep in ",
                                                       r.dir, " has no point \"", m.point, "\""));
      }
    }
  }
  return absl::OkStatus();
}

std::string WithUnit(std::optional<double> v, const std::string& unit) {
  if (!v.has_value()) return "null";
  return unit.empty() ? FormatNumber(v) : absl::StrCat(FormatNumber(v), " ", unit);
}

std::string Change(std::optional<double> base, std::optional<double> now) {
  if (!base.has_value() || !now.has_value()) return "-";
  const double d = *now - *base;
  if (*base == 0.0) return absl::StrFormat("%+.6g", d);
  return absl::StrFormat("%+.6g (%+.2f%%)", d, 100.0 * d / std::fabs(*base));
}

std::string Allowed(const BaselineMetric& m) {
  const char* dir = m.direction == Direction::kLowerIsBetter    ? "<= +"
                    : m.direction == Direction::kHigherIsBetter ? ">= -"
                                                                : "+-";
  if (m.relative) return absl::StrCat(dir, FormatNumber(m.tolerance * 100.0), "%");
  return absl::StrCat(dir, FormatNumber(m.tolerance),
                      m.unit.empty() ? "" : absl::StrCat(" ", m.unit));
}

// Runs the comparison and prints the table; returns the exit code.
int RunCheck(const Baseline& b, const std::string& file, const Results& r, std::FILE* out) {
  std::vector<std::string> header = {"metric",  "baseline", "now", "change",
                                     "allowed", "verdict",  "why"};
  std::vector<bool> right = {false, true, true, true, true, false, false};
  if (r.sweep) {
    header.insert(header.begin(), "point");
    right.insert(right.begin(), false);
  }
  TextTable t(header, right);
  size_t failures = 0;
  size_t noise = 0;
  for (const BaselineMetric& m : b.metrics) {
    Comparison c;
    std::string base_text = WithUnit(m.expected, m.unit);
    if (r.sweep) {
      const PointSummary* p = FindPoint(r.summary, m.point);
      DSIM_CHECK(p != nullptr);
      auto it = p->metrics.find(m.path);
      c = CompareSweep(m, it == p->metrics.end() ? nullptr : &it->second);
      if (m.ci95_low.has_value()) {
        base_text +=
            absl::StrCat(" [", FormatNumber(m.ci95_low), ", ", FormatNumber(m.ci95_high), "]");
      }
    } else {
      auto it = r.run.metrics.find(m.path);
      c = CompareRun(m, it == r.run.metrics.end() ? nullptr : &it->second);
    }
    std::string now_text = c.verdict == Verdict::kMissing ? "-" : WithUnit(c.now, c.now_unit);
    if (c.now_ci95_low.has_value()) {
      now_text += absl::StrCat(" [", FormatNumber(c.now_ci95_low), ", ",
                               FormatNumber(c.now_ci95_high), "]");
    }
    std::vector<std::string> row = {
        m.path,  base_text, now_text, Change(m.expected, c.now), Allowed(m), VerdictName(c.verdict),
        c.reason};
    if (r.sweep) row.insert(row.begin(), m.point);
    t.AddRow(std::move(row));
    if (Fails(c.verdict)) ++failures;
    if (c.verdict == Verdict::kNoise) ++noise;
  }
  std::fputs(t.Render().c_str(), out);
  if (failures > 0) {
    std::fprintf(out, "check: %zu of %zu metrics REGRESSED against %s\n", failures,
                 b.metrics.size(), file.c_str());
    return sim::kExitRegression;
  }
  std::fprintf(out, "check: all %zu metrics within tolerance of %s%s\n", b.metrics.size(),
               file.c_str(),
               noise > 0 ? absl::StrCat(" (", noise, " moved, but within noise)").c_str() : "");
  return sim::kExitOk;
}

// The baseline --write-baseline writes: the template's metrics (values updated) plus, for a new
// baseline or with --metric, every metric of the results that matches the prefixes.
Baseline MakeBaseline(const Results& r, const std::optional<Baseline>& tmpl,
                      const std::vector<std::string>& prefixes, std::vector<std::string>* dropped) {
  Baseline b;
  b.source = r.sweep ? Baseline::Source::kSweep : Baseline::Source::kRun;
  b.scenario = r.scenario;
  if (r.sweep) {
    b.seeds = absl::StrCat(r.summary.plan.first_seed, "..", r.summary.plan.last_seed);
  } else {
    b.seed = r.run.seed;
  }
  // Candidate (point, path) pairs in results order.
  std::vector<std::pair<std::string, std::string>> available;
  if (r.sweep) {
    for (const PointSummary& p : r.summary.points) {
      for (const auto& [path, ms] : p.metrics) available.emplace_back(p.name, path);
    }
  } else {
    for (const auto& [path, m] : r.run.metrics) available.emplace_back("", path);
  }
  auto fill = [&](BaselineMetric* m) -> bool {
    if (r.sweep) {
      const PointSummary* p = FindPoint(r.summary, m->point);
      if (p == nullptr) return false;
      auto it = p->metrics.find(m->path);
      if (it == p->metrics.end()) return false;
      const Summary& s = it->second.stats;
      m->unit = it->second.unit;
      m->expected = s.mean;
      m->ci95_low = s.ci95_low;
      m->ci95_high = s.ci95_high;
      m->count = s.count;
      m->nulls = s.nulls;
      return true;
    }
    auto it = r.run.metrics.find(m->path);
    if (it == r.run.metrics.end()) return false;
    m->unit = it->second.unit;
    m->expected = it->second.value;
    return true;
  };
  absl::btree_set<std::pair<std::string, std::string>> included;
  if (tmpl.has_value()) {
    for (BaselineMetric m : tmpl->metrics) {
      if (!fill(&m)) {
        dropped->push_back(
            absl::StrCat(m.point.empty() ? "" : absl::StrCat(m.point, ": "), m.path));
        continue;
      }
      included.insert({m.point, m.path});
      b.metrics.push_back(std::move(m));
    }
  }
  if (!tmpl.has_value() || !prefixes.empty()) {
    for (const auto& [point, path] : available) {
      if (included.contains({point, path}) || !MatchesAnyPrefix(path, prefixes)) continue;
      BaselineMetric m;
      m.point = point;
      m.path = path;
      m.direction = InferDirection(path);
      fill(&m);
      b.metrics.push_back(std::move(m));
    }
  }
  return b;
}

}  // namespace

int CheckCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = 0;
  std::optional<sim::ParsedArgs> a = ParseCommandArgs(CheckSpec(), args, out, err, &code);
  if (!a) return code;
  auto fail = [&](int exit_code, const std::string& msg) {
    std::fprintf(err, "dsim check: %s\n", msg.c_str());
    return exit_code;
  };
  if (!a->Has("baseline") && !a->Has("write-baseline")) {
    return fail(sim::kExitUsage,
                "give --baseline FILE (compare) or --write-baseline FILE (create/update), or both");
  }
  absl::StatusOr<Results> results = LoadResults(a->positional[0]);
  if (!results.ok()) return fail(sim::kExitUsage, std::string(results.status().message()));

  std::optional<Baseline> baseline;
  code = sim::kExitOk;
  if (std::optional<std::string> file = a->Get("baseline")) {
    absl::StatusOr<Baseline> b = LoadBaseline(*file);
    if (!b.ok())
      return fail(sim::kExitUsage, absl::StrCat("bad baseline:\n", b.status().message()));
    absl::Status st = Applicable(*b, *file, *results);
    if (!st.ok()) return fail(sim::kExitUsage, std::string(st.message()));
    code = RunCheck(*b, *file, *results, out);
    baseline = std::move(*b);
  }
  if (std::optional<std::string> file = a->Get("write-baseline")) {
    std::optional<Baseline> tmpl = baseline;
    if (!tmpl.has_value() && FileExists(*file)) {
      absl::StatusOr<Baseline> b = LoadBaseline(*file);
      if (!b.ok()) {
        return fail(sim::kExitUsage,
                    absl::StrCat("cannot update ", *file, ", it is not a valid baseline:\n",
                                 b.status().message()));
      }
      if ((b->source == Baseline::Source::kSweep) != results->sweep) {
        return fail(sim::kExitUsage, absl::StrCat(*file, " is a ", results->sweep ? "run" : "sweep",
                                                  " baseline; it cannot be updated from a ",
                                                  results->sweep ? "sweep" : "run"));
      }
      tmpl = std::move(*b);
    }
    std::vector<std::string> dropped;
    Baseline b = MakeBaseline(*results, tmpl, a->GetAll("metric"), &dropped);
    if (b.metrics.empty())
      return fail(sim::kExitUsage, "no metric of the results matches --metric");
    std::vector<std::string> header = {
        absl::StrCat("dsim baseline of scenario \"", b.scenario, "\": ",
                     results->sweep ? absl::StrCat("sweep means over seeds ", b.seeds)
                                    : absl::StrCat("one run, seed ", *b.seed),
                     "."),
        "Written by `dsim check --write-baseline`, which keeps each metric's tolerance, relative "
        "and",
        "direction when it updates the values. Format and verdict rules: analysis/README.md."};
    absl::Status st = sim::WriteFileAtomically(*file, BaselineToToml(b, header));
    if (!st.ok()) return fail(sim::kExitIo, std::string(st.message()));
    std::fprintf(out, "wrote baseline %s (%zu metrics)\n", file->c_str(), b.metrics.size());
    for (const std::string& d : dropped)
      std::fprintf(out, "  dropped %s: not in the results any more\n", d.c_str());
  }
  return code;
}

}  // namespace dsim::analysis
