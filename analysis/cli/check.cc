// dsim check: compares a run or sweep directory with a baseline (analysis/check.h) and prints the
// verdict table; --write-baseline writes or updates one (analysis/baseline_update.h).
#include "analysis/check.h"

#include <cmath>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/baseline.h"
#include "analysis/baseline_update.h"
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/json_file.h"
#include "analysis/results_dir.h"
#include "analysis/text_table.h"
#include "engine/check.h"
#include "sim/results.h"

namespace dsim::cli {
namespace {

using analysis::Baseline;
using analysis::BaselineMetric;
using analysis::Comparison;
using analysis::FormatNumber;
using analysis::ResultsDir;

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
        "--write-baseline: include metrics at or under PREFIX (e.g. relay.latency) (default: the "
        "gated headline metrics)",
        true},
       {"all", "", "print every compared metric (default: failures, noise and near misses)"}},
      1,
      1};
  return spec;
}

std::string WithUnit(std::optional<double> v, const std::string& unit) {
  if (!v.has_value()) return "null";
  return unit.empty() ? FormatNumber(v) : absl::StrCat(FormatNumber(v), " ", unit);
}

std::string Interval(std::optional<double> low, std::optional<double> high) {
  return absl::StrCat(" [", FormatNumber(low), ", ", FormatNumber(high), "]");
}

std::string Change(std::optional<double> base, std::optional<double> now) {
  if (!base.has_value() || !now.has_value()) return "-";
  const double d = *now - *base;
  if (*base == 0.0) return absl::StrFormat("%+.6g", d);
  return absl::StrFormat("%+.6g (%+.2f%%)", d, 100.0 * d / std::fabs(*base));
}

std::string Allowed(const BaselineMetric& m) {
  const char* dir = m.direction == analysis::Direction::kLowerIsBetter    ? "<= +"
                    : m.direction == analysis::Direction::kHigherIsBetter ? ">= -"
                                                                          : "+-";
  if (m.relative) return absl::StrCat(dir, FormatNumber(m.tolerance * 100.0), "%");
  return absl::StrCat(dir, FormatNumber(m.tolerance),
                      m.unit.empty() ? "" : absl::StrCat(" ", m.unit));
}

// Whether the row of metric `m` is printed without --all: failures, noise, near misses.
bool Shown(const BaselineMetric& m, const Comparison& c) {
  return analysis::Fails(c.verdict) || c.verdict == analysis::Verdict::kNoise ||
         analysis::NearMiss(m, c);
}

std::vector<std::string> Row(const BaselineMetric& m, const Comparison& c, bool sweep) {
  std::string base_text = WithUnit(m.expected, m.unit);
  if (sweep && m.ci95_low.has_value()) base_text += Interval(m.ci95_low, m.ci95_high);
  std::string now_text =
      c.verdict == analysis::Verdict::kMissing ? "-" : WithUnit(c.now, c.now_unit);
  if (c.now_ci95_low.has_value()) now_text += Interval(c.now_ci95_low, c.now_ci95_high);
  const bool near = analysis::NearMiss(m, c);
  std::vector<std::string> row = {m.path,
                                  base_text,
                                  now_text,
                                  Change(m.expected, c.now),
                                  Allowed(m),
                                  analysis::VerdictName(c.verdict),
                                  near ? "near miss: past half the tolerance" : c.reason};
  if (sweep) row.insert(row.begin(), m.point);
  return row;
}

// Compares, prints the table (every row with `all`, else the shown ones) and the verdict line;
// returns the exit code.
int PrintCheck(const Baseline& b, const std::string& file, const ResultsDir& r, bool all,
               std::FILE* out) {
  std::vector<std::string> header = {"metric",  "baseline", "now", "change",
                                     "allowed", "verdict",  "why"};
  std::vector<bool> right = {false, true, true, true, true, false, false};
  if (r.sweep) {
    header.insert(header.begin(), "point");
    right.insert(right.begin(), false);
  }
  analysis::TextTable t(header, right);
  size_t failures = 0, noise = 0, improved = 0, rows = 0;
  const std::vector<Comparison> comparisons = analysis::CheckBaseline(b, r);
  for (size_t i = 0; i < b.metrics.size(); ++i) {
    const Comparison& c = comparisons[i];
    if (analysis::Fails(c.verdict)) ++failures;
    if (c.verdict == analysis::Verdict::kNoise) ++noise;
    if (c.verdict == analysis::Verdict::kImproved) ++improved;
    if (!all && !Shown(b.metrics[i], c)) continue;
    t.AddRow(Row(b.metrics[i], c, r.sweep));
    ++rows;
  }
  if (rows > 0) std::fputs(t.Render().c_str(), out);
  if (!all && rows < b.metrics.size()) {
    std::fprintf(out,
                 "(%zu rows within tolerance not shown, %zu of them improved; --all shows them)\n",
                 b.metrics.size() - rows, improved);
  }
  if (failures > 0) {
    std::fprintf(out, "check: %zu of %zu metrics REGRESSED against %s\n", failures,
                 b.metrics.size(), file.c_str());
    return kExitRegression;
  }
  std::fprintf(out, "check: all %zu metrics within tolerance of %s%s\n", b.metrics.size(),
               file.c_str(),
               noise > 0 ? absl::StrCat(" (", noise, " moved, but within noise)").c_str() : "");
  return kExitOk;
}

