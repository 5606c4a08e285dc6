// dsim report: charts (analysis/report.h decides which) rendered with gnuplot, and index.html
// and report.md that show them with the summary tables.
#include "analysis/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "analysis/commands.h"
#include "analysis/run_results.h"
#include "analysis/subprocess.h"
#include "analysis/summary.h"
#include "analysis/sweep_plan.h"
#include "analysis/text_table.h"
#include "engine/check.h"
#include "sim/cli_args.h"
#include "sim/core/units.h"
#include "sim/results.h"

namespace dsim::analysis {

// ---------------------------------------------------------------------------------------------
// The model (report.h).

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

namespace {

std::optional<double> EchoSeconds(const nlohmann::json& fault, const char* key) {
  if (!fault.contains(key) || !fault[key].is_string()) return std::nullopt;
  absl::StatusOr<sim::Nanos> d = sim::ParseDuration(fault[key].get<std::string>());
  if (!d.ok()) return std::nullopt;
  return static_cast<double>(*d) * 1e-9;
}

bool IsNetworkFault(const std::string& action) {
  return action == "partition" || action == "cut_link" || action == "degrade_link";
}

}  // namespace

FaultMarks FaultMarksFromScenario(const nlohmann::json& scenario, double end_s) {
  FaultMarks marks;
  if (!scenario.is_object() || !scenario.contains("faults") || !scenario["faults"].is_array())
    return marks;
  const nlohmann::json& faults = scenario["faults"];
  for (size_t i = 0; i < faults.size(); ++i) {
    const nlohmann::json& f = faults[i];
    if (!f.is_object()) continue;
    const std::string action = f.value("action", "");
    const std::string name = f.value("name", "");
    std::optional<double> at = EchoSeconds(f, "at");
    if (!at.has_value() || action == "heal") continue;
    const std::string label = name.empty() ? action : name;
    if (std::optional<double> d = EchoSeconds(f, "duration")) {
      marks.windows.push_back({*at, *at + *d, label});
      continue;
    }
    if (!IsNetworkFault(action)) {
      std::string what = action;
      if (f.contains("node") && f["node"].is_number())
        absl::StrAppend(&what, " node ", f["node"].get<int64_t>());
      marks.instants.push_back({*at, name.empty() ? what : name});
      continue;
    }
    double end = end_s;
    for (size_t j = 0; j < faults.size(); ++j) {
      const nlohmann::json& h = faults[j];
      if (!h.is_object() || h.value("action", "") != "heal") continue;
      std::optional<double> heal_at = EchoSeconds(h, "at");
      const std::string target = h.value("target", "");
      if (heal_at.has_value() && *heal_at >= *at && (target.empty() || target == name))
        end = std::min(end, *heal_at);
    }
    marks.windows.push_back({*at, std::max(end, *at), label});
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

// ---------------------------------------------------------------------------------------------
// dsim report

namespace {

using sim::ArgSpec;

constexpr size_t kMaxMetricCharts = 40;
constexpr const char* kHeadlinePrefixes[] = {"convergence.", "divergence.", "repair.",
                                             "bloom.",       "hll.",        "lww."};

const ArgSpec& ReportSpec() {
  static const ArgSpec spec{
      "report",
      "RESULTS...",
      "Plots (PNG and SVG, with gnuplot) and index.html / report.md for run directories "
      "(results.json) "
      "and sweep directories (summary.json).",
      {{"out", "DIR", "where to write index.html, report.md and plots/ (required)"},
       {"metric", "PREFIX",
        "plot and tabulate only metrics at or under PREFIX (e.g. relay.latency)", true},
       {"jobs", "N", "gnuplot processes at once (default: the number of CPUs)"}},
      1,
      256};
  return spec;
}

struct Input {
  bool sweep = false;
  std::string dir;
  std::string scenario;
  RunResults run;                                       // runs
  std::optional<TimeseriesData> ts;                     // runs: the run's; sweeps: unused
  SweepSummary summary;                                 // sweeps
  std::vector<std::optional<TimeseriesData>> point_ts;  // sweeps: per point, mean over seeds
  std::optional<FaultMarks> faults;                     // shared by the run / every point
  std::vector<std::string> notes;                       // shown under the section title
};

struct Section {
  std::string title;
  std::vector<size_t> charts;  // indexes into the chart list
};

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

// Means across runs, row by row at equal sample times. Only times that more than half of the
// runs sampled are kept: each run's last row sits at its own end time, and a "mean" of one run
// there would make the curve jump.
TimeseriesData MeanTimeseries(const std::vector<TimeseriesData>& runs) {
  DSIM_CHECK(!runs.empty());
  TimeseriesData out;
  out.columns = runs[0].columns;
  absl::btree_map<double, std::vector<std::pair<double, size_t>>>
      rows;                                    // time -> (sum, n) per column
  absl::btree_map<double, size_t> sampled_by;  // time -> runs
  for (const TimeseriesData& r : runs) {
    for (double t : r.times_s) ++sampled_by[t];
    for (size_t c = 0; c < out.columns.size(); ++c) {
      auto it = std::find(r.columns.begin(), r.columns.end(), out.columns[c]);
      if (it == r.columns.end()) continue;
      const std::vector<double>& v = r.values[it - r.columns.begin()];
      for (size_t i = 0; i < r.times_s.size(); ++i) {
        auto& row = rows[r.times_s[i]];
        row.resize(out.columns.size());
        if (std::isfinite(v[i])) {
          row[c].first += v[i];
          ++row[c].second;
        }
      }
    }
  }
  out.values.resize(out.columns.size());
  for (const auto& [t, row] : rows) {
    if (sampled_by[t] * 2 <= runs.size()) continue;
    out.times_s.push_back(t);
    for (size_t c = 0; c < out.columns.size(); ++c) {
      const bool have = c < row.size() && row[c].second > 0;
      out.values[c].push_back(have ? row[c].first / static_cast<double>(row[c].second)
                                   : std::nan(""));
    }
  }
  return out;
}

absl::StatusOr<Input> LoadInput(const std::string& dir) {
  Input in;
  in.dir = dir;
  if (FileExists(absl::StrCat(dir, "/summary.json"))) {
    in.sweep = true;
    absl::StatusOr<SweepSummary> s = LoadSummary(dir);
    if (!s.ok()) return s.status();
    in.summary = std::move(*s);
    in.scenario = in.summary.plan.scenario_name;
    absl::StatusOr<SweepPlan> plan = LoadPlan(dir);
    if (!plan.ok()) {
      in.notes.push_back(absl::StrCat("no time series: ", plan.status().message()));
      return in;
    }
    // Per point: the mean time series over its completed runs, and the fault marks (shown only
    // when every point has the same).
    bool same_faults = true;
    for (size_t p = 0; p < plan->points.size(); ++p) {
      std::vector<TimeseriesData> runs;
      std::optional<FaultMarks> marks;
      for (uint64_t s = 0; s < plan->seed_count(); ++s) {
        const std::string run_dir =
            absl::StrCat(dir, "/", plan->RunDir(p * plan->seed_count() + s));
        if (!FileExists(absl::StrCat(run_dir, "/results.json"))) continue;
        if (!marks.has_value()) {
          absl::StatusOr<RunResults> r = LoadRunResults(run_dir);
          if (!r.ok()) return r.status();
          marks = FaultMarksFromScenario(r->scenario, r->simulated_time_s);
        }
        absl::StatusOr<TimeseriesData> ts =
            LoadTimeseries(absl::StrCat(run_dir, "/timeseries.csv"));
        if (ts.ok() && !ts->times_s.empty()) runs.push_back(std::move(*ts));
      }
      in.point_ts.push_back(runs.empty() ? std::nullopt
                                         : std::optional<TimeseriesData>(MeanTimeseries(runs)));
      if (marks.has_value()) {
        if (!in.faults.has_value()) {
          in.faults = marks;
        } else if (!(*in.faults == *marks)) {
          same_faults = false;
        }
      }
    }
    if (!same_faults) {
      in.faults.reset();
      in.notes.push_back("fault windows differ between points and are not shaded");
    }
    return in;
  }
  if (FileExists(absl::StrCat(dir, "/results.json"))) {
    absl::StatusOr<RunResults> r = LoadRunResults(dir);
    if (!r.ok()) return r.status();
    in.run = std::move(*r);
    in.scenario = in.run.scenario.contains("simulation")
                      ? in.run.scenario["simulation"].value("name", "")
                      : "";
    in.faults = FaultMarksFromScenario(in.run.scenario, in.run.simulated_time_s);
    const std::string ts_path = absl::StrCat(dir, "/timeseries.csv");
    if (FileExists(ts_path)) {
      absl::StatusOr<TimeseriesData> ts = LoadTimeseries(ts_path);
      if (!ts.ok()) return ts.status();
      if (!ts->times_s.empty()) in.ts = std::move(*ts);
    }
    return in;
  }
  if (FileExists(absl::StrCat(dir, "/sweep.json"))) {
    return absl::NotFoundError(absl::StrCat(
        dir, ": a sweep directory without summary.json; run `dsim summarize ", dir, "` first"));
  }
  return absl::NotFoundError(absl::StrCat(
      dir, ": neither a run directory (results.json) nor a sweep directory (summary.json)"));
}

class ChartSet {
 public:
  // Adds a chart when it has data; gives it a unique file name from `stem`.
  void Add(Chart c, const std::string& stem, Section* section) {
    if (!HasData(c)) return;
    std::string name = Slug(stem);
    for (int i = 2; names_.contains(name); ++i) name = absl::StrCat(Slug(stem), "-", i);
    names_.insert(name);
    c.name = name;
    section->charts.push_back(charts_.size());
    charts_.push_back(std::move(c));
  }
  const std::vector<Chart>& charts() const { return charts_; }

 private:
  std::vector<Chart> charts_;
  absl::btree_set<std::string> names_;
};

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

void RunCharts(const Input& in, const std::string& id, const std::vector<std::string>& prefixes,
               ChartSet* set, Section* section) {
  if (in.ts.has_value()) {
    // Columns grouped by first word and unit, in column order.
    std::vector<std::pair<std::string, std::vector<size_t>>> groups;
    for (size_t c = 0; c < in.ts->columns.size(); ++c) {
      const std::string key =
          absl::StrCat(FirstWord(in.ts->columns[c]), " ", ColumnUnit(in.ts->columns[c]));
      auto it =
          std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
      if (it == groups.end()) {
        groups.push_back({key, {c}});
      } else {
        it->second.push_back(c);
      }
    }
    for (const auto& [key, columns] : groups) {
      Chart c;
      c.title = absl::StrCat(in.scenario, " seed ", in.run.seed, ": ",
                             FirstWord(in.ts->columns[columns[0]]), " over time");
      c.x.label = "simulated time (s)";
      c.y.label = ColumnUnit(in.ts->columns[columns[0]]);
      for (size_t col : columns) c.series.push_back(ColumnSeries(in.ts->columns[col], *in.ts, col));
      ApplyFaults(in.faults, &c);
      set->Add(std::move(c), absl::StrCat(id, "-ts-", key), section);
    }
  }
  std::vector<std::string> paths;
  for (const auto& [path, m] : in.run.metrics) {
    if (MatchesAnyPrefix(path, prefixes)) paths.push_back(path);
  }
  for (const MetricGroup& g : FindMetricGroups(paths)) {
    Chart c;
    const std::string unit = in.run.metrics.at(absl::StrCat(g.prefix, ".", g.leaves[0])).unit;
    c.title = absl::StrCat(in.scenario, " seed ", in.run.seed, ": ", g.prefix);
    c.x.label = g.kind == MetricGroup::Kind::kPercentiles ? "percentile" : "value";
    c.y.label = absl::StrCat(g.prefix, " (", unit, ")");
    c.x_categories = g.leaves;
    c.style = g.kind == MetricGroup::Kind::kPercentiles ? Chart::Style::kLinesPoints
                                                        : Chart::Style::kBars;
    ChartSeries s{g.prefix, {}};
    for (size_t i = 0; i < g.leaves.size(); ++i) {
      const MetricValue& m = in.run.metrics.at(absl::StrCat(g.prefix, ".", g.leaves[i]));
      s.points.push_back({static_cast<double>(i), m.value.value_or(std::nan("")), {}, {}});
    }
    c.series.push_back(std::move(s));
    set->Add(std::move(c), absl::StrCat(id, "-", g.prefix), section);
  }
}

// An x axis over a swept parameter's values.
struct ParamAxis {
  std::vector<double> x;                // per value
  std::vector<std::string> categories;  // non-empty: categorical
  std::string label;
  bool log = false;
};

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

ChartPoint MeanPoint(double x, const MetricSummary* m) {
  if (m == nullptr || !m->stats.mean.has_value()) return {x, std::nan(""), {}, {}};
  return {x, *m->stats.mean, m->stats.ci95_low, m->stats.ci95_high};
}

const MetricSummary* Find(const PointSummary& p, const std::string& path) {
  auto it = p.metrics.find(path);
  return it == p.metrics.end() ? nullptr : &it->second;
}

// The metrics that get a chart against the parameters (see report.h).
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

void SweepCharts(Input& in, const std::string& id, const std::vector<std::string>& prefixes,
                 ChartSet* set, Section* section) {
  const SweepSummary& s = in.summary;
  const SweepPlan& plan = s.plan;
  // Time series: one chart per column, one line per point.
  std::vector<std::string> columns;
  for (const std::optional<TimeseriesData>& ts : in.point_ts) {
    if (!ts.has_value()) continue;
    for (const std::string& c : ts->columns) {
      if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.push_back(c);
    }
  }
  for (const std::string& column : columns) {
    Chart c;
    c.title = absl::StrCat(in.scenario, ": ", column, " over time (mean over seeds)");
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

  // Each selected metric against each parameter; one line per combination of the others.
  if (!plan.parameters.empty() && s.points.size() >= 2) {
    const std::vector<std::string> metrics = SelectMetrics(s, prefixes, &in.notes);
    for (size_t k = 0; k < plan.parameters.size(); ++k) {
      const SweepParameter& param = plan.parameters[k];
      const ParamAxis axis = AxisFor(param);
      // Points by the values of the other parameters, in point order.
      std::vector<std::pair<std::string, std::vector<size_t>>> lines;
      for (size_t p = 0; p < s.points.size(); ++p) {
        std::vector<std::string> others;
        for (size_t j = 0; j < s.points[p].assignments.size(); ++j) {
          if (j != k)
            others.push_back(absl::StrCat(s.points[p].assignments[j].first, "=",
                                          s.points[p].assignments[j].second));
        }
        const std::string key = others.empty() ? "mean, 95% CI" : absl::StrJoin(others, ",");
        auto it =
            std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.first == key; });
        if (it == lines.end()) {
          lines.push_back({key, {p}});
        } else {
          it->second.push_back(p);
        }
      }
      for (const std::string& path : metrics) {
        Chart c;
        std::string unit;
        for (const PointSummary& p : s.points) {
          if (const MetricSummary* m = Find(p, path)) unit = m->unit;
        }
        c.title = absl::StrCat(in.scenario, ": ", path, " vs ", param.key);
        c.x.label = axis.label;
        c.x.log = axis.log;
        c.x_categories = axis.categories;
        c.y.label = absl::StrCat(path, " (", unit, ")");
        c.style = Chart::Style::kErrorLines;
        for (const auto& [title, points] : lines) {
          ChartSeries series{title, {}};
          for (size_t p : points) {
            const std::string& value = s.points[p].assignments[k].second;
            const size_t vi =
                std::find(param.values.begin(), param.values.end(), value) - param.values.begin();
            DSIM_CHECK(vi < param.values.size());
            const MetricSummary* m = Find(s.points[p], path);
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
        set->Add(std::move(c), absl::StrCat(id, "-", path, "-vs-", param.key), section);
      }
    }
  }

  // Metric groups: against the parameter when there is one, else across points (or, for a single
  // point, across the group's members).
  absl::btree_set<std::string> paths;
  for (const PointSummary& p : s.points) {
    for (const auto& [path, m] : p.metrics) {
      if (MatchesAnyPrefix(path, prefixes)) paths.insert(path);
    }
  }
  for (const MetricGroup& g :
       FindMetricGroups(std::vector<std::string>(paths.begin(), paths.end()))) {
    Chart c;
    std::string unit;
    for (const PointSummary& p : s.points) {
      if (const MetricSummary* m = Find(p, absl::StrCat(g.prefix, ".", g.leaves[0])))
        unit = m->unit;
    }
    c.title = absl::StrCat(in.scenario, ": ", g.prefix, " (mean, 95% CI)");
    c.y.label = absl::StrCat(g.prefix, " (", unit, ")");
    c.style = Chart::Style::kErrorLines;
    if (s.points.size() == 1) {
      c.x.label = g.kind == MetricGroup::Kind::kPercentiles ? "percentile" : "value";
      c.x_categories = g.leaves;
      ChartSeries series{s.points[0].name, {}};
      for (size_t i = 0; i < g.leaves.size(); ++i) {
        series.points.push_back(MeanPoint(
            static_cast<double>(i), Find(s.points[0], absl::StrCat(g.prefix, ".", g.leaves[i]))));
      }
      c.series.push_back(std::move(series));
    } else {
      std::vector<double> x;
      if (plan.parameters.size() == 1) {
        const ParamAxis axis = AxisFor(plan.parameters[0]);
        c.x.label = axis.label;
        c.x.log = axis.log;
        c.x_categories = axis.categories;
        for (const PointSummary& p : s.points) {
          const auto& values = plan.parameters[0].values;
          x.push_back(axis.x[std::find(values.begin(), values.end(), p.assignments[0].second) -
                             values.begin()]);
        }
      } else {
        c.x.label = "parameter point";
        for (size_t p = 0; p < s.points.size(); ++p) {
          c.x_categories.push_back(s.points[p].name);
          x.push_back(static_cast<double>(p));
        }
      }
      for (const std::string& leaf : g.leaves) {
        ChartSeries series{leaf, {}};
        for (size_t p = 0; p < s.points.size(); ++p) {
          series.points.push_back(
              MeanPoint(x[p], Find(s.points[p], absl::StrCat(g.prefix, ".", leaf))));
        }
        c.series.push_back(std::move(series));
      }
    }
    set->Add(std::move(c), absl::StrCat(id, "-", g.prefix), section);
  }
}

std::string Html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MdCell(const std::string& s) { return absl::StrReplaceAll(s, {{"|", "\\|"}}); }

// One table as rows of cells, rendered to HTML and Markdown.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::string ToHtml() const {
    std::string out = "<table>\n<tr>";
    for (const std::string& h : header) absl::StrAppend(&out, "<th>", Html(h), "</th>");
    out += "</tr>\n";
    for (const auto& r : rows) {
      out += "<tr>";
      for (const std::string& c : r) absl::StrAppend(&out, "<td>", Html(c), "</td>");
      out += "</tr>\n";
    }
    return out + "</table>\n";
  }
  std::string ToMarkdown() const {
    std::vector<std::string> h, rule;
    for (const std::string& c : header) {
      h.push_back(MdCell(c));
      rule.push_back("---");
    }
    std::string out =
        absl::StrCat("| ", absl::StrJoin(h, " | "), " |\n| ", absl::StrJoin(rule, " | "), " |\n");
    for (const auto& r : rows) {
      std::vector<std::string> cells;
      for (const std::string& c : r) cells.push_back(MdCell(c));
      absl::StrAppend(&out, "| ", absl::StrJoin(cells, " | "), " |\n");
    }
    return out;
  }
};

struct Block {
  std::string heading;
  Table table;
};

std::vector<Block> Tables(const Input& in, const std::vector<std::string>& prefixes) {
  std::vector<Block> blocks;
  if (!in.sweep) {
    Block b{"Metrics", {{"metric", "value", "unit"}, {}}};
    for (const auto& [path, m] : in.run.metrics) {
      if (MatchesAnyPrefix(path, prefixes)) {
        b.table.rows.push_back(
            {path, m.value.has_value() ? FormatNumber(m.value) : "null", m.unit});
      }
    }
    blocks.push_back(std::move(b));
    return blocks;
  }
  for (const PointSummary& p : in.summary.points) {
    Block b{
        absl::StrCat("Point ", p.name, ": ", p.completed, " of ", p.planned, " runs",
                     p.failed > 0 ? absl::StrCat(", ", p.failed, " failed") : "",
                     p.missing > 0 ? absl::StrCat(", ", p.missing, " missing") : ""),
        {{"metric", "unit", "n", "nulls", "mean", "95% CI", "stddev", "min", "p50", "p95", "max"},
         {}}};
    for (const auto& [path, m] : p.metrics) {
      if (!MatchesAnyPrefix(path, prefixes)) continue;
      const Summary& s = m.stats;
      const std::string ci =
          s.ci95_low.has_value()
              ? absl::StrCat("[", FormatNumber(s.ci95_low), ", ", FormatNumber(s.ci95_high), "]")
              : "-";
      b.table.rows.push_back({path, m.unit, absl::StrCat(s.count), absl::StrCat(s.nulls),
                              FormatNumber(s.mean), ci, FormatNumber(s.stddev), FormatNumber(s.min),
                              FormatNumber(s.p50), FormatNumber(s.p95), FormatNumber(s.max)});
    }
    blocks.push_back(std::move(b));
  }
  return blocks;
}

std::string Describe(const Input& in) {
  if (!in.sweep) {
    return absl::StrCat("Run of scenario ", in.scenario, ", seed ", in.run.seed, ", dsim ",
                        in.run.dsim_version, ", trace hash ", in.run.trace_hash, ", stopped (",
                        in.run.stop_reason, ") at simulated ",
                        FormatNumber(in.run.simulated_time_s), " s.");
  }
  const SweepPlan& plan = in.summary.plan;
  std::vector<std::string> params;
  for (const SweepParameter& p : plan.parameters)
    params.push_back(absl::StrCat(p.key, " in {", absl::StrJoin(p.values, ", "), "}"));
  return absl::StrCat("Sweep of scenario ", in.scenario, " over seeds ", plan.first_seed, "..",
                      plan.last_seed,
                      params.empty() ? "" : absl::StrCat(", ", absl::StrJoin(params, "; ")),
                      plan.fixed_overrides.empty()
                          ? ""
                          : absl::StrCat("; fixed: ", absl::StrJoin(plan.fixed_overrides, ", ")),
                      ".");
}

}  // namespace

int ReportCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = 0;
  std::optional<sim::ParsedArgs> a = ParseCommandArgs(ReportSpec(), args, out, err, &code);
  if (!a) return code;
  auto fail = [&](int exit_code, const std::string& msg) {
    std::fprintf(err, "dsim report: %s\n", msg.c_str());
    return exit_code;
  };
  if (!a->Has("out")) return fail(sim::kExitUsage, "--out DIR is required");
  size_t jobs = AvailableCpus();
  if (std::optional<std::string> j = a->Get("jobs")) {
    if (!absl::SimpleAtoi(*j, &jobs) || jobs < 1 || jobs > 256) {
      return fail(sim::kExitUsage,
                  absl::StrCat("--jobs ", *j, ": expected an integer in [1, 256]"));
    }
  }
  const std::vector<std::string> prefixes = a->GetAll("metric");
  const std::string dir = *a->Get("out");

  std::vector<Input> inputs;
  for (const std::string& p : a->positional) {
    absl::StatusOr<Input> in = LoadInput(p);
    if (!in.ok()) return fail(sim::kExitUsage, std::string(in.status().message()));
    inputs.push_back(std::move(*in));
  }
  ChartSet set;
  std::vector<Section> sections;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Section section;
    section.title = absl::StrCat(i + 1, ". ", inputs[i].sweep ? "Sweep " : "Run ", inputs[i].dir);
    const std::string id = absl::StrCat("s", i + 1);
    if (inputs[i].sweep) {
      SweepCharts(inputs[i], id, prefixes, &set, &section);
    } else {
      RunCharts(inputs[i], id, prefixes, &set, &section);
    }
    sections.push_back(std::move(section));
  }

