#include "analysis/report_charts.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/report.h"
#include "analysis/report_strategies.h"
#include "engine/check.h"

namespace dsim::analysis {
namespace {

std::string Slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_';
    out += ok ? c : '-';
  }
  if (out.size() > 80) out.resize(80);
  return out;
}

std::string ColumnUnit(const std::string& column) {
  if (absl::EndsWith(column, "_bytes") || absl::EndsWith(column, "bytes")) return "bytes";
  if (absl::EndsWith(column, "_s")) return "s";
  return "count";
}

std::string FirstWord(const std::string& column) { return column.substr(0, column.find('_')); }

void ApplyFaults(const std::optional<FaultMarks>& faults, Chart* c) {
  if (!faults.has_value()) return;
  c->shades = faults->windows;
  c->markers = faults->instants;
}

ChartSeries ColumnSeries(const std::string& title, const TimeseriesData& ts, size_t column) {
  ChartSeries s{title, {}};
  for (size_t i = 0; i < ts.times_s.size(); ++i)
    s.points.push_back({ts.times_s[i], ts.values[column][i], {}, {}});
  return s;
}

ChartPoint MeanPoint(double x, const MetricSummary* m) {
  if (m == nullptr || !m->stats.mean.has_value()) return {x, std::nan(""), {}, {}};
  return {x, *m->stats.mean, m->stats.ci95_low, m->stats.ci95_high};
}

// Indexes grouped by a key, groups in the order their first member came.
using Groups = std::vector<std::pair<std::string, std::vector<size_t>>>;

void AddToGroup(const std::string& key, size_t index, Groups* groups) {
  auto it =
      std::find_if(groups->begin(), groups->end(), [&](const auto& g) { return g.first == key; });
  if (it == groups->end()) {
    groups->push_back({key, {index}});
  } else {
    it->second.push_back(index);
  }
}

// The unit of `path` in the last point that has it.
std::string SweepUnit(const SweepSummary& s, const std::string& path) {
  std::string unit;
  for (const PointSummary& p : s.points) {
    if (const MetricSummary* m = FindMetric(p, path)) unit = m->unit;
  }
  return unit;
}

// A run's time series: columns grouped by first word and unit, in column order.
void RunTimeseriesCharts(const ReportInput& in, const std::string& id, ChartSet* set,
                         ReportSection* section) {
  const TimeseriesData& ts = *in.ts;
  Groups groups;
  for (size_t c = 0; c < ts.columns.size(); ++c) {
    AddToGroup(absl::StrCat(FirstWord(ts.columns[c]), " ", ColumnUnit(ts.columns[c])), c, &groups);
  }
  for (const auto& [key, columns] : groups) {
    Chart c;
    c.title = absl::StrCat(in.results.scenario, " seed ", in.results.run.seed, ": ",
                           FirstWord(ts.columns[columns[0]]), " over time");
    c.x.label = "simulated time (s)";
    c.y.label = ColumnUnit(ts.columns[columns[0]]);
    for (size_t col : columns) c.series.push_back(ColumnSeries(ts.columns[col], ts, col));
    ApplyFaults(in.faults, &c);
    set->Add(std::move(c), absl::StrCat(id, "-ts-", key), section);
  }
}

// A run's metric groups: across the group's members.
void RunGroupCharts(const ReportInput& in, const std::string& id,
                    const std::vector<std::string>& prefixes, ChartSet* set,
                    ReportSection* section) {
  const RunResults& run = in.results.run;
  std::vector<std::string> paths;
  for (const auto& [path, m] : run.metrics) {
    if (MatchesAnyPrefix(path, prefixes)) paths.push_back(path);
  }
  for (const MetricGroup& g : FindMetricGroups(paths)) {
    Chart c;
    const std::string unit = run.metrics.at(absl::StrCat(g.prefix, ".", g.leaves[0])).unit;
    c.title = absl::StrCat(in.results.scenario, " seed ", run.seed, ": ", g.prefix);
    c.x.label = g.kind == MetricGroup::Kind::kPercentiles ? "percentile" : "value";
    c.y.label = absl::StrCat(g.prefix, " (", unit, ")");
    c.x_categories = g.leaves;
    c.style = g.kind == MetricGroup::Kind::kPercentiles ? Chart::Style::kLinesPoints
                                                        : Chart::Style::kBars;
    ChartSeries s{g.prefix, {}};
    for (size_t i = 0; i < g.leaves.size(); ++i) {
      const MetricValue& m = run.metrics.at(absl::StrCat(g.prefix, ".", g.leaves[i]));
      s.points.push_back({static_cast<double>(i), m.value.value_or(std::nan("")), {}, {}});
    }
    c.series.push_back(std::move(s));
    set->Add(std::move(c), absl::StrCat(id, "-", g.prefix), section);
  }
}

