// End-to-end test of `dsim report`: PNG and SVG plots and index.html for a sweep and a run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/analysis/test_util.h"

namespace dsim::analysis::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(ReportCommand, WritesPngSvgAndIndexForASweepAndARun) {
  const std::string dir = FreshDir("report");
  // 40000 deliveries take the run past the partition at 1 s, so fault windows are in range.
  CommandResult s =
      Dsim({"sweep", kQuickstart, "--seeds", "1..3", "--set", "workload.relay.deliveries=40000",
            "--set", "network.link.loss=0.01,0.05", "--quiet", "--out", dir + "/sweep"},
           dir);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  ASSERT_EQ(Dsim({"run", kQuickstart, "--quiet", "--set", "workload.relay.deliveries=40000",
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

}  // namespace
}  // namespace dsim::analysis::test
