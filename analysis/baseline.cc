#include "analysis/baseline.h"

#include <toml++/toml.h>

#include <cmath>
#include <limits>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "analysis/json_file.h"
#include "analysis/text_table.h"
#include "engine/check.h"
#include "sim/scenario/toml_section.h"

namespace dsim::analysis {
namespace {

using sim::toml_section::Context;
using sim::toml_section::Section;

// Bounds on a tolerance, beyond which it checks nothing: a relative one of 10 already lets a
// metric grow 11-fold; an absolute one of 1e12 exceeds every metric dsim reports (counts, bytes
// and seconds of a run) by orders of magnitude. Larger values are errors, not silent no-ops.
constexpr double kMaxRelativeTolerance = 10.0;
constexpr double kMaxAbsoluteTolerance = 1e12;

std::optional<double> NodeNumber(const toml::node& n) {
  if (n.is_integer()) return static_cast<double>(*n.value<int64_t>());
  if (n.is_floating_point()) {
    double v = *n.value<double>();
    if (std::isfinite(v)) return v;
  }
  return std::nullopt;
}

// `expected`: a finite number, or the string "null".
void ReadExpected(Section* s, BaselineMetric* m, bool* present) {
  const toml::node* n =
      s->Raw("expected", "number or \"null\"", "(required)",
             "the baseline value; \"null\" when it was undefined (e.g. never converged)");
  *present = n != nullptr;
  if (n == nullptr) return;
  if (n->is_string() && *n->value<std::string_view>() == "null") {
    m->expected.reset();
    return;
  }
  std::optional<double> v = NodeNumber(*n);
  if (!v) {
    s->ErrorAtNode(*n, "expected", "expected a finite number, or the string \"null\"");
    return;
  }
  m->expected = v;
}

void ReadCi(Section* s, BaselineMetric* m) {
  const toml::node* n =
      s->Raw("ci95", "array of two numbers", "(none)",
             "sweep baselines: the baseline's 95 % confidence interval of the mean");
  if (n == nullptr) return;
  const toml::array* arr = n->as_array();
  std::optional<double> lo, hi;
  if (arr != nullptr && arr->size() == 2) {
    lo = NodeNumber(*arr->get(0));
    hi = NodeNumber(*arr->get(1));
  }
  if (!lo || !hi || *lo > *hi) {
    s->ErrorAtNode(*n, "ci95", "expected [low, high]: two finite numbers with low <= high");
    return;
  }
  m->ci95_low = lo;
  m->ci95_high = hi;
}

void ReadMetric(Section* s, Baseline::Source source, BaselineMetric* m) {
  m->where = s->Where();
  s->String("path", &m->path, "dotted metric path, e.g. relay.latency.mean (required)");
  s->String("unit", &m->unit, "the metric's unit; when given, the results must have the same");
  bool has_expected = false;
  ReadExpected(s, m, &has_expected);
  s->Double("tolerance", &m->tolerance, 0.0, kMaxAbsoluteTolerance,
            "allowed change (a fraction when relative, at most 10; else at most 1e12)");
  s->Bool("relative", &m->relative,
          "tolerance is a fraction of |expected| (else in the metric's unit)");
  if (m->relative && m->tolerance > kMaxRelativeTolerance) {
    s->ErrorAtKey("tolerance",
                  absl::StrCat("expected a relative tolerance in [0, ", kMaxRelativeTolerance,
                               "], got ", m->tolerance, " (a larger one checks nothing)"));
  }
  m->direction = BaselineDirection(m->path);
  s->Enum("direction", &m->direction,
          {{"lower_is_better", Direction::kLowerIsBetter},
           {"higher_is_better", Direction::kHigherIsBetter},
           {"equal", Direction::kEqual}},
          "which change is a regression (default: inferred from the path)");
  std::string point;
  s->String("point", &point, "sweep baselines: the parameter point");
  ReadCi(s, m);
  s->Uint("count", &m->count, 0, static_cast<uint64_t>(INT64_MAX),
          "sweep baselines: runs with a value");
  s->Uint("nulls", &m->nulls, 0, static_cast<uint64_t>(INT64_MAX),
          "sweep baselines: runs without a value");
  s->Double("null_tolerance", &m->null_tolerance, 0.0, 1.0,
            "sweep baselines: allowed increase of the fraction of runs without a value");
  s->Finish();

  if (m->path.empty())
    s->ErrorAtKey("path", "required: the dotted path of a metric, e.g. relay.latency.mean");
  if (!has_expected) s->ErrorAtKey("expected", "required: a number, or \"null\"");
  if (source == Baseline::Source::kRun) {
    for (const char* key : {"point", "ci95", "count", "nulls", "null_tolerance"}) {
      if (s->Has(key))
        s->ErrorAtKey(key, "only sweep baselines ([baseline] source = \"sweep\") have this key");
    }
  } else {
    m->point = point.empty() ? "default" : point;
  }
}

std::string TomlString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// A TOML float: always with a '.' or an exponent, so it reads back as a float; whole numbers
// print as "100000.0" rather than "1e+05".
std::string TomlNumber(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return absl::StrFormat("%.1f", v);
  std::string s = ExactNumber(v);
  if (s.find_first_of(".eE") == std::string::npos && s.find("inf") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

absl::StatusOr<Baseline> ParseBaseline(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(source));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", e.source().begin.line, ":", e.source().begin.column,
                     ": TOML syntax error: ", std::string(e.description())));
  }
  Baseline b;
  Context ctx;
  Section top(&ctx, &root, "");
  Section head = top.Table("baseline", "what the baseline was written from");
  head.String("scenario", &b.scenario, "the scenario name the results must have (required)");
  head.Enum("source", &b.source,
            {{"run", Baseline::Source::kRun}, {"sweep", Baseline::Source::kSweep}},
            "a single run (results.json) or a sweep (summary.json)");
  uint64_t seed = 0;
  head.Uint("seed", &seed, 0, static_cast<uint64_t>(INT64_MAX),
            "run baselines: the seed of the run");
  head.String("seeds", &b.seeds, "sweep baselines: the seed range, A..B (informative)");
  head.Finish();
  if (!head.present()) {
    top.ErrorAtKey("baseline", "required: a [baseline] table with scenario and source");
  } else {
    if (b.scenario.empty()) head.ErrorAtKey("scenario", "required: the scenario name");
    if (!head.Has("source")) head.ErrorAtKey("source", "required: \"run\" or \"sweep\"");
    if (head.Has("seed")) {
      if (b.source == Baseline::Source::kRun) {
        b.seed = seed;
      } else {
        head.ErrorAtKey("seed", "only run baselines have a seed (sweeps: seeds = \"A..B\")");
      }
    }
    if (head.Has("seeds") && b.source == Baseline::Source::kRun) {
      head.ErrorAtKey("seeds", "only sweep baselines have a seed range (runs: seed = N)");
    }
  }
  std::vector<Section> entries = top.Tables("metric", "the metrics to compare");
  top.Finish();
  absl::btree_set<std::pair<std::string, std::string>> seen;
  for (Section& s : entries) {
    BaselineMetric m;
    ReadMetric(&s, b.source, &m);
    if (!m.path.empty() && !seen.insert({m.point, m.path}).second) {
      s.ErrorAtKey("path", absl::StrCat("metric ", m.path,
                                        m.point.empty() ? "" : absl::StrCat(" at point ", m.point),
                                        " is listed twice"));
    }
    b.metrics.push_back(std::move(m));
  }
  if (ctx.errors().empty() && b.metrics.empty()) {
    ctx.ErrorAt(source, "metric", "no [[metric]] entries: the baseline checks nothing");
  }
  if (!ctx.errors().empty()) {
    std::string msg = absl::StrJoin(ctx.errors(), "\n");
    if (ctx.suppressed() > 0)
      absl::StrAppend(&msg, "\n(", ctx.suppressed(), " more problems not shown)");
    return absl::InvalidArgumentError(msg);
  }
  return b;
}

