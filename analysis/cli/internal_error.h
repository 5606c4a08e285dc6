// What `dsim run` does when the simulator itself fails (a DSIM_CHECK, or a crash signal): print
// that it is dsim's bug, the seed, and the exact command that reproduces the run, then exit with
// code 4 (kExitRunFailed), never by a signal. Installed once the scenario is loaded, so the
// message can name the seed and every override.
//
//   InstallInternalErrorHandler(ReproduceCommand(path, overrides), scenario.simulation.seed);
//
// Contract: the handler writes only preformatted bytes with write(2) and leaves with _exit(4),
// so it is safe inside a signal handler. Under AddressSanitizer the crash signals stay ASan's
// (its report is worth more than ours); DSIM_CHECK failures go through the handler in every
// build.
#ifndef DSIM_ANALYSIS_CLI_INTERNAL_ERROR_H_
#define DSIM_ANALYSIS_CLI_INTERNAL_ERROR_H_

#include <cstdint>
#include <string>
#include <vector>

namespace dsim::cli {

// "dsim run FILE --set k=v ...", each argument quoted for a POSIX shell (analysis/shell.h).
std::string ReproduceCommand(const std::string& scenario_path,
                             const std::vector<std::string>& overrides);

// Installs the DSIM_CHECK hook (engine/check.h) and the SIGSEGV, SIGBUS, SIGFPE, SIGILL and
// SIGABRT handlers. Calling it again replaces the message.
void InstallInternalErrorHandler(const std::string& command, uint64_t seed);

}  // namespace dsim::cli

#endif  // DSIM_ANALYSIS_CLI_INTERNAL_ERROR_H_
