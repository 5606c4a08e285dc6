// Shell quoting for the commands dsim prints so that a user can paste them: the run a sweep
// started, the command that reproduces a failed run. POSIX sh rules: a word of only safe
// characters stays as it is; anything else goes in single quotes, with ' written as '\''.
//
//   ShellQuote("scenarios/a b.toml") == "'scenarios/a b.toml'"
//   ShellQuote("simulation.seed=7") == "simulation.seed=7"
#ifndef DSIM_ANALYSIS_SHELL_H_
#define DSIM_ANALYSIS_SHELL_H_

#include <string>

namespace dsim::analysis {

std::string ShellQuote(const std::string& word);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SHELL_H_
