// Summaries of a sweep: per parameter point and metric, the statistics of analysis/stats.h over
// the point's completed runs, plus the runs' bookkeeping (planned, completed, failed, missing).
//
// A summary is computed from the files alone (DIR/sweep.json and DIR/runs/<point>/seed-<n>/
// results.json or failure.json), reading runs in canonical order, so it is byte-identical
// whatever order the runs finished in, and a merge of shards gives the unsharded bytes.
//
// summary.json:
//   {"format": "dsim-summary/1", "scenario": {"name", "digest"}, "seeds": {"first", "last"},
//    "fixed_overrides": [...], "parameters": [{"key", "values"}], "dsim_versions": [...],
//    "shard": {"index", "count"} (only for a shard's own summary),
//    "points": [{"name", "assignments": [{"key", "value"}],
//                "runs": {"planned", "completed", "failed", "missing"},
//                "failures": [{"seed", "exit_code", "signal"}],
//                "metrics": {"<path>": {"unit", "count", "nulls", "mean", "stddev", "min", "p50",
//                                       "p95", "max", "ci95_low", "ci95_high"}}}]}
// Statistics that are undefined (no values; stddev and CI with fewer than two) are null.
//
// summary.csv: one row per point and metric:
//   point,<parameter
//   keys...>,metric,unit,count,nulls,mean,stddev,min,p50,p95,max,ci95_low,ci95_high
#ifndef DSIM_ANALYSIS_SUMMARY_H_
#define DSIM_ANALYSIS_SUMMARY_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "analysis/stats.h"
#include "analysis/sweep_plan.h"

namespace dsim::analysis {

struct MetricSummary {
  std::string unit;
  Summary stats;
};

struct FailedRun {
  uint64_t seed = 0;
  int exit_code = -1;
  int signal = 0;
};

struct PointSummary {
  std::string name;
  std::vector<std::pair<std::string, std::string>> assignments;
  uint64_t planned = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
  uint64_t missing = 0;
  std::vector<FailedRun> failures;  // by seed
  absl::btree_map<std::string, MetricSummary> metrics;
};

struct SweepSummary {
  SweepPlan plan;  // scenario_file is not part of the summary
  absl::btree_set<std::string> dsim_versions;
  std::vector<PointSummary> points;  // plan order
};

// The failure record of a run: DIR/runs/<point>/seed-<n>/failure.json.
inline constexpr char kFailureFile[] = "failure.json";

// Reads every planned run of `dir` (the runs `plan.shard` owns). Errors: InvalidArgument naming
// a results.json that cannot be read or whose seed does not match its directory.
[[nodiscard]] absl::StatusOr<SweepSummary> SummarizeSweep(const std::string& dir,
                                                          const SweepPlan& plan);

nlohmann::json SummaryToJson(const SweepSummary& summary);
std::string SummaryToCsv(const SweepSummary& summary);
// Errors: InvalidArgument naming `source` and the bad field.
[[nodiscard]] absl::StatusOr<SweepSummary> SummaryFromJson(const nlohmann::json& j,
                                                           const std::string& source);
// Reads DIR/summary.json.
[[nodiscard]] absl::StatusOr<SweepSummary> LoadSummary(const std::string& dir);

// Writes DIR/summary.json and DIR/summary.csv, each atomically.
[[nodiscard]] absl::Status WriteSummary(const std::string& dir, const SweepSummary& summary);

// SummarizeSweep, then WriteSummary. Errors: theirs (InvalidArgument for bad run files,
// Unavailable when a summary file cannot be written).
[[nodiscard]] absl::StatusOr<SweepSummary> UpdateSummary(const std::string& dir,
                                                         const SweepPlan& plan);

// "== POINT: C of P runs completed[, F failed][, M missing]\n".
std::string PointStatusLine(const PointSummary& ps);

// Aligned tables, one per point: metric, unit, n, nulls, mean, +-95% CI half-width, stddev, min,
// p50, p95, max. With `metric_prefixes` non-empty, only metrics starting with one of them.
std::string SummaryTable(const SweepSummary& summary,
                         const std::vector<std::string>& metric_prefixes);

// The point named `name`, or null.
const PointSummary* FindPoint(const SweepSummary& summary, const std::string& name);
// The point's summary of metric `path`, or null.
const MetricSummary* FindMetric(const PointSummary& point, const std::string& path);

// True when the list is empty or `path` is one of the prefixes or lies under one of them
// (dotted segments: "relay.latency" matches relay.latency.p99, "relay.lat" does not).
bool MatchesAnyPrefix(const std::string& path, const std::vector<std::string>& prefixes);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SUMMARY_H_
