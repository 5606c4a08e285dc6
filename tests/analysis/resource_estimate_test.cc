// Issue 11: `dsim validate` prints a peak-memory estimate, and `dsim run` refuses a scenario
// whose estimate exceeds --max-memory before it starts. The estimate must be within a factor of
// 2 of the peak resident memory measured (wait4's ru_maxrss) for every shipped scenario, in the
// Release build it models (sanitizer and unoptimised builds use several times more memory, so
// the comparison runs in Release only; the refusal tests run everywhere).
#include "sim/resource_estimate.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "tests/analysis/test_util.h"

namespace dsim::analysis::test {
namespace {

using ::testing::HasSubstr;

#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
// Peak resident memory of `dsim run FILE --quiet --out DIR`, in bytes, or 0 on failure.
uint64_t MeasuredPeakBytes(const std::string& scenario, const std::string& out) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDOUT_FILENO);
    ::execl(kDsim.c_str(), kDsim.c_str(), "run", scenario.c_str(), "--quiet", "--out", out.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  if (pid < 0 || ::wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return 0;
  }
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

TEST(ResourceEstimate, WithinAFactorOfTwoOfTheMeasuredPeakForEveryShippedScenario) {
  TestDir dir("estimate");
  int checked = 0;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(DSIM_SOURCE_DIR "/scenarios")) {
    if (e.path().extension() != ".toml") continue;
    if (e.path().parent_path().filename() == "baselines") continue;
    SCOPED_TRACE(e.path().filename().string());
    absl::StatusOr<sim::Scenario> sc = sim::LoadScenarioFile(e.path().string());
    ASSERT_TRUE(sc.ok()) << sc.status();
    const sim::ResourceEstimate estimate = sim::EstimateResources(*sc);
    const uint64_t measured =
        MeasuredPeakBytes(e.path().string(), dir.path() + "/" + e.path().stem().string());
    ASSERT_GT(measured, 0u);
    const double ratio = static_cast<double>(measured) / static_cast<double>(estimate.peak_bytes);
    EXPECT_GE(ratio, 0.5) << sim::FormatEstimate(estimate) << "; measured " << measured;
    EXPECT_LE(ratio, 2.0) << sim::FormatEstimate(estimate) << "; measured " << measured;
    std::printf("%-28s estimate %8.1f MiB  measured %8.1f MiB  ratio %.2f\n",
                e.path().filename().c_str(), static_cast<double>(estimate.peak_bytes) / 1048576,
                static_cast<double>(measured) / 1048576, ratio);
    ++checked;
  }
  EXPECT_GE(checked, 10);
}
#endif

TEST(ResourceEstimate, ValidatePrintsItAndRunRefusesAboveTheLimit) {
  TestDir dir("estimate_cli");
  CommandResult v = Dsim({"validate", kQuickstart}, dir.path());
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_THAT(v.out, HasSubstr("estimated peak memory"));
  EXPECT_THAT(v.out, HasSubstr("events pending at once"));
  for (std::vector<std::string> args :
       {std::vector<std::string>{"run", kQuickstart, "--out", dir.path() + "/never"},
        std::vector<std::string>{"validate", kQuickstart}}) {
    args.insert(args.end(), {"--max-memory", "4MiB"});
    CommandResult r = Dsim(args, dir.path());
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_THAT(r.err, HasSubstr("exceeds --max-memory 4MiB"));
    EXPECT_THAT(r.err, HasSubstr("workload.kv.keys x columns"));  // names the keys that drive it
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/never/results.json"));
  CommandResult bad = Dsim({"run", kQuickstart, "--max-memory", "lots"}, dir.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--max-memory"));
}

TEST(ResourceEstimate, GrowsWithTheKeysThatDriveIt) {
  absl::StatusOr<sim::Scenario> small = sim::LoadScenarioFile(kQuickstart);
  ASSERT_TRUE(small.ok());
  sim::Scenario big = *small;
  for (sim::KvPhaseConfig& p : big.workload.kv.phases) p.rate_per_sec *= 100;
  big.workload.kv.keys *= 100;
  EXPECT_GT(sim::EstimateResources(big).peak_bytes,
            10 * (sim::EstimateResources(*small).peak_bytes - (13u << 19)));
}

}  // namespace
}  // namespace dsim::analysis::test
