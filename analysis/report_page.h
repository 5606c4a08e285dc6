// The pages of `dsim report`: DIR/index.html and DIR/report.md, one section per input with its
// description, notes, plots (PNG linking to SVG, from DIR/plots/) and summary tables (a run's
// metrics; per point of a sweep, the statistics over seeds), metrics under `prefixes` only. A
// sweep over repair.strategy opens its tables with the strategy table (report_strategies.h).
//
//   RETURN_IF_ERROR(WriteReportPages(dir, inputs, sections, set.charts(), prefixes));
#ifndef DSIM_ANALYSIS_REPORT_PAGE_H_
#define DSIM_ANALYSIS_REPORT_PAGE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "analysis/chart.h"
#include "analysis/report_charts.h"
#include "analysis/report_input.h"

namespace dsim::analysis {

// The one-sentence description of an input ("Run of scenario ..., seed ...").
std::string DescribeInput(const ReportInput& in);

// REQUIRES: sections.size() == inputs.size(), and their chart indexes are into `charts`.
// Errors: Unavailable when a page cannot be written (each is written atomically).
[[nodiscard]] absl::Status WriteReportPages(const std::string& dir,
                                            const std::vector<ReportInput>& inputs,
                                            const std::vector<ReportSection>& sections,
                                            const std::vector<Chart>& charts,
                                            const std::vector<std::string>& prefixes);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_REPORT_PAGE_H_