struct Failure {
  int code;
  std::string message;
};

// What a baseline without a template or --metric gates: each path once, with its direction.
void PrintChosen(const Baseline& b, std::FILE* out) {
  std::fprintf(out, "  gating the headline metrics (--metric PREFIX to choose others):\n");
  absl::btree_set<std::string> seen;
  for (const BaselineMetric& m : b.metrics) {
    if (!seen.insert(m.path).second) continue;
    std::fprintf(out, "    %s  %s\n", m.path.c_str(), analysis::DirectionName(m.direction));
  }
}

// --write-baseline FILE: the template is the compared baseline, else FILE when it exists.
std::optional<Failure> WriteBaseline(const std::string& file, const ResultsDir& r,
                                     std::optional<Baseline> tmpl,
                                     const std::vector<std::string>& prefixes, std::FILE* out) {
  if (!tmpl.has_value() && analysis::FileExists(file)) {
    absl::StatusOr<Baseline> b = analysis::LoadBaseline(file);
    if (!b.ok()) {
      return Failure{kExitUsage,
                     absl::StrCat("cannot update ", file, ", it is not a valid baseline:\n",
                                  b.status().message())};
    }
    if ((b->source == Baseline::Source::kSweep) != r.sweep) {
      return Failure{kExitUsage, absl::StrCat(file, " is a ", r.sweep ? "run" : "sweep",
                                              " baseline; it cannot be updated from a ",
                                              r.sweep ? "sweep" : "run")};
    }
    tmpl = std::move(*b);
  }
  std::vector<std::string> dropped;
  Baseline b = analysis::BaselineFromResults(r, tmpl, prefixes, &dropped);
  if (b.metrics.empty()) return Failure{kExitUsage, "no metric of the results matches --metric"};
  std::vector<std::string> header = {
      absl::StrCat("dsim baseline of scenario \"", b.scenario, "\": ",
                   r.sweep ? absl::StrCat("sweep means over seeds ", b.seeds)
                           : absl::StrCat("one run, seed ", *b.seed),
                   "."),
      "Written by `dsim check --write-baseline`, which keeps each metric's tolerance, relative "
      "and",
      "direction when it updates the values. Format and verdict rules: analysis/README.md."};
  absl::Status st = sim::WriteFileAtomically(file, analysis::BaselineToToml(b, header));
  if (!st.ok()) return Failure{kExitIo, std::string(st.message())};
  std::fprintf(out, "wrote baseline %s (%zu metrics)\n", file.c_str(), b.metrics.size());
  if (!tmpl.has_value() && prefixes.empty()) PrintChosen(b, out);
  for (const std::string& d : dropped)
    std::fprintf(out, "  dropped %s: not in the results any more\n", d.c_str());
  return std::nullopt;
}

}  // namespace

int CheckCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> a = ParseCommandArgs(CheckSpec(), args, out, err, &code);
  if (!a) return code;
  const CommandError fail{"check", err};
  if (!a->Has("baseline") && !a->Has("write-baseline")) {
    return fail(kExitUsage,
                "give --baseline FILE (compare) or --write-baseline FILE (create/update), or both");
  }
  absl::StatusOr<ResultsDir> results = analysis::LoadResultsDir(a->positional[0]);
  if (!results.ok()) return fail(kExitUsage, std::string(results.status().message()));

  std::optional<Baseline> baseline;
  code = kExitOk;
  if (std::optional<std::string> file = a->Get("baseline")) {
    absl::StatusOr<Baseline> b = analysis::LoadBaseline(*file);
    if (!b.ok()) return fail(kExitUsage, absl::StrCat("bad baseline:\n", b.status().message()));
    absl::Status st = analysis::CheckApplies(*b, *file, *results);
    if (!st.ok()) return fail(kExitUsage, std::string(st.message()));
    code = PrintCheck(*b, *file, *results, a->Has("all"), out);
    baseline = std::move(*b);
  }
  if (std::optional<std::string> file = a->Get("write-baseline")) {
    std::optional<Failure> f =
        WriteBaseline(*file, *results, std::move(baseline), a->GetAll("metric"), out);
    if (f.has_value()) return fail(f->code, f->message);
  }
  return code;
}

}  // namespace dsim::cli
