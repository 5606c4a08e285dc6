// Issue 11, defect 5: an internal check failure aborted with exit 134 and no hint, while the
// README promises exit 4. A failed DSIM_CHECK (or a crash signal) inside `dsim run` must now exit
// 4, say that it is dsim's bug, and print the seed and the exact command that reproduces the run.
#include "analysis/cli/internal_error.h"

#include <gtest/gtest.h>

#include <csignal>

#include "engine/check.h"

namespace dsim::cli {
namespace {

TEST(ReproduceCommand, QuotesEveryArgumentForTheShell) {
  EXPECT_EQ(ReproduceCommand("scenarios/my file.toml", {"simulation.seed=7", "a.b='x'"}),
            "dsim run 'scenarios/my file.toml' --set simulation.seed=7 --set 'a.b='\\''x'\\'''");
}

TEST(InternalErrorDeathTest, AFailedCheckExitsFourWithTheReproducingCommand) {
  EXPECT_EXIT(
      {
        InstallInternalErrorHandler(ReproduceCommand("s.toml", {"simulation.seed=42"}), 42);
        const int one = 1;
        DSIM_CHECK(one == 2);
      },
      ::testing::ExitedWithCode(4),
      "DSIM_CHECK failed: one == 2(.|\n)*internal error(.|\n)*seed: 42(.|\n)*"
      "reproduce with: dsim run s.toml --set simulation.seed=42");
}

#if !defined(__SANITIZE_ADDRESS__)
TEST(InternalErrorDeathTest, ACrashSignalExitsFourNotBySignal) {
  for (int sig : {SIGSEGV, SIGFPE, SIGABRT}) {
    EXPECT_EXIT(
        {
          InstallInternalErrorHandler("dsim run x.toml", 1);
          std::raise(sig);
        },
        ::testing::ExitedWithCode(4), "reproduce with: dsim run x.toml")
        << "signal " << sig;
  }
}
#endif

}  // namespace
}  // namespace dsim::cli
