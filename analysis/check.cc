// Verdict rules (analysis/check.h) and their application to every metric of a baseline.
#include "analysis/check.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/check.h"

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

bool NearMiss(const BaselineMetric& base, const Comparison& c) {
  if (c.verdict != Verdict::kOk || !base.expected.has_value() || !c.now.has_value()) return false;
  BaselineMetric half = base;
  half.tolerance = base.tolerance / 2.0;
  return Judge(half, *base.expected, *c.now) == Side::kWorse;
}

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

absl::Status CheckApplies(const Baseline& b, const std::string& file, const ResultsDir& r) {
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

std::vector<Comparison> CheckBaseline(const Baseline& b, const ResultsDir& r) {
  std::vector<Comparison> out;
  for (const BaselineMetric& m : b.metrics) {
    if (r.sweep) {
      const PointSummary* p = FindPoint(r.summary, m.point);
      DSIM_CHECK(p != nullptr);  // CheckApplies found every point
      out.push_back(CompareSweep(m, FindMetric(*p, m.path)));
    } else {
      auto it = r.run.metrics.find(m.path);
      out.push_back(CompareRun(m, it == r.run.metrics.end() ? nullptr : &it->second));
    }
  }
  DSIM_CHECK(out.size() == b.metrics.size());
  return out;
}

}  // namespace dsim::analysis
