#include "analysis/chart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/subprocess.h"
#include "analysis/text_table.h"
#include "engine/check.h"
#include "sim/results.h"

namespace dsim::analysis {
namespace {

// Tableau 10: distinct on white, reasonably colour-blind-aware.
constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22"};
constexpr char kSize[] = "size 960,540";

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string Num(double v) { return std::isfinite(v) ? ExactNumber(v) : "NaN"; }

bool Finite(const ChartPoint& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// The range of finite values, widened when degenerate so gnuplot never has to.
struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

std::string RangeCommand(const char* axis, const Range& r, bool log) {
  if (r.empty() || r.lo < r.hi) return "";
  const double v = r.lo;
  double pad = std::fabs(v) * 0.1;
  if (pad == 0) pad = 1;
  double lo = v - pad;
  if (log) lo = v / 2;
  return absl::StrCat("set ", axis, "range [", Num(lo), ":", Num(v + pad), "]\n");
}

}  // namespace

bool HasData(const Chart& chart) {
  for (const ChartSeries& s : chart.series) {
    for (const ChartPoint& p : s.points) {
      if (Finite(p)) return true;
    }
  }
  return false;
}

std::string ChartData(const Chart& chart) {
  std::string out;
  bool first = true;
  for (const ChartSeries& s : chart.series) {
    if (!first) out += "\n\n";
    first = false;
    absl::StrAppend(&out, "# ", s.title, "\n");
    for (const ChartPoint& p : s.points) {
      absl::StrAppend(&out, Num(p.x), "\t", Num(p.y), "\t", Num(p.lo.value_or(p.y)), "\t",
                      Num(p.hi.value_or(p.y)), "\n");
    }
  }
  return out;
}

namespace {

// The x and y ranges, log scales, categorical tics and margins.
std::string AxesCommands(const Chart& chart) {
  Range xr, yr;
  bool x_positive = true, y_positive = true;
  for (const ChartSeries& s : chart.series) {
    for (const ChartPoint& p : s.points) {
      if (!Finite(p)) continue;
      xr.Add(p.x);
      yr.Add(p.y);
      if (p.lo) yr.Add(*p.lo);
      if (p.hi) yr.Add(*p.hi);
      x_positive = x_positive && p.x > 0;
      y_positive = y_positive && p.y > 0 && (!p.lo || *p.lo > 0);
    }
  }
  const bool categorical = !chart.x_categories.empty();
  const bool xlog = chart.x.log && x_positive && !categorical;
  const bool ylog = chart.y.log && y_positive;
  std::string body;
  if (xlog) body += "set logscale x\n";
  if (ylog) body += "set logscale y\n";
  if (categorical) {
    std::vector<std::string> tics;
    for (size_t i = 0; i < chart.x_categories.size(); ++i) {
      tics.push_back(absl::StrCat(Quote(chart.x_categories[i]), " ", i));
    }
    absl::StrAppend(&body, "set xtics (", absl::StrJoin(tics, ", "), ")",
                    chart.x_categories.size() > 4 ? " rotate by -30" : "", "\n");
    absl::StrAppend(&body,
                    "set xrange [-0.5:", Num(static_cast<double>(chart.x_categories.size()) - 0.5),
                    "]\n");
  } else {
    body += RangeCommand("x", xr, xlog);
  }
  if (chart.style == Chart::Style::kBars && !yr.empty() && yr.lo >= 0 && !ylog) {
    // Bars start at zero, or their lengths lie.
    body += absl::StrCat("set yrange [0:", yr.hi > 0 ? "*" : "1", "]\n");
  } else {
    body += RangeCommand("y", yr, ylog);
  }
  // Room around the data so points and error bars do not sit on the border.
  if (chart.style == Chart::Style::kBars) {
    body += "set offsets 0, 0, graph 0.05, 0\n";
  } else if (categorical || chart.style == Chart::Style::kLines) {
    body += "set offsets 0, 0, graph 0.05, graph 0.05\n";
  } else {
    body += "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n";
  }
  return body;
}

// Shaded fault windows, instant markers and notes.
std::string DecorationCommands(const Chart& chart) {
  std::string body;
  int object = 1;
  for (const Chart::Shade& s : chart.shades) {
    absl::StrAppend(&body, "set object ", object++, " rect from first ", Num(s.from),
                    ", graph 0 to first ", Num(s.to),
                    ", graph 1 behind fc rgb \"#f6d5d5\" fs solid 0.6 noborder\n");
    absl::StrAppend(&body, "set label ", Quote(s.label), " at first ", Num(s.from),
                    ", graph 0.97 offset 0.5,0 ", "font \",8\" tc rgb \"#a33\" front\n");
  }
  for (const Chart::Marker& m : chart.markers) {
    absl::StrAppend(&body, "set arrow from first ", Num(m.at), ", graph 0 to first ", Num(m.at),
                    ", graph 1 nohead dt 2 lw 1 lc rgb \"#888888\" back\n");
    absl::StrAppend(&body, "set label ", Quote(m.label), " at first ", Num(m.at),
                    ", graph 0.92 offset 0.5,0 ", "font \",8\" tc rgb \"#555555\" front\n");
  }
  for (const Chart::Note& n : chart.notes) {
    absl::StrAppend(&body, "set label ", Quote(n.text), " at first ", Num(n.x), ", ",
                    n.y.has_value() ? absl::StrCat("first ", Num(*n.y)) : "graph 0.05",
                    " offset 0.8,0.8 font \",8\" tc rgb \"#a33\" front\n");
  }
  return body;
}

// The plot command: one clause per series with data.
std::string PlotCommand(const Chart& chart) {
  std::vector<std::string> plots;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const ChartSeries& s = chart.series[i];
    if (std::none_of(s.points.begin(), s.points.end(), Finite)) continue;
    std::string how;
    switch (chart.style) {
      case Chart::Style::kLines:
        how = "using 1:2 with lines";
        break;
      case Chart::Style::kLinesPoints:
        how = "using 1:2 with linespoints";
        break;
      case Chart::Style::kErrorLines:
        how = "using 1:2:3:4 with yerrorlines";
        break;
      case Chart::Style::kBars:
        how = "using 1:2 with boxes";
        break;
    }
    plots.push_back(absl::StrCat(plots.empty() ? Quote(chart.name + ".dat") : "''", " index ", i,
                                 " ", how, " lt ", (i % std::size(kPalette)) + 1, " title ",
                                 Quote(s.title)));
    // Bars with intervals carry them as error bars on top.
    if (chart.style == Chart::Style::kBars &&
        std::any_of(s.points.begin(), s.points.end(),
                    [](const ChartPoint& p) { return p.lo.has_value(); })) {
      plots.push_back(absl::StrCat("'' index ", i,
                                   " using 1:2:3:4 with yerrorbars lc rgb \"#444444\" pt 0 "
                                   "notitle"));
    }
  }
  DSIM_CHECK(!plots.empty());
  return absl::StrCat("plot ", absl::StrJoin(plots, ", \\\n     "), "\n");
}

}  // namespace

std::string ChartScript(const Chart& chart, const std::string& png_terminal) {
  DSIM_CHECK(HasData(chart));
  std::string body;
  absl::StrAppend(&body, "set title ", Quote(chart.title), "\n", "set xlabel ",
                  Quote(chart.x.label), "\n", "set ylabel ", Quote(chart.y.label), "\n",
                  "set grid xtics ytics lc rgb \"#dddddd\" lw 1 dt 1\n"
                  "set border lc rgb \"#444444\"\n"
                  "set key outside right top box lc rgb \"#cccccc\"\n"
                  "set datafile separator \"\\t\"\n"
                  "set datafile missing \"NaN\"\n");
  for (size_t i = 0; i < std::size(kPalette); ++i) {
    absl::StrAppend(&body, "set linetype ", i + 1, " lc rgb \"", kPalette[i],
                    "\" lw 2 pt 7 ps 0.7\n");
  }
  absl::StrAppend(&body, "set linetype cycle ", std::size(kPalette), "\n");
  body += AxesCommands(chart);
  body += DecorationCommands(chart);
  if (chart.style == Chart::Style::kBars) {
    body += "set boxwidth 0.6\nset style fill solid 0.7 border -1\n";
  }
  body += PlotCommand(chart);

  const std::string png_font = png_terminal == "pngcairo" ? " font \"sans,10\"" : "";
  std::string script =
      absl::StrCat("# ", chart.title, "\n# Generated by dsim report; run `gnuplot ", chart.name,
                   ".gp` in this directory to redraw.\n");
  absl::StrAppend(&script, "set terminal ", png_terminal, " ", kSize, " noenhanced", png_font,
                  " background rgb \"white\"\n", "set output ", Quote(chart.name + ".png"), "\n",
                  body, "set terminal svg ", kSize,
                  " noenhanced font \"sans,10\" background rgb \"white\"\n", "set output ",
                  Quote(chart.name + ".svg"), "\nreplot\nunset output\n");
  return script;
}

absl::StatusOr<std::string> DetectPngTerminal() {
  absl::StatusOr<Finished> f =
      RunChild(ChildSpec{{"gnuplot", "-e", "set terminal pngcairo"}, "", ""});
  if (!f.ok()) return f.status();
  if (f->exit.exit_code == 127) {
    return absl::UnavailableError(
        absl::StrCat("cannot run gnuplot (install gnuplot-nox): ", f->stderr_text));
  }
  return f->exit.ok() && f->stderr_text.empty() ? std::string("pngcairo") : std::string("png");
}

absl::Status RenderCharts(const std::string& dir, const std::vector<Chart>& charts, size_t jobs) {
  absl::StatusOr<std::string> terminal = DetectPngTerminal();
  if (!terminal.ok()) return terminal.status();
  for (const Chart& c : charts) {
    absl::Status st =
        sim::WriteFileAtomically(absl::StrCat(dir, "/", c.name, ".dat"), ChartData(c));
    if (st.ok())
      st = sim::WriteFileAtomically(absl::StrCat(dir, "/", c.name, ".gp"),
                                    ChartScript(c, *terminal));
    if (!st.ok()) return st;
  }
  ProcessPool pool(std::max<size_t>(jobs, 1));
  std::vector<std::string> problems;
  size_t next = 0;
  while (next < charts.size() || pool.running() > 0) {
    while (next < charts.size() && !pool.full()) {
      absl::Status st =
          pool.Start(next, ChildSpec{{"gnuplot", charts[next].name + ".gp"}, dir, ""});
      if (!st.ok()) return st;
      ++next;
    }
    for (const Finished& f : pool.Wait(-1)) {
      if (!f.exit.ok() || !f.stderr_text.empty()) {
        problems.push_back(
            absl::StrCat(dir, "/", charts[f.tag].name, ".gp: gnuplot ", f.exit.Describe(),
                         f.stderr_text.empty() ? "" : absl::StrCat(", stderr:\n", f.stderr_text)));
      }
    }
  }
  if (!problems.empty()) {
    std::sort(problems.begin(), problems.end());
    return absl::UnavailableError(absl::StrJoin(problems, "\n"));
  }
  return absl::OkStatus();
}

}  // namespace dsim::analysis
