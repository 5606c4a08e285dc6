// The dsim command: dispatches to the subcommands of sim/ (run, validate) and analysis/ (sweep,
// summarize, merge, check, report).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/commands.h"
#include "sim/cli_args.h"
#include "sim/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: dsim COMMAND [arguments]\n"
    "\n"
    "dsim is a deterministic discrete-event simulator of a replicated, Cassandra-like database.\n"
    "\n"
    "commands:\n"
    "  run FILE        run a scenario; writes results.json and timeseries.csv\n"
    "  validate FILE   check a scenario file without running it\n"
    "  sweep FILE      run a scenario over seeds and parameter values in parallel; summarize\n"
    "  summarize DIR   recompute and print a sweep directory's summary\n"
    "  merge DIR...    combine the shards of a sweep into one sweep directory\n"
    "  check RESULTS   compare a run or a sweep with a baseline (regression gate)\n"
    "  report RESULTS  plots (PNG, SVG), index.html and report.md of runs and sweeps\n"
    "  help scenario   print the reference of every scenario key\n"
    "  version         print the dsim version\n"
    "\n"
    "'dsim COMMAND --help' describes a command's options. Exit codes: 0 ok, 1 regression\n"
    "(dsim check), 2 usage or input error, 3 results not written, 4 simulation failed (dsim\n"
    "sweep: a run failed), 5 did not converge (metrics.require_convergence).\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return dsim::sim::kExitUsage;
  }
  const std::string cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "run") return dsim::sim::RunCommand(rest, stdout, stderr);
  if (cmd == "validate") return dsim::sim::ValidateCommand(rest, stdout, stderr);
  if (cmd == "sweep") return dsim::analysis::SweepCommand(rest, stdout, stderr);
  if (cmd == "summarize") return dsim::analysis::SummarizeCommand(rest, stdout, stderr);
  if (cmd == "merge") return dsim::analysis::MergeCommand(rest, stdout, stderr);
  if (cmd == "check") return dsim::analysis::CheckCommand(rest, stdout, stderr);
  if (cmd == "report") return dsim::analysis::ReportCommand(rest, stdout, stderr);
  if (cmd == "version" || cmd == "--version") {
    std::printf("dsim %s\n", DSIM_VERSION);
    return dsim::sim::kExitOk;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    if (!rest.empty() && rest[0] == "scenario") return dsim::sim::ScenarioReferenceCommand(stdout);
    std::fputs(kUsage, stdout);
    return dsim::sim::kExitOk;
  }
  std::fprintf(stderr, "dsim: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return dsim::sim::kExitUsage;
}