// A sweep's time series: one chart per column, one line per point.
void SweepTimeseriesCharts(const ReportInput& in, const std::string& id, ChartSet* set,
                           ReportSection* section) {
  const SweepSummary& s = in.results.summary;
  std::vector<std::string> columns;
  for (const std::optional<TimeseriesData>& ts : in.point_ts) {
    if (!ts.has_value()) continue;
    for (const std::string& c : ts->columns) {
      if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.push_back(c);
    }
  }
  for (const std::string& column : columns) {
    Chart c;
    c.title = absl::StrCat(in.results.scenario, ": ", column, " over time (mean over seeds)");
    c.x.label = "simulated time (s)";
    c.y.label = absl::StrCat(column, " (", ColumnUnit(column), ")");
    for (size_t p = 0; p < in.point_ts.size() && p < s.points.size(); ++p) {
      const std::optional<TimeseriesData>& ts = in.point_ts[p];
      if (!ts.has_value()) continue;
      auto it = std::find(ts->columns.begin(), ts->columns.end(), column);
      if (it != ts->columns.end())
        c.series.push_back(ColumnSeries(s.points[p].name, *ts, it - ts->columns.begin()));
    }
    ApplyFaults(in.faults, &c);
    set->Add(std::move(c), absl::StrCat(id, "-ts-", column), section);
  }
}

// The points of a sweep grouped by the values of every parameter but `k`, in point order: one
// line each on a chart against parameter k.
Groups LinesAgainst(const SweepSummary& s, size_t k) {
  Groups lines;
  for (size_t p = 0; p < s.points.size(); ++p) {
    std::vector<std::string> others;
    for (size_t j = 0; j < s.points[p].assignments.size(); ++j) {
      if (j != k)
        others.push_back(
            absl::StrCat(s.points[p].assignments[j].first, "=", s.points[p].assignments[j].second));
    }
    AddToGroup(others.empty() ? "mean, 95% CI" : absl::StrJoin(others, ","), p, &lines);
  }
  return lines;
}

// Metric `path` of a sweep against parameter k (mean and CI; runs without a value noted).
Chart MetricAgainstParameter(const ReportInput& in, size_t k, const ParamAxis& axis,
                             const Groups& lines, const std::string& path) {
  const SweepSummary& s = in.results.summary;
  const SweepParameter& param = s.plan.parameters[k];
  Chart c;
  c.title = absl::StrCat(in.results.scenario, ": ", path, " vs ", param.key);
  c.x.label = axis.label;
  c.x.log = axis.log;
  c.x_categories = axis.categories;
  c.y.label = absl::StrCat(path, " (", SweepUnit(s, path), ")");
  c.style = Chart::Style::kErrorLines;
  for (const auto& [title, points] : lines) {
    ChartSeries series{title, {}};
    for (size_t p : points) {
      const std::string& value = s.points[p].assignments[k].second;
      const size_t vi =
          std::find(param.values.begin(), param.values.end(), value) - param.values.begin();
      DSIM_CHECK(vi < param.values.size());
      const MetricSummary* m = FindMetric(s.points[p], path);
      series.points.push_back(MeanPoint(axis.x[vi], m));
      // Runs without a value (never converged, ...) are not in the mean: say how many.
      if (m != nullptr && m->stats.nulls > 0) {
        c.notes.push_back(
            {axis.x[vi], m->stats.mean,
             absl::StrCat(m->stats.nulls, "/", m->stats.count + m->stats.nulls, " null")});
      }
    }
    c.series.push_back(std::move(series));
  }
  return c;
}

// Each selected metric against each parameter; one line per combination of the others.
void SweepParameterCharts(ReportInput& in, const std::string& id,
                          const std::vector<std::string>& prefixes, ChartSet* set,
                          ReportSection* section) {
  const SweepSummary& s = in.results.summary;
  const SweepPlan& plan = s.plan;
  if (plan.parameters.empty() || s.points.size() < 2) return;
  const std::vector<std::string> metrics = SelectMetrics(s, prefixes, &in.notes);
  for (size_t k = 0; k < plan.parameters.size(); ++k) {
    const ParamAxis axis = AxisFor(plan.parameters[k]);
    const auto lines = LinesAgainst(s, k);
    for (const std::string& path : metrics) {
      set->Add(MetricAgainstParameter(in, k, axis, lines, path),
               absl::StrCat(id, "-", path, "-vs-", plan.parameters[k].key), section);
    }
  }
}