absl::StatusOr<Baseline> LoadBaseline(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseBaseline(*text, path);
}

std::string BaselineToToml(const Baseline& baseline, const std::vector<std::string>& header) {
  std::string out;
  for (const std::string& line : header)
    absl::StrAppend(&out, line.empty() ? "#" : absl::StrCat("# ", line), "\n");
  if (!header.empty()) out += "\n";
  const bool sweep = baseline.source == Baseline::Source::kSweep;
  absl::StrAppend(&out, "[baseline]\nscenario = ", TomlString(baseline.scenario), "\nsource = \"",
                  sweep ? "sweep" : "run", "\"\n");
  if (baseline.seed.has_value()) absl::StrAppend(&out, "seed = ", *baseline.seed, "\n");
  if (!baseline.seeds.empty()) absl::StrAppend(&out, "seeds = ", TomlString(baseline.seeds), "\n");
  for (const BaselineMetric& m : baseline.metrics) {
    absl::StrAppend(&out, "\n[[metric]]\n");
    if (sweep) absl::StrAppend(&out, "point = ", TomlString(m.point), "\n");
    absl::StrAppend(&out, "path = ", TomlString(m.path), "\n");
    if (!m.unit.empty()) absl::StrAppend(&out, "unit = ", TomlString(m.unit), "\n");
    absl::StrAppend(
        &out, "expected = ", m.expected.has_value() ? TomlNumber(*m.expected) : "\"null\"", "\n");
    absl::StrAppend(&out, "tolerance = ", TomlNumber(m.tolerance),
                    "\nrelative = ", m.relative ? "true" : "false", "\ndirection = \"",
                    DirectionName(m.direction), "\"\n");
    if (sweep) {
      if (m.ci95_low.has_value()) {
        absl::StrAppend(&out, "ci95 = [", TomlNumber(*m.ci95_low), ", ", TomlNumber(*m.ci95_high),
                        "]\n");
      }
      absl::StrAppend(&out, "count = ", m.count, "\nnulls = ", m.nulls, "\n");
      if (m.null_tolerance != kDefaultNullTolerance) {
        absl::StrAppend(&out, "null_tolerance = ", TomlNumber(m.null_tolerance), "\n");
      }
    }
  }
  return out;
}

}  // namespace dsim::analysis
