// The simulator's own dsim subcommands: `dsim run` and `dsim validate`, and the scenario key
// reference (`dsim help scenario`). Each takes the arguments after the subcommand name, writes
// to the given streams and returns the process exit code (sim/cli_args.h lists them).
#ifndef DSIM_SIM_COMMANDS_H_
#define DSIM_SIM_COMMANDS_H_

#include <cstdio>
#include <string>
#include <vector>

namespace dsim::sim {

int RunCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
int ValidateCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);
// Prints the scenario key reference (Markdown).
int ScenarioReferenceCommand(std::FILE* out);

}  // namespace dsim::sim

#endif  // DSIM_SIM_COMMANDS_H_
