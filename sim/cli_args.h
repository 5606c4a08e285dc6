// A small command-line parser for dsim's subcommands: `--flag value`, `--flag=value`, boolean
// flags, repeatable flags, positional arguments, `-h`/`--help`. Unknown flags are errors that
// suggest the closest known flag. (Hand-written rather than absl::flags because dsim has
// subcommands with their own flags and must exit with code 2, not 1, on a usage error.)
//
//   ArgSpec spec{"run", "FILE", {{"seed", "N", "override the scenario's seed"}, ...}};
//   absl::StatusOr<ParsedArgs> a = ParseArgs(spec, args);
#ifndef DSIM_SIM_CLI_ARGS_H_
#define DSIM_SIM_CLI_ARGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"

namespace dsim::sim {

// Exit codes of every dsim command (documented in the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRegression = 1;    // dsim check: a metric regressed
inline constexpr int kExitUsage = 2;         // bad command line or bad input file
inline constexpr int kExitIo = 3;            // results could not be written
inline constexpr int kExitRunFailed = 4;     // the simulation itself failed (internal error)
inline constexpr int kExitNotConverged = 5;  // metrics.require_convergence and it did not converge

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

// "usage: dsim run FILE [flags]" plus one line per flag.
std::string Usage(const ArgSpec& spec);

}  // namespace dsim::sim

#endif  // DSIM_SIM_CLI_ARGS_H_