// The x axis of a sweep's group chart with several points: the parameter when there is one,
// else the points as categories. Returns each point's x.
std::vector<double> GroupAxis(const SweepSummary& s, Chart* c) {
  std::vector<double> x;
  const SweepPlan& plan = s.plan;
  if (plan.parameters.size() == 1) {
    const ParamAxis axis = AxisFor(plan.parameters[0]);
    c->x.label = axis.label;
    c->x.log = axis.log;
    c->x_categories = axis.categories;
    const auto& values = plan.parameters[0].values;
    for (const PointSummary& p : s.points) {
      x.push_back(axis.x[std::find(values.begin(), values.end(), p.assignments[0].second) -
                         values.begin()]);
    }
    return x;
  }
  c->x.label = "parameter point";
  for (size_t p = 0; p < s.points.size(); ++p) {
    c->x_categories.push_back(s.points[p].name);
    x.push_back(static_cast<double>(p));
  }
  return x;
}

// Metric groups of a sweep: against the parameter when there is one, else across points (or,
// for a single point, across the group's members).
void SweepGroupCharts(const ReportInput& in, const std::string& id,
                      const std::vector<std::string>& prefixes, ChartSet* set,
                      ReportSection* section) {
  const SweepSummary& s = in.results.summary;
  absl::btree_set<std::string> paths;
  for (const PointSummary& p : s.points) {
    for (const auto& [path, m] : p.metrics) {
      if (MatchesAnyPrefix(path, prefixes)) paths.insert(path);
    }
  }
  for (const MetricGroup& g :
       FindMetricGroups(std::vector<std::string>(paths.begin(), paths.end()))) {
    Chart c;
    c.title = absl::StrCat(in.results.scenario, ": ", g.prefix, " (mean, 95% CI)");
    c.y.label =
        absl::StrCat(g.prefix, " (", SweepUnit(s, absl::StrCat(g.prefix, ".", g.leaves[0])), ")");
    c.style = Chart::Style::kErrorLines;
    if (s.points.size() == 1) {
      c.x.label = g.kind == MetricGroup::Kind::kPercentiles ? "percentile" : "value";
      c.x_categories = g.leaves;
      ChartSeries series{s.points[0].name, {}};
      for (size_t i = 0; i < g.leaves.size(); ++i) {
        series.points.push_back(
            MeanPoint(static_cast<double>(i),
                      FindMetric(s.points[0], absl::StrCat(g.prefix, ".", g.leaves[i]))));
      }
      c.series.push_back(std::move(series));
    } else {
      const std::vector<double> x = GroupAxis(s, &c);
      for (const std::string& leaf : g.leaves) {
        ChartSeries series{leaf, {}};
        for (size_t p = 0; p < s.points.size(); ++p) {
          series.points.push_back(
              MeanPoint(x[p], FindMetric(s.points[p], absl::StrCat(g.prefix, ".", leaf))));
        }
        c.series.push_back(std::move(series));
      }
    }
    set->Add(std::move(c), absl::StrCat(id, "-", g.prefix), section);
  }
}

}  // namespace

void ChartSet::Add(Chart c, const std::string& stem, ReportSection* section) {
  if (!HasData(c)) return;
  std::string name = Slug(stem);
  for (int i = 2; names_.contains(name); ++i) name = absl::StrCat(Slug(stem), "-", i);
  names_.insert(name);
  c.name = name;
  section->charts.push_back(charts_.size());
  charts_.push_back(std::move(c));
}

void AddCharts(ReportInput& in, const std::string& id, const std::vector<std::string>& prefixes,
               ChartSet* set, ReportSection* section) {
  if (!in.results.sweep) {
    if (in.ts.has_value()) RunTimeseriesCharts(in, id, set, section);
    RunGroupCharts(in, id, prefixes, set, section);
    return;
  }
  // A sweep over repair.strategy leads with what it was run for.
  const std::vector<Chart> strategy = StrategyCharts(in.results.summary, in.results.scenario);
  for (size_t i = 0; i < strategy.size(); ++i) {
    set->Add(strategy[i], absl::StrCat(id, "-strategy-", StrategyColumns()[i].first), section);
  }
  SweepTimeseriesCharts(in, id, set, section);
  SweepParameterCharts(in, id, prefixes, set, section);
  SweepGroupCharts(in, id, prefixes, set, section);
}

}  // namespace dsim::analysis
