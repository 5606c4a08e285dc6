// dsim report: loads run and sweep directories (analysis/report_input.h), chooses their charts
// (analysis/report_charts.h), renders them with gnuplot (analysis/chart.h) and writes
// index.html and report.md (analysis/report_page.h).
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "analysis/chart.h"
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/report_charts.h"
#include "analysis/report_input.h"
#include "analysis/report_page.h"
#include "analysis/subprocess.h"

namespace dsim::cli {
namespace {

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

}  // namespace

int ReportCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> a = ParseCommandArgs(ReportSpec(), args, out, err, &code);
  if (!a) return code;
  const CommandError fail{"report", err};
  if (!a->Has("out")) return fail(kExitUsage, "--out DIR is required");
  size_t jobs = analysis::AvailableCpus();
  if (std::optional<std::string> j = a->Get("jobs")) {
    if (!absl::SimpleAtoi(*j, &jobs) || jobs < 1 || jobs > 256) {
      return fail(kExitUsage, absl::StrCat("--jobs ", *j, ": expected an integer in [1, 256]"));
    }
  }
  const std::vector<std::string> prefixes = a->GetAll("metric");
  const std::string dir = *a->Get("out");

  std::vector<analysis::ReportInput> inputs;
  for (const std::string& p : a->positional) {
    absl::StatusOr<analysis::ReportInput> in = analysis::LoadReportInput(p);
    if (!in.ok()) return fail(kExitUsage, std::string(in.status().message()));
    inputs.push_back(std::move(*in));
  }
  analysis::ChartSet set;
  std::vector<analysis::ReportSection> sections;
  for (size_t i = 0; i < inputs.size(); ++i) {
    analysis::ReportSection section;
    section.title = absl::StrCat(i + 1, ". ", inputs[i].results.sweep ? "Sweep " : "Run ",
                                 inputs[i].results.dir);
    analysis::AddCharts(inputs[i], absl::StrCat("s", i + 1), prefixes, &set, &section);
    sections.push_back(std::move(section));
  }

  const std::string plots = absl::StrCat(dir, "/plots");
  std::error_code ec;
  std::filesystem::create_directories(plots, ec);
  if (ec) return fail(kExitIo, absl::StrCat(plots, ": cannot create directory: ", ec.message()));
  absl::Status st = analysis::RenderCharts(plots, set.charts(), jobs);
  if (!st.ok()) return fail(kExitIo, absl::StrCat("gnuplot failed:\n", st.message()));
  st = analysis::WriteReportPages(dir, inputs, sections, set.charts(), prefixes);
  if (!st.ok()) return fail(kExitIo, std::string(st.message()));
  std::fprintf(out, "report: %s/index.html, %s/report.md, %zu plots (PNG and SVG) in %s\n",
               dir.c_str(), dir.c_str(), set.charts().size(), plots.c_str());
  return kExitOk;
}

}  // namespace dsim::cli
