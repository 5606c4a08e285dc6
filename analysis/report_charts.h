// The charts of `dsim report` (the rules are in analysis/report.h): for each input, its section's
// charts, collected in one ChartSet that gives every chart a unique file name.
//
//   ChartSet set;
//   ReportSection s = AddCharts(input, "s1", prefixes, &set);  // s.charts index set.charts()
#ifndef DSIM_ANALYSIS_REPORT_CHARTS_H_
#define DSIM_ANALYSIS_REPORT_CHARTS_H_

#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "analysis/chart.h"
#include "analysis/report_input.h"

namespace dsim::analysis {

// The part of the report about one input.
struct ReportSection {
  std::string title;
  std::vector<size_t> charts;  // indexes into ChartSet::charts()
};

class ChartSet {
 public:
  // Adds a chart when it has data (HasData), naming it from `stem` ([A-Za-z0-9._-], at most 80
  // characters; "-2", "-3", ... when the name is taken), and lists it in `section`.
  void Add(Chart c, const std::string& stem, ReportSection* section);
  const std::vector<Chart>& charts() const { return charts_; }

 private:
  std::vector<Chart> charts_;
  absl::btree_set<std::string> names_;
};

// The charts of input `in` (a run or a sweep) with metrics under `prefixes` (all when empty);
// chart names start with `id`. A sweep may add notes to `in` (metrics left out).
void AddCharts(ReportInput& in, const std::string& id, const std::vector<std::string>& prefixes,
               ChartSet* set, ReportSection* section);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_REPORT_CHARTS_H_
