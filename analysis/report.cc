// The report model (analysis/report.h): fault marks, parameter axes, metric groups and the
// selection of metrics to chart.
#include "analysis/report.h"

#include <algorithm>
#include <cmath>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sim/core/units.h"

namespace dsim::analysis {
namespace {

constexpr const char* kHeadlinePrefixes[] = {"convergence.", "divergence.", "repair.",
                                             "bloom.",       "hll.",        "lww."};

}  // namespace

bool FaultMarks::operator==(const FaultMarks& o) const {
  auto shade_eq = [](const Chart::Shade& a, const Chart::Shade& b) {
    return a.from == b.from && a.to == b.to && a.label == b.label;
  };
  auto marker_eq = [](const Chart::Marker& a, const Chart::Marker& b) {
    return a.at == b.at && a.label == b.label;
  };
  return std::equal(windows.begin(), windows.end(), o.windows.begin(), o.windows.end(), shade_eq) &&
         std::equal(instants.begin(), instants.end(), o.instants.begin(), o.instants.end(),
                    marker_eq);
}

FaultMarks FaultMarksFromApplied(const std::vector<AppliedFaultRecord>& applied, double end_s) {
  FaultMarks marks;
  for (const AppliedFaultRecord& f : applied) {
    if (f.kind == "heal") continue;
    if (f.lasting) {
      const double end = f.end_s.value_or(end_s);
      marks.windows.push_back(
          {f.start_s, std::max(end, f.start_s), f.name.empty() ? f.kind : f.name});
      continue;
    }
    std::string what = f.kind;
    if (f.node.has_value()) absl::StrAppend(&what, " node ", *f.node);
    marks.instants.push_back({f.start_s, f.name.empty() ? what : f.name});
  }
  return marks;
}

std::optional<std::pair<double, std::string>> ParameterNumber(const std::string& text) {
  double v = 0;
  if (absl::SimpleAtod(text, &v) && std::isfinite(v)) return std::make_pair(v, std::string());
  std::string unquoted = text;
  if (unquoted.size() >= 2 && unquoted.front() == '"' && unquoted.back() == '"') {
    unquoted = unquoted.substr(1, unquoted.size() - 2);
  }
  if (absl::StatusOr<sim::Nanos> d = sim::ParseDuration(unquoted); d.ok()) {
    return std::make_pair(static_cast<double>(*d) * 1e-9, std::string("s"));
  }
  if (absl::StatusOr<uint64_t> s = sim::ParseSize(unquoted); s.ok()) {
    return std::make_pair(static_cast<double>(*s), std::string("bytes"));
  }
  if (absl::StatusOr<sim::Ratio> r = sim::ParseProbability(unquoted); r.ok()) {
    return std::make_pair(static_cast<double>(r->num) / static_cast<double>(r->den), std::string());
  }
  return std::nullopt;
}

ParamAxis AxisFor(const SweepParameter& p) {
  ParamAxis a;
  std::optional<std::string> unit;
  bool numeric = true;
  for (const std::string& v : p.values) {
    std::optional<std::pair<double, std::string>> n = ParameterNumber(v);
    if (!n.has_value() || (unit.has_value() && *unit != n->second)) {
      numeric = false;
      break;
    }
    unit = n->second;
    a.x.push_back(n->first);
  }
  if (!numeric) {
    a.x.clear();
    for (size_t i = 0; i < p.values.size(); ++i) a.x.push_back(static_cast<double>(i));
    a.categories = p.values;
    a.label = p.key;
    return a;
  }
  a.label = unit->empty() ? p.key : absl::StrCat(p.key, " (", *unit, ")");
  const auto [lo, hi] = std::minmax_element(a.x.begin(), a.x.end());
  a.log = *lo > 0 && *hi / *lo >= 100;
  return a;
}

std::vector<MetricGroup> FindMetricGroups(const std::vector<std::string>& paths) {
  static const std::vector<std::string> kPercentileLeaves = {"min", "p50",  "p90", "p95",
                                                             "p99", "p999", "max"};
  static const std::vector<std::string> kComparisonLeaves = {
      "observed", "configured", "theoretical", "expected", "estimated", "exact", "actual"};
  absl::btree_map<std::string, absl::btree_set<std::string>> leaves;  // prefix -> leaves
  for (const std::string& p : paths) {
    size_t dot = p.rfind('.');
    if (dot == std::string::npos) continue;
    leaves[p.substr(0, dot)].insert(p.substr(dot + 1));
  }
  std::vector<MetricGroup> groups;
  for (const auto& [prefix, have] : leaves) {
    MetricGroup g{MetricGroup::Kind::kPercentiles, prefix, {}};
    size_t percentiles = 0;
    for (const std::string& l : kPercentileLeaves) {
      if (!have.contains(l)) continue;
      g.leaves.push_back(l);
      if (l[0] == 'p') ++percentiles;
    }
    if (percentiles >= 2) {
      groups.push_back(std::move(g));
      continue;
    }
    g = MetricGroup{MetricGroup::Kind::kComparison, prefix, {}};
    for (const std::string& l : kComparisonLeaves) {
      if (have.contains(l)) g.leaves.push_back(l);
    }
    if (have.contains("observed") && g.leaves.size() >= 2) groups.push_back(std::move(g));
  }
  return groups;
}

std::vector<std::string> SelectMetrics(const SweepSummary& s,
                                       const std::vector<std::string>& prefixes,
                                       std::vector<std::string>* notes) {
  absl::btree_map<std::string, absl::btree_set<double>> means;  // path -> distinct means
  absl::btree_set<std::string> all;
  for (const PointSummary& p : s.points) {
    for (const auto& [path, m] : p.metrics) {
      if (!MatchesAnyPrefix(path, prefixes)) continue;
      all.insert(path);
      if (m.stats.mean.has_value()) means[path].insert(*m.stats.mean);
    }
  }
  std::vector<std::string> headline, varying;
  for (const std::string& path : all) {
    bool is_headline = false;
    for (const char* h : kHeadlinePrefixes) is_headline = is_headline || absl::StartsWith(path, h);
    if (is_headline) {
      headline.push_back(path);
    } else if (!prefixes.empty() || means[path].size() > 1) {
      varying.push_back(path);
    }
  }
  std::vector<std::string> out = headline;
  out.insert(out.end(), varying.begin(), varying.end());
  if (out.size() > kMaxMetricCharts) {
    notes->push_back(absl::StrCat(out.size(), " metrics change across points; plotted the first ",
                                  kMaxMetricCharts, " (choose with --metric PREFIX)"));
    out.resize(kMaxMetricCharts);
  }
  return out;
}

}  // namespace dsim::analysis
