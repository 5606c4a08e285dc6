// dsim help: the overview, the scenario reference, and an unknown topic (a usage error, exit 2,
// with the topics on stderr).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "tests/analysis/cli/capture.h"

namespace dsim::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using testing::Captured;
using testing::ReadAll;

Captured Help(std::vector<std::string> args) {
  return testing::Call(&HelpCommand, std::move(args));
}

constexpr char kTopics[] =
    "topics:\n"
    "  scenario   the reference of every scenario key\n"
    "  COMMAND    a command's options: run, validate, sweep, summarize, merge, check,\n"
    "             report, attribute, shrink, swarm\n"
    "for the commands: dsim help; for a command's options: dsim COMMAND --help\n";

TEST(HelpCommandTest, OverviewAndReferenceExitZero) {
  Captured r = Help({});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out, kOverview);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(Help({"--help"}).out, kOverview);
  r = Help({"scenario"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("replication_factor"));
  EXPECT_EQ(r.err, "");
}

TEST(HelpCommandTest, UnknownTopicListsTopicsOnStderrAndExitsTwo) {
  Captured r = Help({"scenarios"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, std::string("dsim help: unknown topic 'scenarios'\n") + kTopics);
  r = Help({"scenario", "extra"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith("dsim help: unexpected argument 'extra'\ntopics:\n"));
}

TEST(HelpCommandTest, ACommandAsTopicPrintsItsHelp) {
  Captured r = Help({"check"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--write-baseline"));
  EXPECT_THAT(r.out, HasSubstr("--all"));
  r = Help({"run"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--all-metrics"));
  r = Help({"attribute"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--group each|kind|name"));
  EXPECT_THAT(r.out, HasSubstr("usage: dsim attribute FILE"));
  r = Help({"shrink"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("usage: dsim shrink FILE"));
  EXPECT_THAT(r.out, HasSubstr("--max-runs"));
  r = Help({"run", "extra"});
  EXPECT_EQ(r.code, kExitUsage);
}

TEST(HelpCommandTest, RunHelpDocumentsSetIndicesAndAppending) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  EXPECT_EQ(RunCommand({"--help"}, out, err), kExitOk);
  const std::string text = ReadAll(out);
  std::fclose(err);
  EXPECT_THAT(text, HasSubstr("array elements by index, --set faults[0].at=3s; the index equal to "
                              "the length appends an element"));
}

}  // namespace
}  // namespace dsim::cli
