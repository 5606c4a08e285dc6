// The analysis subcommands of dsim: sweep, summarize, merge, check and report. Each takes the
// arguments after the subcommand name, writes to the given streams and returns the process exit
// code (sim/cli_args.h: 0 ok, 1 regression, 2 usage or input error, 3 output not written,
// 4 a run failed). analysis/README.md documents them and their files.
#ifndef DSIM_ANALYSIS_COMMANDS_H_
#define DSIM_ANALYSIS_COMMANDS_H_

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "sim/cli_args.h"

namespace dsim::analysis {

// Parses a subcommand's arguments. On a usage error prints it with the usage text to `err` and
// sets *code to 2; on --help prints the usage to `out` and sets *code to 0; both return nullopt.
std::optional<sim::ParsedArgs> ParseCommandArgs(const sim::ArgSpec& spec,
                                                const std::vector<std::string>& args,
                                                std::FILE* out, std::FILE* err, int* code);

// dsim sweep FILE --seeds A..B [--set key.path=v1,v2,...]... [--jobs N] [--shard I/N] --out DIR
int SweepCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim summarize DIR [--metric PREFIX]...: recomputes DIR/summary.{json,csv} and prints them.
int SummarizeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim merge DIR... --out DIR
int MergeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim check RESULTS --baseline FILE [--write-baseline FILE]
int CheckCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// dsim report RESULTS... --out DIR
int ReportCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_COMMANDS_H_
