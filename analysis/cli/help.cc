// dsim help: the command overview, and `dsim help scenario`, the reference of every scenario key
// (sim::ScenarioReference, produced by the loader's own key declarations).
#include <cstdio>

#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "sim/scenario/scenario.h"

namespace dsim::cli {

const char kOverview[] =
    "usage: dsim COMMAND [arguments]\n"
    "\n"
    "dsim is a deterministic discrete-event simulator of a replicated, Cassandra-like database.\n"
    "\n"
    "commands:\n"
    "  run FILE        run a scenario; writes results.json, timeseries.csv (and nodes.csv)\n"
    "  validate FILE   check a scenario file without running it\n"
    "  sweep FILE      run a scenario over seeds and parameter values in parallel; summarize\n"
    "  summarize DIR   recompute and print a sweep directory's summary\n"
    "  merge DIR...    combine the shards of a sweep into one sweep directory\n"
    "  check RESULTS   compare a run or a sweep with a baseline (regression gate)\n"
    "  report RESULTS  plots (PNG, SVG), index.html and report.md of runs and sweeps\n"
    "  attribute FILE  which fault causes a metric: the scenario rerun without each fault\n"
    "  shrink FILE     the smallest scenario that still fails a check (faults, workload, nodes)\n"
    "  swarm FILE      seeds with drawn configurations and faults, judged by the checkers\n"
    "  help scenario   print the reference of every scenario key\n"
    "  help COMMAND    the same as 'dsim COMMAND --help'\n"
    "  version         print the dsim version\n"
    "\n"
    "'dsim COMMAND --help' describes a command's options. Exit codes: 0 ok, 1 regression\n"
    "(dsim check; dsim shrink: the scenario does not fail the check), 2 usage or input error,\n"
    "3 results not written, 4 simulation failed (dsim sweep: a run failed), 5 did not converge\n"
    "(metrics.require_convergence), 6-10 dsim run: a check of [checks] failed (6 lost_writes,\n"
    "7 zombies, 8 liveness, 9 stale_reads, 10 ledger; dsim swarm: 1 when a seed fails a\n"
    "check).\n";

// `dsim help` and `dsim help --help`: the overview. `dsim help scenario`: the key reference.
// `dsim help COMMAND`: that command's --help. Any other topic (a typo such as "scenarios") is a
// usage error: the topics go to stderr, exit 2.
int HelpCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kOverview, out);
    return kExitOk;
  }
  if (args[0] == "scenario" && args.size() == 1) {
    std::fputs(sim::ScenarioReference().c_str(), out);
    return kExitOk;
  }
  using Command = int (*)(const std::vector<std::string>&, std::FILE*, std::FILE*);
  static const std::pair<const char*, Command> kCommands[] = {
      {"run", &RunCommand},       {"validate", &ValidateCommand},
      {"sweep", &SweepCommand},   {"summarize", &SummarizeCommand},
      {"merge", &MergeCommand},   {"check", &CheckCommand},
      {"report", &ReportCommand}, {"attribute", &AttributeCommand},
      {"shrink", &ShrinkCommand}, {"swarm", &SwarmCommand}};
  for (const auto& [name, command] : kCommands) {
    if (args[0] == name && args.size() == 1) return command({"--help"}, out, err);
  }
  if (args[0] != "scenario") {
    std::fprintf(err, "dsim help: unknown topic '%s'\n", args[0].c_str());
  } else {
    std::fprintf(err, "dsim help: unexpected argument '%s'\n", args[1].c_str());
  }
  std::fputs(
      "topics:\n"
      "  scenario   the reference of every scenario key\n"
      "  COMMAND    a command's options: run, validate, sweep, summarize, merge, check,\n"
      "             report, attribute, shrink, swarm\n"
      "for the commands: dsim help; for a command's options: dsim COMMAND --help\n",
      err);
  return kExitUsage;
}

}  // namespace dsim::cli
