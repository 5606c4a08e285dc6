// End-to-end test of `dsim report`: PNG and SVG plots and index.html for a sweep and a run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "analysis/summary.h"
#include "analysis/sweep_plan.h"
#include "tests/analysis/test_util.h"

namespace dsim::analysis::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(ReportCommand, WritesPngSvgAndIndexForASweepAndARun) {
  TestDir tmp("report");
  const std::string& dir = tmp.path();
  // 40000 deliveries take the run past the partition at 1 s, so fault windows are in range.
  CommandResult s = Dsim(
      {"sweep", kRelayQuickstart, "--seeds", "1..3", "--set", "workload.relay.deliveries=40000",
       "--set", "network.link.loss=0.01,0.05", "--quiet", "--out", dir + "/sweep"},
      dir);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  ASSERT_EQ(Dsim({"run", kRelayQuickstart, "--quiet", "--set", "workload.relay.deliveries=40000",
                  "--out", dir + "/run"},
                 dir)
                .exit_code,
            0);
  CommandResult r = Dsim({"report", dir + "/sweep", dir + "/run", "--out", dir + "/report"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // gnuplot printed nothing: the command fails on any gnuplot stderr
  EXPECT_THAT(r.out, HasSubstr("report: " + dir + "/report/index.html"));

  const std::string html = Slurp(dir + "/report/index.html");
  const std::string md = Slurp(dir + "/report/report.md");
  ASSERT_FALSE(html.empty());
  ASSERT_FALSE(md.empty());
  EXPECT_THAT(html, HasSubstr("Point network.link.loss=0.05: 3 of 3 runs"));
  EXPECT_THAT(html, HasSubstr("<td>relay.latency.mean</td>"));

  size_t charts = 0;
  for (const auto& e : fs::directory_iterator(dir + "/report/plots")) {
    if (e.path().extension() != ".gp") continue;
    ++charts;
    const std::string stem = e.path().stem().string();
    const std::string png = Slurp(dir + "/report/plots/" + stem + ".png");
    const std::string svg = Slurp(dir + "/report/plots/" + stem + ".svg");
    EXPECT_GT(png.size(), 1000u) << stem;
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << stem;
    EXPECT_THAT(svg, HasSubstr("<svg")) << stem;
    EXPECT_THAT(svg, HasSubstr("</svg>")) << stem;
    EXPECT_THAT(html, HasSubstr("plots/" + stem + ".png")) << stem;
    EXPECT_THAT(md, HasSubstr("plots/" + stem + ".png")) << stem;
  }
  EXPECT_GE(charts, 10u);
  // The expected kinds of chart: a metric against the swept parameter (with CI bars), latency
  // percentiles, time series per point and, for the run, grouped time series with the partition
  // (1 s to 3 s) shaded.
  const std::string plots = dir + "/report/plots/";
  EXPECT_THAT(Slurp(plots + "s1-relay.latency.mean-vs-network.link.loss.gp"),
              HasSubstr("yerrorlines"));
  EXPECT_TRUE(fs::exists(plots + "s1-relay.latency.png"));
  EXPECT_TRUE(fs::exists(plots + "s2-relay.latency.svg"));
  EXPECT_THAT(Slurp(plots + "s1-ts-relay_delivered.gp"),
              HasSubstr("rect from first 1, graph 0 to first 3, graph 1"));
  EXPECT_THAT(Slurp(plots + "s2-ts-relay-count.gp"),
              HasSubstr("rect from first 1, graph 0 to first 3, graph 1"));
  EXPECT_THAT(Slurp(plots + "s2-ts-relay-count.gp"),
              HasSubstr("set xlabel \"simulated time (s)\""));

  CommandResult bad = Dsim({"report", dir, "--out", dir + "/report2"}, dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("neither a run directory"));
}

// A synthetic sweep with the metrics and columns the cluster layer will write (convergence time,
// null when a run never converges; over-streaming; Bloom filter false positives; HLL error;
// divergent cells over time): their plots appear without any code knowing these names.
TEST(ReportCommand, PlotsClusterMetricsWhenTheyExist) {
  TestDir tmp("report_cluster");
  const std::string& dir = tmp.path();
  const std::string sweep = dir + "/sweep";
  SweepPlan plan = *BuildPlan({"repair.merkle_depth=8,12,16"}, 1, 4);
  plan.scenario_file = "cluster.toml";
  plan.scenario_name = "cluster";
  plan.scenario_digest = "0x0000000000000001";
  std::filesystem::create_directories(sweep);
  std::ofstream(sweep + "/sweep.json") << PlanToJson(plan).dump(2);
  for (uint64_t i = 0; i < plan.run_count(); ++i) {
    const std::string run = sweep + "/" + plan.RunDir(i);
    std::filesystem::create_directories(run);
    const double depth = 8 + 4 * static_cast<double>(plan.PointOf(i));
    const uint64_t seed = plan.SeedOf(i);
    auto leaf = [](nlohmann::json v, const char* unit) {
      return nlohmann::json{{"value", v}, {"unit", unit}};
    };
    nlohmann::json metrics;
    // Deep trees converge; the shallowest never does for seed 4.
    metrics["convergence"]["time"] =
        leaf(depth == 8 && seed == 4 ? nlohmann::json(nullptr)
                                     : nlohmann::json(30.0 / depth + 0.1 * seed),
             "s");
    metrics["repair"]["over_streaming"]["ratio"] = leaf(64.0 / depth + 0.01 * seed, "ratio");
    metrics["bloom"]["fp"]["observed"] = leaf(0.011 + 0.0001 * seed, "ratio");
    metrics["bloom"]["fp"]["configured"] = leaf(0.01, "ratio");
    metrics["bloom"]["fp"]["theoretical"] = leaf(0.0102, "ratio");
    metrics["hll"]["error"]["mean"] = leaf(0.008 + 0.001 * seed, "ratio");
    nlohmann::json results = {
        {"dsim_version", "test"},
        {"seed", seed},
        {"trace_hash", "0x0"},
        {"simulated_time_ns", 4'000'000'000},
        {"stop_reason", "duration"},
        {"scenario",
         {{"simulation", {{"name", "cluster"}}},
          {"faults",
           {{{"action", "partition"}, {"name", "split"}, {"at", "1s"}, {"duration", "1500ms"}}}}}},
        // The partition as the run applied it (sim/results.h): the report shades this window.
        {"faults_applied", nlohmann::json::parse(R"([{"index": 0, "kind": "partition",
           "name": "split", "start_ns": 1000000000, "end_ns": 2500000000}])")},
        {"metrics", metrics}};
    std::ofstream(run + "/results.json") << results.dump(2);
    std::ofstream ts(run + "/timeseries.csv");
    ts << "time_s,divergent_cells\n";
    for (int t = 0; t <= 40; ++t) {
      const double s = t / 10.0;
      ts << s << ","
         << (s < 1     ? 0
             : s < 2.5 ? (s - 1) * 100
                       : std::max(0.0, 150 - (s - 2.5) * depth * 10))
         << "\n";
    }
  }
  CommandResult sum = Dsim({"summarize", sweep}, dir);
  ASSERT_EQ(sum.exit_code, 0) << sum.err;
  // The run that never converged is counted, not averaged as zero.
  absl::StatusOr<SweepSummary> summary = LoadSummary(sweep);
  ASSERT_TRUE(summary.ok()) << summary.status();
  const Summary& conv = summary->points[0].metrics.at("convergence.time").stats;
  EXPECT_EQ(conv.count, 3u);
  EXPECT_EQ(conv.nulls, 1u);
  EXPECT_NEAR(*conv.mean, 30.0 / 8 + 0.2, 1e-12);  // seeds 1..3 only

  CommandResult r = Dsim(
      {"report", sweep, sweep + "/runs/repair.merkle_depth=12/seed-1", "--out", dir + "/report"},
      dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string plots = dir + "/report/plots/";
  for (const char* chart : {"s1-convergence.time-vs-repair.merkle_depth",
                            "s1-repair.over_streaming.ratio-vs-repair.merkle_depth",
                            "s1-hll.error.mean-vs-repair.merkle_depth", "s1-bloom.fp",
                            "s1-ts-divergent_cells", "s2-bloom.fp", "s2-ts-divergent-count"}) {
    SCOPED_TRACE(chart);
    EXPECT_GT(std::filesystem::file_size(plots + chart + ".png"), 1000u);
    EXPECT_GT(std::filesystem::file_size(plots + chart + ".svg"), 1000u);
  }
  EXPECT_THAT(Slurp(plots + "s1-ts-divergent_cells.gp"),
              HasSubstr("rect from first 1, graph 0 to first 2.5, graph 1"));
  EXPECT_THAT(Slurp(plots + "s1-convergence.time-vs-repair.merkle_depth.gp"),
              HasSubstr("\"1/4 null\" at first 8,"));
  EXPECT_THAT(Slurp(plots + "s1-bloom.fp.dat"), HasSubstr("# configured"));
  EXPECT_THAT(Slurp(plots + "s2-bloom.fp.gp"), HasSubstr("with boxes"));
  EXPECT_THAT(Slurp(dir + "/report/index.html"),
              HasSubstr("<td>convergence.time</td><td>s</td><td>3</td><td>1</td>"));
}

}  // namespace
}  // namespace dsim::analysis::test
