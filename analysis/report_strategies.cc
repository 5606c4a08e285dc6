#include "analysis/report_strategies.h"

#include <algorithm>

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

std::optional<StrategyTable> StrategyComparison(const SweepSummary& summary) {
  const auto& params = summary.plan.parameters;
  const bool varies = std::any_of(params.begin(), params.end(), [](const SweepParameter& p) {
    return p.key == "repair.strategy";
  });
  if (!varies) return std::nullopt;
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
