// `dsim swarm` in-process: bad input names the flag or the file (exit 2); a failing seed exits 1
// and leaves a reproducer that `dsim run` fails with the check's own exit code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "tests/analysis/cli/capture.h"

namespace dsim::cli {
namespace {

using testing::Call;
using testing::Captured;
using ::testing::HasSubstr;

const std::string kQuickstart = DSIM_SOURCE_DIR "/scenarios/quickstart.toml";

TEST(SwarmCommand, BadInputNamesTheFlagOrTheFile) {
  Captured r = Call(&SwarmCommand, {kQuickstart, "--quiet"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--seeds A..B is required"));
  for (const char* bad : {"5", "5..2", "a..b", "1..", "0..2000000"}) {
    r = Call(&SwarmCommand, {kQuickstart, "--quiet", "--seeds", bad});
    EXPECT_EQ(r.code, kExitUsage) << bad;
    EXPECT_THAT(r.err, HasSubstr(std::string("--seeds ") + bad + ": expected A..B")) << bad;
  }
  r = Call(&SwarmCommand, {kQuickstart, "--quiet", "--seeds", "1..2", "--jobs", "0"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--jobs 0: expected an integer"));
  r = Call(&SwarmCommand,
           {DSIM_SOURCE_DIR "/scenarios/relay-quickstart.toml", "--quiet", "--seeds", "1..2"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("must be \"kv\" for dsim swarm"));
  r = Call(&SwarmCommand, {"/nonexistent/x.toml", "--quiet", "--seeds", "1..2"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/x.toml"));
}

TEST(SwarmCommand, AFailingSeedExitsOneAndItsReproducerFailsDsimRun) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "swarm_cli_test";
  std::filesystem::remove_all(dir);
  Captured r =
      Call(&SwarmCommand, {kQuickstart, "--quiet", "--seeds", "17..17", "--jobs", "1", "--set",
                           "storage.test_defect=batch_skips_sync", "--out", dir.string()});
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("seed 17: FAILED lost_writes"));
  const std::string seed = (dir / "seed-17.toml").string();
  ASSERT_TRUE(std::filesystem::exists(seed));
  r = Call(&RunCommand, {seed, "--quiet", "--out", (dir / "run").string()});
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_THAT(r.err, HasSubstr("check lost_writes failed"));
}

}  // namespace
}  // namespace dsim::cli
