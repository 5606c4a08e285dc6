// The command line of every dsim subcommand: the exit codes, and a small parser for
// `--flag value`, `--flag=value`, boolean flags, repeatable flags, positional arguments and
// `-h`/`--help`. Unknown flags are errors that suggest the closest known flag. (Hand-written
// rather than absl::flags because dsim has subcommands with their own flags and must exit with
// code 2, not 1, on a usage error.)
//
//   ArgSpec spec{"run", "FILE", "Runs a scenario.", {{"seed", "N", "override the seed"}}, 1, 1};
//   int code = 0;
//   std::optional<ParsedArgs> a = ParseCommandArgs(spec, args, out, err, &code);
//   if (!a) return code;  // a usage error (printed, code 2) or --help (printed, code 0)
#ifndef DSIM_ANALYSIS_CLI_ARGS_H_
#define DSIM_ANALYSIS_CLI_ARGS_H_

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dsim::cli {

// Exit codes of every dsim command (documented in README.md and analysis/README.md). `dsim sweep`
// reads a child `dsim run`'s code: 5 is a complete run that did not converge.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRegression = 1;    // dsim check: a metric regressed
inline constexpr int kExitUsage = 2;         // bad command line or bad input file
inline constexpr int kExitIo = 3;            // results could not be written
inline constexpr int kExitRunFailed = 4;     // the simulation itself failed (internal error)
inline constexpr int kExitNotConverged = 5;  // metrics.require_convergence and it did not converge
// 6-10: an enabled check of [checks] failed (sim/check/checks.h, ExitCodeOf): 6 lost_writes,
// 7 zombies, 8 liveness, 9 stale_reads, 10 ledger. dsim run exits with the first failing one's
// code.
inline constexpr int kExitFirstCheck = 6;
inline constexpr int kExitLastCheck = 10;

struct FlagSpec {
  std::string name;        // without the leading "--"
  std::string value_name;  // empty: a boolean flag that takes no value
  std::string help;
  bool repeatable = false;
};

struct ArgSpec {
  std::string command;     // "run"
  std::string positional;  // "FILE" (for help text)
  std::string summary;     // one line
  std::vector<FlagSpec> flags;
  size_t min_positional = 0;
  size_t max_positional = 0;
};

struct ParsedArgs {
  bool help = false;
  std::vector<std::string> positional;
  absl::btree_map<std::string, std::vector<std::string>> values;  // flag -> values, in order

  bool Has(const std::string& flag) const { return values.contains(flag); }
  // The last value given for `flag`.
  std::optional<std::string> Get(const std::string& flag) const;
  std::vector<std::string> GetAll(const std::string& flag) const;
};

// Errors: InvalidArgument with a message naming the offending argument.
[[nodiscard]] absl::StatusOr<ParsedArgs> ParseArgs(const ArgSpec& spec,
                                                   const std::vector<std::string>& args);

// The scenario overrides of a command that takes `--set` and `--seed`: the --set values, then
// --seed N as "simulation.seed=N". InvalidArgument "--seed: expected a non-negative integer,
// got 'X'" for a bad --seed.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ScenarioOverrides(const ParsedArgs& args);

// The count flag --`flag` (an integer in [1, max]), `fallback` when absent; InvalidArgument
// naming the flag otherwise.
[[nodiscard]] absl::StatusOr<size_t> CountFlag(const ParsedArgs& args, const std::string& flag,
                                               size_t fallback, size_t max);

// "usage: dsim run FILE [flags]" plus one line per flag.
std::string Usage(const ArgSpec& spec);

// A subcommand's error exit: prints "dsim COMMAND: MESSAGE" and a newline to `err`, returns
// `code`.
//   const CommandError fail{"merge", err};
//   if (!a->Has("out")) return fail(kExitUsage, "--out DIR is required");
struct CommandError {
  const char* command;
  std::FILE* err;
  int operator()(int code, absl::string_view message) const;
};

// ParseArgs for a subcommand. On a usage error prints it with the usage text to `err` and sets
// *code to kExitUsage; on --help prints the usage to `out` and sets *code to kExitOk; both
// return nullopt.
std::optional<ParsedArgs> ParseCommandArgs(const ArgSpec& spec,
                                           const std::vector<std::string>& args, std::FILE* out,
                                           std::FILE* err, int* code);

}  // namespace dsim::cli

#endif  // DSIM_ANALYSIS_CLI_ARGS_H_
