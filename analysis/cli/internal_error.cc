#include "analysis/cli/internal_error.h"

#include <unistd.h>

#include <csignal>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "analysis/cli/args.h"
#include "analysis/shell.h"
#include "engine/check.h"

namespace dsim::cli {
namespace {

// The message, formatted before anything can fail; a signal handler may only write it.
char g_message[8192];
size_t g_message_size = 0;

[[noreturn]] void WriteMessageAndExit() {
  size_t written = 0;
  while (written < g_message_size) {
    const ssize_t n = ::write(STDERR_FILENO, g_message + written, g_message_size - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  ::_exit(kExitRunFailed);
}

#if !defined(__SANITIZE_ADDRESS__)
void OnCrashSignal(int) { WriteMessageAndExit(); }
#endif

}  // namespace

std::string ReproduceCommand(const std::string& scenario_path,
                             const std::vector<std::string>& overrides) {
  std::string cmd = absl::StrCat("dsim run ", analysis::ShellQuote(scenario_path));
  for (const std::string& o : overrides) absl::StrAppend(&cmd, " --set ", analysis::ShellQuote(o));
  return cmd;
}

void InstallInternalErrorHandler(const std::string& command, uint64_t seed) {
  std::string text = absl::StrCat(
      "dsim run: internal error: the simulator failed (see the line above); this is a bug in "
      "dsim, not in the scenario.\n  seed: ",
      seed, "\n  reproduce with: ", command,
      "\n  please report it with that command and the scenario file.\n");
  if (text.size() > sizeof(g_message)) text.resize(sizeof(g_message));
  std::memcpy(g_message, text.data(), text.size());
  g_message_size = text.size();
  internal::check_failure_hook = &WriteMessageAndExit;
#if !defined(__SANITIZE_ADDRESS__)
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = &OnCrashSignal;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::sigaction(sig, &action, nullptr);
#endif
}

}  // namespace dsim::cli
