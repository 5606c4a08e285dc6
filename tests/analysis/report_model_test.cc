#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analysis/chart.h"
#include "analysis/report.h"
#include "analysis/run_results.h"

namespace dsim::analysis {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The windows as results.json's faults_applied records them (sim/results.h): the fault schedule
// already resolved which heal ended which fault.
TEST(FaultMarks, WindowsFromAppliedFaultsHealsAndRunEnd) {
  nlohmann::json results = nlohmann::json::parse(R"({
    "seed": 1, "scenario": {}, "metrics": {}, "simulated_time_ns": 8000000000,
    "faults_applied": [
      {"index": 0, "kind": "partition", "name": "split", "start_ns": 1000000000,
       "end_ns": 3000000000},
      {"index": 1, "kind": "clock_jump", "node": 5, "start_ns": 1500000000},
      {"index": 2, "kind": "cut_link", "name": "cut", "start_ns": 4000000000,
       "end_ns": 5000000000},
      {"index": 3, "kind": "heal", "start_ns": 5000000000},
      {"index": 4, "kind": "degrade_link", "start_ns": 6000000000, "end_ns": null}
    ]})");
  absl::StatusOr<RunResults> r = RunResultsFromJson(results, "results.json", "run");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->faults_applied.has_value());
  FaultMarks m = FaultMarksFromApplied(*r->faults_applied, r->simulated_time_s);
  ASSERT_EQ(m.windows.size(), 3u);
  EXPECT_EQ(m.windows[0].from, 1.0);
  EXPECT_EQ(m.windows[0].to, 3.0);
  EXPECT_EQ(m.windows[0].label, "split");
  EXPECT_EQ(m.windows[1].from, 4.0);
  EXPECT_EQ(m.windows[1].to, 5.0);  // healed by name
  EXPECT_EQ(m.windows[2].from, 6.0);
  EXPECT_EQ(m.windows[2].to, 8.0);  // never healed: until the end of the run
  EXPECT_EQ(m.windows[2].label, "degrade_link");
  ASSERT_EQ(m.instants.size(), 1u);
  EXPECT_EQ(m.instants[0].at, 1.5);
  EXPECT_EQ(m.instants[0].label, "clock_jump node 5");
  EXPECT_TRUE(FaultMarksFromApplied({}, 1.0).windows.empty());

  // A results.json from before faults_applied has none; a malformed entry is an error.
  results.erase("faults_applied");
  EXPECT_FALSE(RunResultsFromJson(results, "results.json", "run")->faults_applied.has_value());
  results["faults_applied"] = nlohmann::json::parse(R"([{"index": 0, "kind": "partition"}])");
  r = RunResultsFromJson(results, "results.json", "run");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("results.json: faults_applied[0]: needs start_ns"));
}

TEST(ParameterNumber, ReadsNumbersDurationsSizesAndPercentages) {
  EXPECT_EQ(ParameterNumber("0.05"), std::make_pair(0.05, std::string()));
  EXPECT_EQ(ParameterNumber("10ms"), std::make_pair(0.01, std::string("s")));
  EXPECT_EQ(ParameterNumber("\"250us\""), std::make_pair(0.00025, std::string("s")));
  EXPECT_EQ(ParameterNumber("64KiB"), std::make_pair(65536.0, std::string("bytes")));
  EXPECT_EQ(ParameterNumber("5%"), std::make_pair(0.05, std::string()));
  EXPECT_EQ(ParameterNumber("uniform"), std::nullopt);
}

TEST(MetricGroups, FindsPercentilesAndComparisons) {
  std::vector<MetricGroup> g =
      FindMetricGroups({"bloom.fp.configured", "bloom.fp.observed", "bloom.fp.theoretical",
                        "relay.dropped", "relay.latency.max", "relay.latency.mean",
                        "relay.latency.min", "relay.latency.p50", "relay.latency.p99"});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].kind, MetricGroup::Kind::kComparison);
  EXPECT_EQ(g[0].prefix, "bloom.fp");
  EXPECT_THAT(g[0].leaves, ElementsAre("observed", "configured", "theoretical"));
  EXPECT_EQ(g[1].kind, MetricGroup::Kind::kPercentiles);
  EXPECT_EQ(g[1].prefix, "relay.latency");
  EXPECT_THAT(g[1].leaves, ElementsAre("min", "p50", "p99", "max"));
  EXPECT_TRUE(FindMetricGroups({"a.p50", "a.max", "b.observed"}).empty());
}

TEST(Chart, ScriptWritesPngAndSvgWithShadedFaults) {
  Chart c;
  c.name = "ts";
  c.title = "divergent \"cells\"";
  c.x.label = "simulated time (s)";
  c.y.label = "cells";
  c.series.push_back(
      {"divergent_cells", {{0, 5, {}, {}}, {1, 7, {}, {}}, {2, std::nan(""), {}, {}}}});
  c.shades.push_back({0.5, 1.5, "split"});
  c.markers.push_back({1.2, "clock_jump"});
  const std::string script = ChartScript(c, "pngcairo");
  EXPECT_THAT(script, HasSubstr("set terminal pngcairo"));
  EXPECT_THAT(script, HasSubstr("set output \"ts.png\""));
  EXPECT_THAT(script, HasSubstr("set terminal svg"));
  EXPECT_THAT(script, HasSubstr("set output \"ts.svg\""));
  EXPECT_THAT(script, HasSubstr("background rgb \"white\""));
  EXPECT_THAT(script, HasSubstr("rect from first 0.5, graph 0 to first 1.5, graph 1"));
  EXPECT_THAT(script, HasSubstr("set xlabel \"simulated time (s)\""));
  EXPECT_THAT(script, HasSubstr("set title \"divergent \\\"cells\\\"\""));
  EXPECT_THAT(ChartData(c), HasSubstr("2\tNaN\t"));

  Chart empty;
  empty.series.push_back({"x", {{0, std::nan(""), {}, {}}}});
  EXPECT_FALSE(HasData(empty));
}

TEST(Chart, ConstantSeriesGetAnExplicitRange) {
  Chart c;
  c.name = "flat";
  c.series.push_back({"zero", {{0, 0, {}, {}}, {1, 0, {}, {}}}});
  EXPECT_THAT(ChartScript(c, "png"), HasSubstr("set yrange [-1:1]"));
}

}  // namespace
}  // namespace dsim::analysis
