// dsim merge: combines sweep directories (typically the shards of one sweep, run on different
// machines) into one sweep directory whose sweep.json and summary.json are the bytes an
// unsharded sweep writes.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "analysis/commands.h"
#include "analysis/run_results.h"
#include "analysis/summary.h"
#include "analysis/sweep_plan.h"
#include "engine/check.h"
#include "sim/cli_args.h"
#include "sim/results.h"

namespace dsim::analysis {
namespace {

using sim::ArgSpec;

const ArgSpec& MergeSpec() {
  static const ArgSpec spec{
      "merge",
      "DIR...",
      "Combines sweep directories of the same sweep (its shards) into --out DIR: copies every run, "
      "writes sweep.json, summary.json and summary.csv. Exit 0 when every run is there, 2 when "
      "runs "
      "are missing or the inputs disagree, 4 when some runs failed.",
      {{"out", "DIR", "the merged sweep directory (required; may be one of the inputs)"},
       {"metric", "PREFIX",
        "print only metrics at or under PREFIX (e.g. relay.latency) in the table", true},
       {"quiet", "", "print only errors"}},
      1,
      1024};
  return spec;
}

// Copies the files of one run directory, results.json last (its presence marks a complete run).
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
    if (!bytes.ok()) return bytes.status();
    absl::Status st = sim::WriteFileAtomically(absl::StrCat(to, "/", name), *bytes);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace

int MergeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = 0;
  std::optional<sim::ParsedArgs> a = ParseCommandArgs(MergeSpec(), args, out, err, &code);
  if (!a) return code;
  auto fail = [&](int exit_code, const std::string& msg) {
    std::fprintf(err, "dsim merge: %s\n", msg.c_str());
    return exit_code;
  };
  if (!a->Has("out")) return fail(sim::kExitUsage, "--out DIR is required");
  const std::string dest = *a->Get("out");
  std::vector<SweepPlan> plans;
  for (const std::string& dir : a->positional) {
    absl::StatusOr<SweepPlan> p = LoadPlan(dir);
    if (!p.ok()) return fail(sim::kExitUsage, std::string(p.status().message()));
    if (!plans.empty() && !SameRuns(plans[0], *p)) {
      return fail(sim::kExitUsage,
                  absl::StrCat(dir, "/sweep.json and ", a->positional[0],
                               "/sweep.json describe different sweeps (scenario file content, "
                               "seeds or --set values differ)"));
    }
    plans.push_back(std::move(*p));
  }
  SweepPlan merged = plans[0];
  merged.shard = ShardSpec{};
  if (FileExists(absl::StrCat(dest, "/sweep.json"))) {
    absl::StatusOr<SweepPlan> p = LoadPlan(dest);
    if (!p.ok()) return fail(sim::kExitUsage, std::string(p.status().message()));
    if (!SameRuns(merged, *p)) {
      return fail(sim::kExitUsage,
                  absl::StrCat(dest, "/sweep.json describes a different sweep than the inputs"));
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(absl::StrCat(dest, "/runs"), ec);
  if (ec)
    return fail(sim::kExitIo, absl::StrCat(dest, ": cannot create directory: ", ec.message()));
  const std::string dest_canonical = std::filesystem::weakly_canonical(dest, ec).string();

  for (uint64_t i = 0; i < merged.run_count(); ++i) {
    const std::string rel = merged.RunDir(i);
    const std::string to = absl::StrCat(dest, "/", rel);
    std::optional<std::string> results_from;  // an input holding the completed run
    std::optional<std::string> failure_from;  // else an input holding its failure record
    for (const std::string& dir : a->positional) {
      if (std::filesystem::weakly_canonical(dir, ec).string() == dest_canonical) continue;
      const std::string from = absl::StrCat(dir, "/", rel);
      if (FileExists(absl::StrCat(from, "/results.json"))) {
        if (results_from.has_value()) {
          // The same run completed twice: deterministic runs give the same bytes.
          absl::StatusOr<std::string> x = ReadFile(absl::StrCat(*results_from, "/results.json"));
          absl::StatusOr<std::string> y = ReadFile(absl::StrCat(from, "/results.json"));
          if (!x.ok() || !y.ok() || *x != *y) {
            return fail(sim::kExitUsage,
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
      continue;  // already complete in the destination
    const std::optional<std::string>& source =
        results_from.has_value() ? results_from : failure_from;
    if (!source.has_value()) continue;
    std::filesystem::remove_all(to, ec);
    absl::Status st = CopyRun(*source, to);
    if (!st.ok()) return fail(sim::kExitIo, std::string(st.message()));
  }
  absl::Status st = sim::WriteFileAtomically(absl::StrCat(dest, "/sweep.json"),
                                             PlanToJson(merged).dump(2) + "\n");
  if (!st.ok()) return fail(sim::kExitIo, std::string(st.message()));
  absl::StatusOr<SweepSummary> summary = UpdateSummary(dest, merged);
  if (!summary.ok()) {
    return fail(absl::IsUnavailable(summary.status()) ? sim::kExitIo : sim::kExitUsage,
                std::string(summary.status().message()));
  }
  uint64_t completed = 0, failed = 0, missing = 0;
  for (const PointSummary& p : summary->points) {
    completed += p.completed;
    failed += p.failed;
    missing += p.missing;
  }
  DSIM_CHECK(completed + failed + missing == merged.run_count());
  if (!a->Has("quiet")) {
    std::fputs(SummaryTable(*summary, a->GetAll("metric")).c_str(), out);
    std::fprintf(
        out,
        "merged %zu directories into %s: %llu of %llu runs complete, %llu failed, %llu missing\n",
        a->positional.size(), dest.c_str(), static_cast<unsigned long long>(completed),
        static_cast<unsigned long long>(merged.run_count()),
        static_cast<unsigned long long>(failed), static_cast<unsigned long long>(missing));
  }
  if (missing > 0) {
    return fail(sim::kExitUsage, absl::StrCat(missing,
                                              " runs are in none of the inputs (a shard missing or "
                                              "unfinished?); the summary counts them as missing"));
  }
  if (failed > 0)
    return fail(sim::kExitRunFailed, absl::StrCat(failed, " runs failed (see failure.json)"));
  return sim::kExitOk;
}

}  // namespace dsim::analysis
