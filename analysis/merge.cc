#include "analysis/merge.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "analysis/json_file.h"
#include "engine/check.h"
#include "sim/results.h"

namespace dsim::analysis {
namespace {

// Copies the files of one run directory, results.json last (its presence marks a complete run).
// Errors: Unavailable.
absl::Status CopyRun(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::create_directories(to, ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat(to, ": cannot create directory: ", ec.message()));
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(from, ec)) {
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  }
  if (ec) return absl::UnavailableError(absl::StrCat(from, ": cannot list: ", ec.message()));
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return std::make_pair(a == "results.json", a) < std::make_pair(b == "results.json", b);
  });
  for (const std::string& name : names) {
    if (name.find(".tmp.") != std::string::npos) continue;  // an interrupted atomic write
    absl::StatusOr<std::string> bytes = ReadFile(absl::StrCat(from, "/", name));
    if (!bytes.ok()) return absl::UnavailableError(bytes.status().message());
    absl::Status st = sim::WriteFileAtomically(absl::StrCat(to, "/", name), *bytes);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

// The inputs' common plan, unsharded, checked against an existing destination.
absl::StatusOr<SweepPlan> MergedPlan(const std::vector<std::string>& inputs,
                                     const std::string& dest) {
  std::vector<SweepPlan> plans;
  for (const std::string& dir : inputs) {
    absl::StatusOr<SweepPlan> p = LoadPlan(dir);
    if (!p.ok()) return absl::InvalidArgumentError(p.status().message());
    if (!plans.empty() && !SameRuns(plans[0], *p)) {
      return absl::InvalidArgumentError(
          absl::StrCat(dir, "/sweep.json and ", inputs[0],
                       "/sweep.json describe different sweeps (scenario file content, "
                       "seeds or --set values differ)"));
    }
    plans.push_back(std::move(*p));
  }
  SweepPlan merged = plans[0];
  merged.shard = ShardSpec{};
  if (FileExists(absl::StrCat(dest, "/sweep.json"))) {
    absl::StatusOr<SweepPlan> p = LoadPlan(dest);
    if (!p.ok()) return absl::InvalidArgumentError(p.status().message());
    if (!SameRuns(merged, *p)) {
      return absl::InvalidArgumentError(
          absl::StrCat(dest, "/sweep.json describes a different sweep than the inputs"));
    }
  }
  return merged;
}

// Brings run `rel` ("runs/<point>/seed-<n>") into the destination from the inputs.
absl::Status MergeRun(const std::vector<std::string>& inputs, const std::string& dest,
                      const std::string& dest_canonical, const std::string& rel) {
  const std::string to = absl::StrCat(dest, "/", rel);
  std::optional<std::string> results_from;  // an input holding the completed run
  std::optional<std::string> failure_from;  // else an input holding its failure record
  std::error_code ec;
  for (const std::string& dir : inputs) {
    if (std::filesystem::weakly_canonical(dir, ec).string() == dest_canonical) continue;
    const std::string from = absl::StrCat(dir, "/", rel);
    if (FileExists(absl::StrCat(from, "/results.json"))) {
      if (results_from.has_value()) {
        // The same run completed twice: deterministic runs give the same bytes.
        absl::StatusOr<std::string> x = ReadFile(absl::StrCat(*results_from, "/results.json"));
        absl::StatusOr<std::string> y = ReadFile(absl::StrCat(from, "/results.json"));
        if (!x.ok() || !y.ok() || *x != *y) {
          return absl::InvalidArgumentError(
              absl::StrCat(*results_from, "/results.json and ", from,
                           "/results.json differ: the same run gave different results "
                           "(different dsim builds, or non-determinism)"));
        }
        continue;
      }
      results_from = from;
    } else if (!failure_from.has_value() && FileExists(absl::StrCat(from, "/", kFailureFile))) {
      failure_from = from;
    }
  }
  if (FileExists(absl::StrCat(to, "/results.json")))
    return absl::OkStatus();  // already complete in the destination
  const std::optional<std::string>& source = results_from.has_value() ? results_from : failure_from;
  if (!source.has_value()) return absl::OkStatus();
  std::filesystem::remove_all(to, ec);
  return CopyRun(*source, to);
}

}  // namespace

absl::StatusOr<MergedSweep> MergeSweeps(const std::vector<std::string>& inputs,
                                        const std::string& dest) {
  DSIM_CHECK(!inputs.empty());
  absl::StatusOr<SweepPlan> merged = MergedPlan(inputs, dest);
  if (!merged.ok()) return merged.status();
  std::error_code ec;
  std::filesystem::create_directories(absl::StrCat(dest, "/runs"), ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(dest, ": cannot create directory: ", ec.message()));
  }
  const std::string dest_canonical = std::filesystem::weakly_canonical(dest, ec).string();
  for (uint64_t i = 0; i < merged->run_count(); ++i) {
    absl::Status st = MergeRun(inputs, dest, dest_canonical, merged->RunDir(i));
    if (!st.ok()) return st;
  }
  absl::Status st = sim::WriteFileAtomically(absl::StrCat(dest, "/sweep.json"),
                                             PlanToJson(*merged).dump(2) + "\n");
  if (!st.ok()) return st;
  absl::StatusOr<SweepSummary> summary = UpdateSummary(dest, *merged);
  if (!summary.ok()) return summary.status();
  MergedSweep out{*std::move(merged), *std::move(summary)};
  for (const PointSummary& p : out.summary.points) {
    out.completed += p.completed;
    out.failed += p.failed;
    out.missing += p.missing;
  }
  DSIM_CHECK(out.completed + out.failed + out.missing == out.plan.run_count());
  return out;
}

}  // namespace dsim::analysis
