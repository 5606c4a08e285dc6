// dsim merge: combines sweep directories (typically the shards of one sweep, run on different
// machines) into one sweep directory (analysis/merge.h) and prints its summary.
#include "analysis/merge.h"

#include "absl/strings/str_cat.h"
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/summary.h"

namespace dsim::cli {
namespace {

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

}  // namespace

int MergeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> a = ParseCommandArgs(MergeSpec(), args, out, err, &code);
  if (!a) return code;
  const CommandError fail{"merge", err};
  if (!a->Has("out")) return fail(kExitUsage, "--out DIR is required");
  const std::string dest = *a->Get("out");
  absl::StatusOr<analysis::MergedSweep> m = analysis::MergeSweeps(a->positional, dest);
  if (!m.ok()) {
    return fail(absl::IsUnavailable(m.status()) ? kExitIo : kExitUsage,
                std::string(m.status().message()));
  }
  if (!a->Has("quiet")) {
    std::fputs(analysis::SummaryTable(m->summary, a->GetAll("metric")).c_str(), out);
    std::fprintf(
        out,
        "merged %zu directories into %s: %llu of %llu runs complete, %llu failed, %llu missing\n",
        a->positional.size(), dest.c_str(), static_cast<unsigned long long>(m->completed),
        static_cast<unsigned long long>(m->plan.run_count()),
        static_cast<unsigned long long>(m->failed), static_cast<unsigned long long>(m->missing));
  }
  if (m->missing > 0) {
    return fail(kExitUsage, absl::StrCat(m->missing,
                                         " runs are in none of the inputs (a shard missing or "
                                         "unfinished?); the summary counts them as missing"));
  }
  if (m->failed > 0)
    return fail(kExitRunFailed, absl::StrCat(m->failed, " runs failed (see failure.json)"));
  return kExitOk;
}

}  // namespace dsim::cli
