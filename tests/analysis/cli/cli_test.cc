// The dsim run / validate commands end to end, in-process: exit codes, messages that name the
// file and the culprit, results files, and determinism of results.json.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/cli/args.h"
#include "analysis/cli/commands.h"
#include "tests/analysis/cli/capture.h"

namespace dsim::cli {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

using testing::Call;
using testing::Captured;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dsim_cli_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path Write(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  fs::path dir_;
};

// A small relay scenario that runs in milliseconds.
constexpr char kSmall[] = R"(
[simulation]
seed = 3
[cluster]
nodes = 8
[network.link]
latency = { kind = "uniform", min = "1ms", max = "5ms" }
loss = 0.02
[workload.relay]
messages_per_node = 4
deliveries = 5000
)";

TEST_F(CliTest, BrokenScenarioFilesExitTwoNamingFileAndCulprit) {
  struct Case {
    std::string name;
    std::string content;
    std::string culprit;
  };
  std::string garbage;
  for (int i = 0; i < 512; ++i) garbage.push_back(static_cast<char>((i * 7919 + 13) & 0xff));
  std::vector<Case> cases = {
      {"unknown_key.toml", "[cluster]\nnodes = 3\nnodez = 4\n", "cluster.nodez: unknown key"},
      {"wrong_type.toml", "[cluster]\nnodes = true\n", "cluster.nodes: expected an integer"},
      {"syntax.toml", "[cluster\nnodes = 3\n", "TOML syntax error"},
      {"bad_unit.toml", "[simulation]\nduration = \"3 fortnights\"\n",
       "unknown unit \"fortnights\""},
      {"empty.toml", "", "the file is empty"},
      {"garbage.toml", garbage, "not a text file"},
  };
  for (const Case& c : cases) {
    fs::path p = Write(c.name, c.content);
    for (auto cmd : {&RunCommand, &ValidateCommand}) {
      std::vector<std::string> args = {p.string()};
      if (cmd == &RunCommand) args = {p.string(), "--out", (dir_ / "out").string()};
      Captured r = Call(cmd, args);
      EXPECT_EQ(r.code, kExitUsage) << c.name << "\n" << r.err;
      EXPECT_THAT(r.err, HasSubstr(p.string())) << c.name;
      EXPECT_THAT(r.err, HasSubstr(c.culprit)) << c.name;
    }
  }
  EXPECT_FALSE(fs::exists(dir_ / "out")) << "a rejected scenario must not produce results";
  Captured missing = Call(&RunCommand, {(dir_ / "missing.toml").string()});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_THAT(missing.err, HasSubstr((dir_ / "missing.toml").string() + ": no such file"));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  fs::path p = Write("ok.toml", kSmall);
  EXPECT_EQ(Call(&RunCommand, {}).code, kExitUsage);
  Captured r = Call(&RunCommand, {p.string(), "--sead", "4"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("did you mean --seed?"));
  r = Call(&RunCommand, {p.string(), "--seed", "minus-one"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--seed"));
  r = Call(&RunCommand, {p.string(), "extra.toml"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(Call(&RunCommand, {"--help"}).code, kExitOk);
  EXPECT_THAT(Call(&ValidateCommand, {"--help"}).out, HasSubstr("usage: dsim validate FILE"));
}

TEST_F(CliTest, ValidateAcceptsAGoodFile) {
  fs::path p = Write("ok.toml", kSmall);
  Captured r = Call(&ValidateCommand, {p.string()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok"));
}

TEST_F(CliTest, RunWritesResultsAndIsDeterministic) {
  fs::path p = Write("small.toml", kSmall);
  Captured a = Call(&RunCommand, {p.string(), "--out", (dir_ / "a").string()});
  ASSERT_EQ(a.code, kExitOk) << a.err;
  EXPECT_THAT(a.out, HasSubstr("trace hash: 0x"));
  Captured b = Call(&RunCommand, {p.string(), "--out", (dir_ / "b").string()});
  ASSERT_EQ(b.code, kExitOk) << b.err;
  std::string ja = ReadFile(dir_ / "a" / "results.json");
  ASSERT_FALSE(ja.empty());
  EXPECT_EQ(ja, ReadFile(dir_ / "b" / "results.json"))
      << "same scenario and seed must give identical results.json";
  EXPECT_EQ(ReadFile(dir_ / "a" / "timeseries.csv"), ReadFile(dir_ / "b" / "timeseries.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "a" / "results.json.tmp"));

  nlohmann::json j = nlohmann::json::parse(ja);
  EXPECT_EQ(j["seed"], 3);
  EXPECT_EQ(j["scenario"]["cluster"]["nodes"], 8);
  EXPECT_EQ(j["scenario"]["network"]["link"]["loss"], "1/50");
  EXPECT_THAT(j["trace_hash"].get<std::string>(), ::testing::MatchesRegex("0x[0-9a-f]{16}"));
  EXPECT_GT(j["events_processed"].get<uint64_t>(), 5000u);
  for (const char* key : {"wall", "host", "time_s_wall"}) EXPECT_FALSE(j.contains(key));

  Captured c = Call(&RunCommand, {p.string(), "--seed", "4", "--out", (dir_ / "c").string()});
  ASSERT_EQ(c.code, kExitOk) << c.err;
  nlohmann::json jc = nlohmann::json::parse(ReadFile(dir_ / "c" / "results.json"));
  EXPECT_EQ(jc["seed"], 4);
  EXPECT_NE(jc["trace_hash"], j["trace_hash"]) << "a different seed must change the trace hash";
}

TEST_F(CliTest, SetOverridesReachTheRun) {
  fs::path p = Write("small.toml", kSmall);
  Captured r = Call(&RunCommand, {p.string(), "--set", "cluster.nodes=5", "--set",
                                  "network.link.loss=0", "--out", (dir_ / "o").string()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  nlohmann::json j = nlohmann::json::parse(ReadFile(dir_ / "o" / "results.json"));
  EXPECT_EQ(j["scenario"]["cluster"]["nodes"], 5);
  EXPECT_EQ(j["scenario"]["network"]["link"]["loss"], "0");
}

TEST_F(CliTest, UnwritableOutputDirectoryExitsThree) {
  fs::path p = Write("small.toml", kSmall);
  Write("a_file", "x");
  Captured r =
      Call(&RunCommand, {p.string(), "--quiet", "--out", (dir_ / "a_file" / "sub").string()});
  EXPECT_EQ(r.code, kExitIo);
  EXPECT_THAT(r.err, HasSubstr("cannot write results"));
}

}  // namespace
}  // namespace dsim::cli
