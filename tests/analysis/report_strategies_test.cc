#include "analysis/report_strategies.h"

#include <gtest/gtest.h>

#include "analysis/stats.h"

namespace dsim::analysis {
namespace {

PointSummary Point(const std::string& name, double over_streaming_a, double over_streaming_b) {
  PointSummary p;
  p.name = name;
  p.assignments = {{"repair.strategy", name.substr(name.find('=') + 1)}};
  p.planned = p.completed = 2;
  p.metrics["repair.over_streaming.partitions"] =
      MetricSummary{"ratio", Summarize({over_streaming_a, over_streaming_b})};
  p.metrics["convergence.time"] = MetricSummary{"s", Summarize({1.5, std::nullopt})};
  return p;
}

TEST(ReportStrategiesTest, OneRowPerPointWithMeansAndIntervalsOnlyForStrategySweeps) {
  SweepSummary s;
  s.plan.parameters = {{"repair.strategy", {"merkle", "row_level"}}};
  s.points = {Point("repair.strategy=merkle", 5, 7), Point("repair.strategy=row_level", 1, 1)};
  const std::optional<StrategyTable> t = StrategyComparison(s);
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->header.size(), 2 + StrategyColumns().size());
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0][0], "repair.strategy=merkle");
  EXPECT_EQ(t->rows[0][1], "2 of 2");
  // Mean 6, stddev sqrt(2), t(0.975, 1) = 12.706: 6 -/+ 12.706 * sqrt(2) / sqrt(2).
  EXPECT_EQ(t->rows[0][2],
            MeanWithInterval(&s.points[0].metrics["repair.over_streaming.partitions"]));
  EXPECT_EQ(t->rows[0][2].substr(0, 1), "6");
  EXPECT_NE(t->rows[0][2].find("-6.706"), std::string::npos) << t->rows[0][2];
  EXPECT_EQ(t->rows[1][2], "1 [1, 1]");
  EXPECT_EQ(t->rows[1][3], "-");  // bytes ratio not in the summary
  EXPECT_EQ(t->rows[1].back(), "1.5 (1 never)");

  s.plan.parameters = {{"network.link.loss", {"0", "0.1"}}};
  EXPECT_FALSE(StrategyComparison(s).has_value());
}

TEST(ReportStrategiesTest, ChartsAreBarsOfTheTableColumnsWithIntervals) {
  SweepSummary s;
  s.plan.parameters = {{"repair.strategy", {"merkle", "row_level"}}};
  s.points = {Point("repair.strategy=merkle", 5, 7), Point("repair.strategy=row_level", 1, 1)};
  const std::vector<Chart> charts = StrategyCharts(s, "few");
  // Only the columns with values: over-streaming (partitions) and convergence time.
  ASSERT_EQ(charts.size(), 2u);
  const Chart& c = charts[0];
  EXPECT_EQ(c.style, Chart::Style::kBars);
  EXPECT_EQ(c.x_categories, (std::vector<std::string>{"merkle", "row_level"}));
  EXPECT_EQ(c.x.label, "repair.strategy");
  ASSERT_EQ(c.series.size(), 1u);
  ASSERT_EQ(c.series[0].points.size(), 2u);
  const MetricSummary& m = s.points[0].metrics["repair.over_streaming.partitions"];
  EXPECT_EQ(c.series[0].points[0].y, 6.0);
  EXPECT_EQ(c.series[0].points[0].lo, m.stats.ci95_low);
  EXPECT_EQ(c.series[0].points[0].hi, m.stats.ci95_high);
  EXPECT_EQ(c.series[0].points[1].y, 1.0);
  EXPECT_NE(c.title.find("few: moved / minimum (partitions)"), std::string::npos) << c.title;
  // The chart's script draws the intervals over the bars.
  EXPECT_NE(ChartScript(c, "png").find("with yerrorbars"), std::string::npos);
  EXPECT_NE(ChartScript(c, "png").find("with boxes"), std::string::npos);

  s.plan.parameters = {{"network.link.loss", {"0", "0.1"}}};
  EXPECT_TRUE(StrategyCharts(s, "few").empty());
}

}  // namespace
}  // namespace dsim::analysis
