// Charts as data, drawn by gnuplot: a Chart (title, axes, series of points with optional error
// bars, shaded x ranges for fault windows, vertical markers) becomes a data file and a gnuplot
// script that writes NAME.png and NAME.svg; RenderCharts runs one gnuplot child process per chart
// and fails when gnuplot exits non-zero or prints anything on stderr (warnings included), so a
// report never silently contains a broken plot.
//
// Charts are made for a light background: white canvas, a fixed colour-blind-aware palette,
// light grey grid, labelled axes. Degenerate ranges (one x value, constant y) are widened here
// rather than left to gnuplot's warnings.
//
//   Chart c;
//   c.name = "latency"; c.title = "relay latency"; c.x.label = "time (s)"; c.y.label = "s";
//   c.series.push_back({"p99", {{0.0, 0.004}, {1.0, 0.005}}});
//   absl::Status st = RenderCharts("out/report/plots", {c}, /*jobs=*/2);
#ifndef DSIM_ANALYSIS_CHART_H_
#define DSIM_ANALYSIS_CHART_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dsim::analysis {

struct ChartPoint {
  double x = 0;
  double y = 0;                  // NaN: no value (a gap)
  std::optional<double> lo, hi;  // error bar (both or neither)
};

struct ChartSeries {
  std::string title;
  std::vector<ChartPoint> points;
};

struct ChartAxis {
  std::string label;  // with the unit: "time (s)"
  bool log = false;   // only honoured when every value is > 0
};

struct Chart {
  enum class Style { kLines, kLinesPoints, kErrorLines, kBars };
  std::string name;  // file stem: [A-Za-z0-9._-]
  std::string title;
  ChartAxis x, y;
  // Non-empty: a categorical x axis; point.x is the category index.
  std::vector<std::string> x_categories;
  Style style = Style::kLines;
  std::vector<ChartSeries> series;
  struct Shade {
    double from = 0, to = 0;
    std::string label;
  };
  std::vector<Shade> shades;  // x ranges drawn behind the data (fault windows)
  struct Marker {
    double at = 0;
    std::string label;
  };
  std::vector<Marker> markers;  // vertical dashed lines (instant faults)
  struct Note {
    double x = 0;
    std::optional<double> y;  // nullopt: near the bottom of the plot
    std::string text;
  };
  std::vector<Note> notes;  // small red text at data points ("1/4 null")
};

// True when some series has at least one finite y.
bool HasData(const Chart& chart);

// The data file (series as gnuplot index blocks: x, y, lo, hi).
std::string ChartData(const Chart& chart);
// The script; `png_terminal` is "pngcairo" or "png".
std::string ChartScript(const Chart& chart, const std::string& png_terminal);

// "pngcairo" when this gnuplot has it, else "png". Errors: Unavailable when gnuplot cannot run.
[[nodiscard]] absl::StatusOr<std::string> DetectPngTerminal();

// Writes NAME.dat and NAME.gp into `dir` for every chart and runs gnuplot there (up to `jobs`
// at once). Errors: Unavailable naming each chart whose gnuplot failed or printed to stderr, with
// what it printed.
[[nodiscard]] absl::Status RenderCharts(const std::string& dir, const std::vector<Chart>& charts,
                                        size_t jobs);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_CHART_H_
