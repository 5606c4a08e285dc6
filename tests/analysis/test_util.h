// Helpers for the analysis tests that drive the built dsim binary (DSIM_BINARY_DIR/dsim) as a
// child process, as a user would.
#ifndef DSIM_TESTS_ANALYSIS_TEST_UTIL_H_
#define DSIM_TESTS_ANALYSIS_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/subprocess.h"

namespace dsim::analysis::test {

inline const std::string kDsim = DSIM_BINARY_DIR "/dsim";
// The replicated-store quickstart, and the kernel-only relay quickstart (many fast runs).
inline const std::string kQuickstart = DSIM_SOURCE_DIR "/scenarios/quickstart.toml";
inline const std::string kRelayQuickstart = DSIM_SOURCE_DIR "/scenarios/relay-quickstart.toml";

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// An empty directory for one test, unique per process.
inline std::string FreshDir(const std::string& name) {
  const std::string dir =
      ::testing::TempDir() + "dsim_analysis_" + name + "_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// FreshDir for the length of a test; removed afterwards unless the test failed (then it is kept
// for a look).
class TestDir {
 public:
  explicit TestDir(const std::string& name) : path_(FreshDir(name)) {}
  ~TestDir() {
    if (!::testing::Test::HasFailure()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `dsim args...`; stdout goes through a file, stderr through the pool's pipe.
inline CommandResult Dsim(const std::vector<std::string>& args, const std::string& scratch) {
  ChildSpec spec;
  spec.argv = {kDsim};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.stdout_path = scratch + "/.stdout";
  absl::StatusOr<Finished> f = RunChild(spec);
  CommandResult r;
  if (!f.ok()) {
    ADD_FAILURE() << f.status();
    return r;
  }
  r.exit_code = f->exit.signal != 0 ? 128 + f->exit.signal : f->exit.exit_code;
  r.out = Slurp(spec.stdout_path);
  r.err = f->stderr_text;
  return r;
}

}  // namespace dsim::analysis::test

#endif  // DSIM_TESTS_ANALYSIS_TEST_UTIL_H_
