// dsim summarize: recomputes a sweep directory's summary from its runs and prints the table.
#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "analysis/headline.h"
#include "analysis/summary.h"
#include "analysis/sweep_plan.h"

namespace dsim::cli {
namespace {

const ArgSpec& SummarizeSpec() {
  static const ArgSpec spec{
      "summarize",
      "DIR",
      "Recomputes DIR/summary.json and DIR/summary.csv of a sweep directory from its "
      "runs and prints the headline table.",
      {{"metric", "PREFIX", "print only metrics at or under PREFIX (e.g. relay.latency)", true},
       {"all-metrics", "", "print every metric of every point (default: the headline metrics)"}},
      1,
      1};
  return spec;
}

}  // namespace

int SummarizeInto(const std::string& dir, const analysis::SweepPlan& plan,
                  const std::vector<std::string>& prefixes, bool print_table, bool all_metrics,
                  std::FILE* out, std::FILE* err, const char* command) {
  absl::StatusOr<analysis::SweepSummary> summary = analysis::UpdateSummary(dir, plan);
  if (!summary.ok()) {
    return CommandError{command, err}(absl::IsUnavailable(summary.status()) ? kExitIo : kExitUsage,
                                      summary.status().message());
  }
  if (print_table) {
    const bool full = all_metrics || !prefixes.empty();
    std::fputs(full ? analysis::SummaryTable(*summary, prefixes).c_str()
                    : analysis::HeadlineTable(*summary).c_str(),
               out);
    std::fprintf(out, "summary: %s/summary.json, %s/summary.csv%s\n", dir.c_str(), dir.c_str(),
                 full ? "" : " (every metric: --all-metrics, or --metric PREFIX)");
  }
  return kExitOk;
}

int SummarizeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = kExitOk;
  std::optional<ParsedArgs> a = ParseCommandArgs(SummarizeSpec(), args, out, err, &code);
  if (!a) return code;
  const std::string& dir = a->positional[0];
  absl::StatusOr<analysis::SweepPlan> plan = analysis::LoadPlan(dir);
  if (!plan.ok()) {
    return CommandError{"summarize", err}(kExitUsage, plan.status().message());
  }
  return SummarizeInto(dir, *plan, a->GetAll("metric"), true, a->Has("all-metrics"), out, err,
                       "summarize");
}

}  // namespace dsim::cli