  const std::string plots = absl::StrCat(dir, "/plots");
  std::error_code ec;
  std::filesystem::create_directories(plots, ec);
  if (ec)
    return fail(sim::kExitIo, absl::StrCat(plots, ": cannot create directory: ", ec.message()));
  absl::Status st = RenderCharts(plots, set.charts(), jobs);
  if (!st.ok()) return fail(sim::kExitIo, absl::StrCat("gnuplot failed:\n", st.message()));

  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>dsim "
      "report</title>\n"
      "<style>\n"
      "body { font-family: sans-serif; background: #fff; color: #222; max-width: 1300px; margin: "
      "auto; padding: 1em; }\n"
      "table { border-collapse: collapse; font-size: 85%; margin: 0.5em 0 1.5em; }\n"
      "th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }\n"
      "th:first-child, td:first-child { text-align: left; }\n"
      "th { background: #f3f3f3; }\n"
      "figure { display: inline-block; width: 48%; margin: 0.5%; vertical-align: top; }\n"
      "figure img { width: 100%; border: 1px solid #eee; }\n"
      "figcaption { font-size: 85%; color: #555; }\n"
      "</style>\n</head>\n<body>\n<h1>dsim report</h1>\n";
  std::string md = "# dsim report\n\n";
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Section& sec = sections[i];
    absl::StrAppend(&html, "<h2>", Html(sec.title), "</h2>\n<p>", Html(Describe(inputs[i])),
                    "</p>\n");
    absl::StrAppend(&md, "## ", sec.title, "\n\n", Describe(inputs[i]), "\n\n");
    for (const std::string& note : inputs[i].notes) {
      absl::StrAppend(&html, "<p><em>", Html(note), "</em></p>\n");
      absl::StrAppend(&md, "*", note, "*\n\n");
    }
    if (!sec.charts.empty()) {
      html += "<h3>Plots</h3>\n";
      md += "### Plots\n\n";
    }
    for (size_t c : sec.charts) {
      const Chart& chart = set.charts()[c];
      absl::StrAppend(&html, "<figure><a href=\"plots/", chart.name, ".svg\"><img src=\"plots/",
                      chart.name, ".png\" alt=\"", Html(chart.title), "\"></a><figcaption>",
                      Html(chart.title), " (<a href=\"plots/", chart.name,
                      ".svg\">SVG</a>)</figcaption></figure>\n");
      absl::StrAppend(&md, "![", chart.title, "](plots/", chart.name, ".png) ([SVG](plots/",
                      chart.name, ".svg))\n\n");
    }
    for (const Block& b : Tables(inputs[i], prefixes)) {
      absl::StrAppend(&html, "<h3>", Html(b.heading), "</h3>\n", b.table.ToHtml());
      absl::StrAppend(&md, "### ", b.heading, "\n\n", b.table.ToMarkdown(), "\n");
    }
  }
  html += "</body>\n</html>\n";
  st = sim::WriteFileAtomically(absl::StrCat(dir, "/index.html"), html);
  if (st.ok()) st = sim::WriteFileAtomically(absl::StrCat(dir, "/report.md"), md);
  if (!st.ok()) return fail(sim::kExitIo, std::string(st.message()));
  std::fprintf(out, "report: %s/index.html, %s/report.md, %zu plots (PNG and SVG) in %s\n",
               dir.c_str(), dir.c_str(), set.charts().size(), plots.c_str());
  return sim::kExitOk;
}

}  // namespace dsim::analysis
