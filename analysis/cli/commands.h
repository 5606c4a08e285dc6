// The dsim subcommands, one file each in analysis/cli/ (run.cc, validate.cc, ...): each holds
// the command's flags, argument handling and printing, and calls the library code that does the
// work (sim/: LoadScenarioFile, RunScenario, WriteResults; analysis/: sweeps, summaries, checks,
// reports). main.cc dispatches to them.
//
// Each takes the arguments after the subcommand name, writes to the given streams and returns
// the process exit code (analysis/cli/args.h). README.md and analysis/README.md document them.
#ifndef DSIM_ANALYSIS_CLI_COMMANDS_H_
#define DSIM_ANALYSIS_CLI_COMMANDS_H_

#include <cstdio>
#include <string>
#include <vector>

#include "analysis/sweep_plan.h"

namespace dsim::cli {

// dsim run FILE [--seed N] [--out DIR] [--set KEY.PATH=VALUE]... [--quiet] [--all-metrics]
int RunCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim validate FILE [--set KEY.PATH=VALUE]...
int ValidateCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim help [scenario]: the command overview, or the scenario key reference (Markdown).
int HelpCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim sweep FILE --seeds A..B [--set key.path=v1,v2,...]... [--jobs N] [--shard I/N] --out DIR
int SweepCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim summarize DIR [--metric PREFIX]...: recomputes DIR/summary.{json,csv} and prints them.
int SummarizeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim merge DIR... --out DIR
int MergeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim check RESULTS --baseline FILE [--write-baseline FILE]
int CheckCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim attribute FILE --metric PATH [--set K=V]... [--seed N] [--group each|kind|name] [--jobs N]
// [--out DIR]
int AttributeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim shrink FILE --check CLASS [--max-runs N] [--jobs N] [--out DIR] [--set K=V]... [--seed N]
int ShrinkCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim swarm FILE --seeds A..B [--jobs N] [--out DIR] [--set K=V]...
int SwarmCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim report RESULTS... --out DIR
int ReportCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

// The command overview `dsim`, `dsim help` and an unknown command print.
extern const char kOverview[];

// The end of `dsim sweep` and all of `dsim summarize` (summarize.cc): recomputes and writes
// DIR/summary.{json,csv} (analysis::UpdateSummary) and, with `print_table`, prints the headline
// table (analysis::HeadlineTable), or with `all_metrics` or `prefixes` the full table of the
// metrics under `prefixes` (all of them when there are none). Errors are printed as "dsim COMMAND:
// ..."; returns the exit code (3 when a summary file cannot be written, 2 for bad run files).
int SummarizeInto(const std::string& dir, const analysis::SweepPlan& plan,
                  const std::vector<std::string>& prefixes, bool print_table, bool all_metrics,
                  std::FILE* out, std::FILE* err, const char* command);

}  // namespace dsim::cli

#endif  // DSIM_ANALYSIS_CLI_COMMANDS_H_
