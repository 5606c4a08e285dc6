#include "analysis/report_input.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/strings/str_cat.h"
#include "analysis/json_file.h"
#include "analysis/sweep_plan.h"
#include "engine/check.h"

namespace dsim::analysis {
namespace {

constexpr char kNoFaultsApplied[] =
    "fault windows not shown: results.json has no faults_applied (written by an older dsim)";

// The marks of one run; nullopt when its results.json predates faults_applied.
std::optional<FaultMarks> MarksOf(const RunResults& r) {
  if (!r.faults_applied.has_value()) return std::nullopt;
  return FaultMarksFromApplied(*r.faults_applied, r.simulated_time_s);
}

// One point of a sweep: the mean time series of its completed runs, and the fault marks of the
// first one (`has_run` false when none completed).
struct PointData {
  std::optional<TimeseriesData> ts;
  std::optional<FaultMarks> marks;
  bool has_run = false;
};

absl::StatusOr<PointData> LoadPoint(const std::string& dir, const SweepPlan& plan, size_t p) {
  PointData out;
  std::vector<TimeseriesData> runs;
  for (uint64_t s = 0; s < plan.seed_count(); ++s) {
    const std::string run_dir = absl::StrCat(dir, "/", plan.RunDir(p * plan.seed_count() + s));
    if (!FileExists(absl::StrCat(run_dir, "/results.json"))) continue;
    if (!out.has_run) {
      absl::StatusOr<RunResults> r = LoadRunResults(run_dir);
      if (!r.ok()) return r.status();
      out.has_run = true;
      out.marks = MarksOf(*r);
    }
    absl::StatusOr<TimeseriesData> ts = LoadTimeseries(absl::StrCat(run_dir, "/timeseries.csv"));
    if (ts.ok() && !ts->times_s.empty()) runs.push_back(std::move(*ts));
  }
  if (!runs.empty()) out.ts = MeanTimeseries(runs);
  return out;
}

// Per point: the mean time series, and the fault marks (shown only when every point has the
// same).
absl::Status LoadSweepSeries(ReportInput* in) {
  const std::string& dir = in->results.dir;
  absl::StatusOr<SweepPlan> plan = LoadPlan(dir);
  if (!plan.ok()) {
    in->notes.push_back(absl::StrCat("no time series: ", plan.status().message()));
    return absl::OkStatus();
  }
  bool same_faults = true;
  bool missing_faults = false;
  for (size_t p = 0; p < plan->points.size(); ++p) {
    absl::StatusOr<PointData> point = LoadPoint(dir, *plan, p);
    if (!point.ok()) return point.status();
    in->point_ts.push_back(std::move(point->ts));
    if (!point->has_run) continue;
    if (!point->marks.has_value()) {
      missing_faults = true;
    } else if (!in->faults.has_value()) {
      in->faults = point->marks;
    } else if (!(*in->faults == *point->marks)) {
      same_faults = false;
    }
  }
  if (missing_faults) {
    in->faults.reset();
    in->notes.push_back(kNoFaultsApplied);
  } else if (!same_faults) {
    in->faults.reset();
    in->notes.push_back("fault windows differ between points and are not shaded");
  }
  return absl::OkStatus();
}

absl::Status LoadRunSeries(ReportInput* in) {
  const RunResults& run = in->results.run;
  in->faults = MarksOf(run);
  if (!in->faults.has_value()) in->notes.push_back(kNoFaultsApplied);
  const std::string ts_path = absl::StrCat(in->results.dir, "/timeseries.csv");
  if (FileExists(ts_path)) {
    absl::StatusOr<TimeseriesData> ts = LoadTimeseries(ts_path);
    if (!ts.ok()) return ts.status();
    if (!ts->times_s.empty()) in->ts = std::move(*ts);
  }
  return absl::OkStatus();
}

}  // namespace

TimeseriesData MeanTimeseries(const std::vector<TimeseriesData>& runs) {
  DSIM_CHECK(!runs.empty());
  TimeseriesData out;
  out.columns = runs[0].columns;
  absl::btree_map<double, std::vector<std::pair<double, size_t>>>
      rows;                                    // time -> (sum, n) per column
  absl::btree_map<double, size_t> sampled_by;  // time -> runs
  for (const TimeseriesData& r : runs) {
    for (double t : r.times_s) ++sampled_by[t];
    for (size_t c = 0; c < out.columns.size(); ++c) {
      auto it = std::find(r.columns.begin(), r.columns.end(), out.columns[c]);
      if (it == r.columns.end()) continue;
      const std::vector<double>& v = r.values[it - r.columns.begin()];
      for (size_t i = 0; i < r.times_s.size(); ++i) {
        auto& row = rows[r.times_s[i]];
        row.resize(out.columns.size());
        if (std::isfinite(v[i])) {
          row[c].first += v[i];
          ++row[c].second;
        }
      }
    }
  }
  out.values.resize(out.columns.size());
  for (const auto& [t, row] : rows) {
    if (sampled_by[t] * 2 <= runs.size()) continue;
    out.times_s.push_back(t);
    for (size_t c = 0; c < out.columns.size(); ++c) {
      const bool have = c < row.size() && row[c].second > 0;
      out.values[c].push_back(have ? row[c].first / static_cast<double>(row[c].second)
                                   : std::nan(""));
    }
  }
  return out;
}

absl::StatusOr<ReportInput> LoadReportInput(const std::string& arg) {
  absl::StatusOr<ResultsDir> results = LoadResultsDir(arg);
  if (!results.ok()) return results.status();
  ReportInput in;
  in.results = std::move(*results);
  absl::Status st = in.results.sweep ? LoadSweepSeries(&in) : LoadRunSeries(&in);
  if (!st.ok()) return st;
  return in;
}

}  // namespace dsim::analysis
