#include "analysis/report_strategies.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "analysis/text_table.h"

namespace dsim::analysis {

const std::vector<std::pair<std::string, std::string>>& StrategyColumns() {
  static const auto* columns = new std::vector<std::pair<std::string, std::string>>{
      {"repair.over_streaming.partitions", "moved / minimum (partitions)"},
      {"repair.over_streaming.bytes", "moved / minimum (bytes)"},
      {"repair.control_bytes", "control bytes"},
      {"repair.round_trips.max", "round trips (max per session)"},
      {"repair.duration.max", "repair duration (s)"},
      {"convergence.time", "convergence time (s)"},
  };
  return *columns;
}

std::string MeanWithInterval(const MetricSummary* m) {
  if (m == nullptr || !m->stats.mean.has_value()) return "-";
  const Summary& s = m->stats;
  std::string out = FormatNumber(s.mean);
  if (s.ci95_low.has_value()) {
    absl::StrAppend(&out, " [", FormatNumber(s.ci95_low), ", ", FormatNumber(s.ci95_high), "]");
  }
  if (s.nulls > 0) absl::StrAppend(&out, " (", s.nulls, " never)");
  return out;
}

namespace {

bool VariesStrategy(const SweepSummary& summary) {
  const auto& params = summary.plan.parameters;
  return std::any_of(params.begin(), params.end(),
                     [](const SweepParameter& p) { return p.key == "repair.strategy"; });
}

}  // namespace

std::vector<Chart> StrategyCharts(const SweepSummary& summary, const std::string& scenario) {
  std::vector<Chart> charts;
  if (!VariesStrategy(summary)) return charts;
  for (const auto& [path, heading] : StrategyColumns()) {
    Chart c;
    // A sweep over the strategy alone names each bar by its strategy.
    const bool alone = summary.plan.parameters.size() == 1;
    c.title = absl::StrCat(scenario, ": ", heading, alone ? " by strategy" : " by point",
                           " (mean, 95% CI)");
    c.x.label = alone ? "repair.strategy" : "parameter point";
    c.y.label = heading;
    c.style = Chart::Style::kBars;
    ChartSeries series{"mean, 95% CI", {}};
    for (size_t i = 0; i < summary.points.size(); ++i) {
      const PointSummary& p = summary.points[i];
      c.x_categories.push_back(alone && p.assignments.size() == 1 ? p.assignments[0].second
                                                                  : p.name);
      const MetricSummary* m = FindMetric(p, path);
      ChartPoint point{static_cast<double>(i), std::nan(""), {}, {}};
      if (m != nullptr && m->stats.mean.has_value()) {
        point.y = *m->stats.mean;
        if (m->stats.ci95_low.has_value() && m->stats.ci95_high.has_value()) {
          point.lo = m->stats.ci95_low;
          point.hi = m->stats.ci95_high;
        }
      }
      series.points.push_back(point);
    }
    // Means two orders of magnitude apart (control bytes: trees against coded symbols) read
    // better on a log axis (the chart falls back to linear when a value is not positive).
    double lo = INFINITY, hi = 0;
    for (const ChartPoint& p : series.points) {
      if (std::isfinite(p.y)) {
        lo = std::min(lo, p.y);
        hi = std::max(hi, p.y);
      }
    }
    c.y.log = lo > 0 && hi > 100 * lo;
    c.series.push_back(std::move(series));
    if (HasData(c)) charts.push_back(std::move(c));
  }
  return charts;
}

std::optional<StrategyTable> StrategyComparison(const SweepSummary& summary) {
  if (!VariesStrategy(summary)) return std::nullopt;
  StrategyTable t;
  t.header = {"point", "runs"};
  for (const auto& [path, heading] : StrategyColumns()) t.header.push_back(heading);
  for (const PointSummary& p : summary.points) {
    std::vector<std::string> row = {p.name, absl::StrCat(p.completed, " of ", p.planned)};
    for (const auto& [path, heading] : StrategyColumns()) {
      row.push_back(MeanWithInterval(FindMetric(p, path)));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace dsim::analysis
