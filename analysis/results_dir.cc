#include "analysis/results_dir.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "analysis/json_file.h"

namespace dsim::analysis {

absl::StatusOr<ResultsDir> LoadResultsDir(const std::string& arg) {
  std::filesystem::path p(arg);
  std::string dir = arg;
  std::error_code ec;
  if (std::filesystem::is_regular_file(p, ec))
    dir = p.parent_path().empty() ? "." : p.parent_path().string();
  const bool file_is_summary = p.filename() == "summary.json";
  const bool file_is_results = p.filename() == "results.json";
  ResultsDir r;
  r.dir = dir;
  if (file_is_summary || (!file_is_results && FileExists(absl::StrCat(dir, "/summary.json")))) {
    absl::StatusOr<SweepSummary> s = LoadSummary(dir);
    if (!s.ok()) return s.status();
    r.sweep = true;
    r.summary = std::move(*s);
    r.scenario = r.summary.plan.scenario_name;
    return r;
  }
  if (file_is_results || FileExists(absl::StrCat(dir, "/results.json"))) {
    absl::StatusOr<RunResults> run = LoadRunResults(dir);
    if (!run.ok()) return run.status();
    r.run = std::move(*run);
    r.scenario = r.run.scenario_name;
    return r;
  }
  if (FileExists(absl::StrCat(dir, "/sweep.json"))) {
    return absl::NotFoundError(absl::StrCat(
        dir, ": a sweep directory without summary.json; run `dsim summarize ", dir, "` first"));
  }
  return absl::NotFoundError(
      absl::StrCat(arg,
                   ": neither a run directory (results.json) nor a sweep directory "
                   "(summary.json)"));
}

}  // namespace dsim::analysis
