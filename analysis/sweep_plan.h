// The plan of a sweep: which runs a `dsim sweep` makes, in which canonical order, and which of
// them belong to a shard.
//
// `--set key.path=v1,v2,...` with several values makes `key.path` a swept parameter; with one
// value it is a fixed override applied to every run. The parameter points are the cartesian
// product of the swept parameters' values, the first --set varying slowest; each point runs over
// every seed of `--seeds A..B`. The canonical run order is point by point, seed by seed within a
// point: run index = point_index * seed_count + (seed - A). Shard I of N (0 <= I < N) owns the
// runs whose index is I modulo N, so every machine computes the same split.
//
// A point's directory name is readable and deterministic: its assignments joined by ","
// ("network.link.loss=0.05,workload.relay.deliveries=2000"), "default" when nothing is swept.
// Characters other than [A-Za-z0-9._=+,:%-] become '_' ; names longer than 160 characters are
// cut and end in "~" and 16 hex digits of an XXH3 hash of the full name.
//
// The plan is written as DIR/sweep.json (the manifest) and read back by resume, merge, summarize,
// check and report.
#ifndef DSIM_ANALYSIS_SWEEP_PLAN_H_
#define DSIM_ANALYSIS_SWEEP_PLAN_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace dsim::analysis {

struct SweepParameter {
  std::string key;                  // "network.link.loss"
  std::vector<std::string> values;  // as written, in order
};

struct SweepPoint {
  std::string name;  // directory name under DIR/runs
  // (key, value) per swept parameter, in parameter order.
  std::vector<std::pair<std::string, std::string>> assignments;
};

struct ShardSpec {
  uint32_t index = 0;
  uint32_t count = 1;
  bool Owns(uint64_t run_index) const { return run_index % count == index; }
  bool sharded() const { return count > 1; }
};

struct SweepPlan {
  std::string scenario_file;    // as given on the command line (informative)
  std::string scenario_name;    // from the scenario
  std::string scenario_digest;  // "0x" + XXH3-64 of the scenario file's bytes
  uint64_t first_seed = 0;
  uint64_t last_seed = 0;
  std::vector<std::string> fixed_overrides;  // "key=value", every run
  std::vector<SweepParameter> parameters;
  std::vector<SweepPoint> points;
  ShardSpec shard;

  uint64_t seed_count() const { return last_seed - first_seed + 1; }
  uint64_t run_count() const { return seed_count() * points.size(); }
  size_t PointOf(uint64_t run_index) const { return run_index / seed_count(); }
  uint64_t SeedOf(uint64_t run_index) const { return first_seed + run_index % seed_count(); }
  // "runs/<point>/seed-<n>", relative to the sweep directory.
  std::string RunDir(uint64_t run_index) const;
  // The --set overrides of a point's runs: fixed overrides, then the point's assignments.
  std::vector<std::string> Overrides(size_t point_index) const;
};

// Upper bound on the runs of one sweep (a typo such as --seeds 1..10000000000 is an error).
inline constexpr uint64_t kMaxRuns = 10'000'000;

// "A..B" or "N". Errors: InvalidArgument naming --seeds.
[[nodiscard]] absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseSeedRange(const std::string& text);

// "I/N" with 0 <= I < N. Errors: InvalidArgument naming --shard.
[[nodiscard]] absl::StatusOr<ShardSpec> ParseShard(const std::string& text);

// Splits "v1,v2,..." at the commas that are not inside quotes, [...] or {...}, so TOML arrays
// and inline tables stay whole. Errors: InvalidArgument for an empty value or unbalanced
// brackets.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> SplitValues(const std::string& text);

// The readable directory name of a point (see the file comment).
std::string PointDirName(const std::vector<std::pair<std::string, std::string>>& assignments);

// Builds the plan from the --set flags ("key.path=v1,v2,..."), in flag order. Does not look at
// the scenario (the caller fills scenario_* and validates every point's overrides). Errors:
// InvalidArgument naming the offending --set (missing '=', repeated key, repeated value,
// simulation.seed, two points with the same directory name, too many runs).
[[nodiscard]] absl::StatusOr<SweepPlan> BuildPlan(const std::vector<std::string>& set_flags,
                                                  uint64_t first_seed, uint64_t last_seed);

// sweep.json. Deterministic: the same plan gives the same bytes.
nlohmann::json PlanToJson(const SweepPlan& plan);
// Errors: InvalidArgument naming `source` and the bad field.
// The fields sweep.json and summary.json share, read into *plan: scenario name and digest,
// seeds, fixed overrides, parameters and shard (not validated; the callers check what they
// need). Throws nlohmann::json::exception on a missing key or a wrong type (callers catch it
// and name their file).
void ReadPlanFields(const nlohmann::json& j, SweepPlan* plan);
// One point's name and assignments, as both files write them. Throws like ReadPlanFields.
SweepPoint ReadPointFields(const nlohmann::json& point);

[[nodiscard]] absl::StatusOr<SweepPlan> PlanFromJson(const nlohmann::json& j,
                                                     const std::string& source);
// Reads DIR/sweep.json.
[[nodiscard]] absl::StatusOr<SweepPlan> LoadPlan(const std::string& dir);

// True when two plans describe the same runs (everything but scenario_file and shard equal).
bool SameRuns(const SweepPlan& a, const SweepPlan& b);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SWEEP_PLAN_H_
