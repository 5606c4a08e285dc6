// The dsim command: dispatches to the subcommands in analysis/cli/ (commands.h).
#include <cstdio>
#include <string>
#include <vector>

#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"

namespace {

using Command = int (*)(const std::vector<std::string>&, std::FILE*, std::FILE*);

struct NamedCommand {
  const char* name;
  Command run;
};

constexpr NamedCommand kCommands[] = {
    {"run", &dsim::cli::RunCommand},       {"validate", &dsim::cli::ValidateCommand},
    {"sweep", &dsim::cli::SweepCommand},   {"summarize", &dsim::cli::SummarizeCommand},
    {"merge", &dsim::cli::MergeCommand},   {"check", &dsim::cli::CheckCommand},
    {"report", &dsim::cli::ReportCommand}, {"attribute", &dsim::cli::AttributeCommand},
    {"shrink", &dsim::cli::ShrinkCommand}, {"swarm", &dsim::cli::SwarmCommand},
    {"help", &dsim::cli::HelpCommand},     {"--help", &dsim::cli::HelpCommand},
    {"-h", &dsim::cli::HelpCommand},
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(dsim::cli::kOverview, stderr);
    return dsim::cli::kExitUsage;
  }
  const std::string cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const NamedCommand& c : kCommands) {
    if (cmd == c.name) return c.run(rest, stdout, stderr);
  }
  if (cmd == "version" || cmd == "--version") {
    std::printf("dsim %s\n", DSIM_VERSION);
    return dsim::cli::kExitOk;
  }
  std::fprintf(stderr, "dsim: unknown command '%s'\n\n%s", cmd.c_str(), dsim::cli::kOverview);
  return dsim::cli::kExitUsage;
}
