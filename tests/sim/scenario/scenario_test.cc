#include "sim/scenario/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace dsim::sim {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::StatusOr<Scenario>& s) { return std::string(s.status().message()); }

absl::StatusOr<Scenario> Load(const std::string& text, std::vector<std::string> overrides = {}) {
  return LoadScenarioText(text, "test.toml", overrides);
}

TEST(Scenario, EveryShippedScenarioValidates) {
  int count = 0;
  // Sub-folders too (scenarios/repair-compare/), but not the baselines.
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(DSIM_SOURCE_DIR "/scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    if (entry.path().parent_path().filename() == "baselines") continue;
    ++count;
    absl::StatusOr<Scenario> s = LoadScenarioFile(entry.path().string());
    EXPECT_TRUE(s.ok()) << entry.path() << ": " << s.status();
  }
  EXPECT_GE(count, 3);
}

TEST(Scenario, ReadsValuesAndFillsDefaults) {
  absl::StatusOr<Scenario> s = Load(R"(
[simulation]
seed = 7
duration = "3s"
[cluster]
nodes = 5
[network.link]
latency = { kind = "uniform", min = "1ms", max = "10ms" }
loss = "1%"
[[faults]]
action = "partition"
at = "1s"
duration = "500ms"
groups = [[0, 1], ["2..3"]]
)");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->simulation.seed, 7u);
  EXPECT_EQ(s->simulation.duration, 3 * kSecond);
  EXPECT_EQ(s->cluster.nodes, 5u);
  EXPECT_EQ(s->network.link.latency.kind, LatencyConfig::Kind::kUniform);
  EXPECT_EQ(s->network.link.latency.max, 10 * kMillisecond);
  EXPECT_EQ(s->network.link.loss, (Ratio{1, 100}));
  EXPECT_TRUE(s->network.link.duplicate.IsZero());  // default
  ASSERT_EQ(s->faults.size(), 1u);
  EXPECT_EQ(s->faults[0].groups, (std::vector<std::vector<NodeId>>{{0, 1}, {2, 3}}));
  EXPECT_EQ(s->faults[0].duration, 500 * kMillisecond);
  EXPECT_EQ(s->name, "test.toml");
  nlohmann::json echo = ScenarioToJson(*s);
  EXPECT_EQ(echo["network"]["link"]["loss"], "1/100");
  EXPECT_EQ(echo["network"]["inter_dc"]["loss"], "1/100");  // defaults filled in
  EXPECT_EQ(echo["metrics"]["sample_interval"], "100ms");
}

TEST(Scenario, UnknownKeyNamesFileLineColumnAndSuggests) {
  absl::StatusOr<Scenario> s = Load("[simulation]\nseed = 1\nduraton = \"1s\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(s), HasSubstr("test.toml:3:1: simulation.duraton: unknown key"));
  EXPECT_THAT(Message(s), HasSubstr("did you mean \"duration\"?"));
}

TEST(Scenario, UnknownSectionIsRejected) {
  absl::StatusOr<Scenario> s = Load("[simulaton]\nseed = 1\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("simulaton: unknown key (did you mean \"simulation\"?)"));
}

TEST(Scenario, WrongTypeSaysWhatWasExpected) {
  absl::StatusOr<Scenario> s = Load("[cluster]\nnodes = \"five\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s),
              HasSubstr("test.toml:2:9: cluster.nodes: expected an integer in [1, 1000000], "
                        "got the string \"five\""));
}

TEST(Scenario, OutOfRangeValue) {
  absl::StatusOr<Scenario> s = Load("[network.link]\nloss = 1.5\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("network.link.loss"));
  EXPECT_THAT(Message(s), HasSubstr("more than 1"));
}

TEST(Scenario, BadUnit) {
  absl::StatusOr<Scenario> s = Load("[simulation]\nduration = \"10 parsecs\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("test.toml:2:12: simulation.duration: expected a duration"));
  EXPECT_THAT(Message(s), HasSubstr("unknown unit \"parsecs\""));
}

TEST(Scenario, SyntaxErrorHasLineAndColumn) {
  absl::StatusOr<Scenario> s = Load("[simulation]\nseed = = 3\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("test.toml:2:"));
  EXPECT_THAT(Message(s), HasSubstr("TOML syntax error"));
}

TEST(Scenario, EmptyAndCommentOnlyFilesAreErrors) {
  EXPECT_THAT(Message(Load("")), HasSubstr("test.toml: the file is empty"));
  EXPECT_THAT(Message(Load("  \n\n")), HasSubstr("the file is empty"));
  EXPECT_THAT(Message(Load("# just a comment\n")), HasSubstr("holds no keys"));
}

TEST(Scenario, BinaryGarbageIsAnErrorNotACrash) {
  std::string garbage;
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 4096; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    garbage.push_back(static_cast<char>(x & 0xff));
  }
  absl::StatusOr<Scenario> s = Load(garbage);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("test.toml"));
  // The same without NUL bytes reaches the TOML parser, which must reject it cleanly too.
  for (char& c : garbage)
    if (c == '\0') c = '\x01';
  s = Load(garbage);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("test.toml"));
}

TEST(Scenario, MissingFileAndDirectory) {
  absl::StatusOr<Scenario> s = LoadScenarioFile("/nonexistent/dir/x.toml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(s), HasSubstr("/nonexistent/dir/x.toml: no such file"));
  s = LoadScenarioFile(DSIM_SOURCE_DIR "/scenarios");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("is a directory"));
}

TEST(Scenario, ReportsEveryProblemAtOnce) {
  absl::StatusOr<Scenario> s = Load("[cluster]\nnodes = 0\n[clocks]\nntp_period = 5\nbogus = 1\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("cluster.nodes"));
  EXPECT_THAT(Message(s), HasSubstr("clocks.ntp_period"));
  EXPECT_THAT(Message(s), HasSubstr("clocks.bogus: unknown key"));
}

TEST(Scenario, InconsistentCombinations) {
  // Node id beyond the cluster, overlapping groups, unknown heal target, uniform min > max.
  absl::StatusOr<Scenario> s = Load(R"(
[cluster]
nodes = 4
[network.link]
latency = { kind = "uniform", min = "10ms", max = "1ms" }
[[faults]]
action = "partition"
at = "1s"
groups = [[0, 1], [1, 7]]
[[faults]]
action = "heal"
at = "2s"
target = "nope"
)");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("network.link.latency.max: is 1ms, below min (10ms)"));
  EXPECT_THAT(Message(s), HasSubstr("faults[0].groups: node id 7 out of range"));
  EXPECT_THAT(Message(s), HasSubstr("faults[0].groups: node 1 is in more than one group"));
  EXPECT_THAT(Message(s),
              HasSubstr("faults[1].target: no earlier network fault is named \"nope\""));
}

TEST(Scenario, DatacenterCountsMustAgree) {
  absl::StatusOr<Scenario> s = Load(R"(
[cluster]
nodes = 5
datacenters = [{ name = "a", nodes = 2 }, { name = "b", nodes = 2 }]
)");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("cluster.nodes: is 5 but the datacenters hold 4 nodes"));
}

TEST(Scenario, FaultKeysDependOnTheAction) {
  absl::StatusOr<Scenario> s = Load(
      "[[faults]]\naction = \"clock_jump\"\nat = \"1s\"\nnode = 0\njump = \"1s\"\ngroups = "
      "[[0]]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("faults[0].groups: unknown key"));
}

TEST(Scenario, OverridesAreValidatedLikeFileKeys) {
  absl::StatusOr<Scenario> s =
      Load("[cluster]\nnodes = 3\n",
           {"cluster.nodes=9", "network.link.loss=\"5%\"", "clocks.timestamps=hlc"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cluster.nodes, 9u);
  EXPECT_EQ(s->network.link.loss, (Ratio{1, 20}));
  EXPECT_EQ(s->clocks.timestamps, ClocksConfig::Timestamps::kHlc);

  s = Load("[cluster]\nnodes = 3\n", {"cluster.nodes=lots"});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s),
              HasSubstr("--set cluster.nodes=lots: cluster.nodes: expected an integer"));

  s = Load("[cluster]\nnodes = 3\n", {"cluster.nodez=4"});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("cluster.nodez: unknown key (did you mean \"nodes\"?)"));

  s = Load("[cluster]\nnodes = 3\n", {"novalue"});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("expected key.path=value"));
}

TEST(Scenario, OverrideReachesIntoArraysByIndex) {
  const char* text =
      "[cluster]\nnodes = 3\n[[faults]]\naction = \"cut_link\"\nat = \"1s\"\nfrom = 0\nto = 1\n";
  absl::StatusOr<Scenario> s = Load(text, {"faults.0.at=2s"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->faults[0].at, 2 * kSecond);
  s = Load(text, {"faults.3.at=2s"});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr("no such element"));
}

TEST(Scenario, ReferenceDocumentsEveryKeyWithItsDefault) {
  std::string ref = ScenarioReference();
  for (const char* needle :
       {"#### `[simulation]`", "| `seed` | integer | `1` |", "| `loss` | probability | `0` |",
        "#### `[[faults]]`", "| `groups` |", "| `sample_interval` | duration | `\"100ms\"` |",
        "#### `latency (table form)`"}) {
    EXPECT_THAT(ref, HasSubstr(needle));
  }
}

TEST(Scenario, ReadmeReferenceMatchesTheLoader) {
  // scenarios/README.md embeds the generated reference; regenerate it with `dsim help scenario`.
  std::ifstream in(DSIM_SOURCE_DIR "/scenarios/README.md");
  ASSERT_TRUE(in.good());
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(readme, HasSubstr(ScenarioReference()))
      << "scenarios/README.md is out of date: paste the output of `dsim help scenario` into it";
}

}  // namespace
}  // namespace dsim::sim

namespace dsim::sim {
namespace {

TEST(Scenario, DatacenterLinkFaults) {
  const char* base = R"(
[cluster]
datacenters = [{ name = "east", nodes = 2 }, { name = "west", nodes = 2 }]
[[faults]]
action = "cut_link"
at = "1s"
)";
  absl::StatusOr<Scenario> s =
      LoadScenarioText(std::string(base) + "from_dc = \"east\"\nto_dc = \"west\"\n", "t.toml");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->faults[0].from_dc, "east");
  EXPECT_EQ(s->faults[0].to_dc, "west");
  EXPECT_EQ(ScenarioToJson(*s)["faults"][0]["from_dc"], "east");

  s = LoadScenarioText(std::string(base) + "from_dc = \"east\"\nto_dc = \"north\"\n", "t.toml");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("faults[0].to_dc: unknown datacenter \"north\""));

  s = LoadScenarioText(std::string(base) + "from_dc = \"east\"\nto = 1\n", "t.toml");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("faults[0].to: unknown key"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("faults[0].to_dc: missing"));
}

}  // namespace
}  // namespace dsim::sim

namespace dsim::sim {
namespace {

TEST(Scenario, ClusterStorageRepairAndKvWorkload) {
  absl::StatusOr<Scenario> s = LoadScenarioText(R"(
[cluster]
nodes = 6
vnodes = 8
replication_factor = 3
write_consistency = "all"
read_consistency = "one"
hinted_handoff = true
[storage]
memtable_flush_threshold = "1MiB"
gc_grace = "1h"
commitlog_sync = "batch"
[repair]
merkle_depth = 15
stream_throughput = "10MiB/s"
[workload]
kind = "kv"
[workload.kv]
keys = 500
popularity = "zipf"
[[workload.kv.phases]]
name = "load"
duration = "2s"
rate = 2000
insert = 1
update = 0
read = 0
[[faults]]
action = "crash"
at = "1s"
node = 2
[[faults]]
action = "drop_mutations"
at = "1s"
duration = "1s"
node = 1
keys = ["k1", "k2"]
[[faults]]
action = "repair"
at = "3s"
[metrics]
require_convergence = true
)",
                                                "t.toml");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cluster.vnodes, 8u);
  EXPECT_EQ(s->cluster.write_consistency, ConsistencyLevel::kAll);
  EXPECT_EQ(s->cluster.read_consistency, ConsistencyLevel::kOne);
  EXPECT_TRUE(s->cluster.hinted_handoff);
  EXPECT_EQ(s->storage.memtable_flush_threshold_bytes, uint64_t{1} << 20);
  EXPECT_EQ(s->storage.gc_grace, kHour);
  EXPECT_EQ(s->storage.commitlog_sync, StorageConfig::CommitlogSync::kBatch);
  EXPECT_EQ(s->repair.merkle_depth, 15u);
  EXPECT_EQ(s->repair.stream_bytes_per_sec, uint64_t{10} << 20);
  EXPECT_EQ(s->workload.kind, WorkloadConfig::Kind::kKv);
  EXPECT_EQ(s->workload.kv.popularity, KvWorkloadConfig::Popularity::kZipf);
  ASSERT_EQ(s->workload.kv.phases.size(), 1u);
  EXPECT_EQ(s->workload.kv.phases[0].rate_per_sec, 2000u);
  EXPECT_EQ(s->workload.kv.phases[0].read, 0u);
  ASSERT_EQ(s->faults.size(), 3u);
  EXPECT_EQ(s->faults[0].kind, FaultConfig::Kind::kCrash);
  EXPECT_EQ(s->faults[1].keys, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_FALSE(s->faults[2].has_node);
  EXPECT_TRUE(s->metrics.require_convergence);
  nlohmann::json echo = ScenarioToJson(*s);
  EXPECT_EQ(echo["cluster"]["write_consistency"], "all");
  EXPECT_EQ(echo["storage"]["commitlog_sync"], "batch");
  EXPECT_EQ(echo["workload"]["kv"]["phases"][0]["insert"], 1);
  EXPECT_EQ(echo["faults"][1]["keys"][1], "k2");
}

TEST(Scenario, ClusterLayerInconsistencies) {
  absl::StatusOr<Scenario> s = LoadScenarioText(R"(
[cluster]
nodes = 2
replication_factor = 3
write_consistency = "most"
[storage]
compaction_min_threshold = 8
compaction_max_threshold = 4
hll_precision = 20
[workload]
kind = "kv"
[[faults]]
action = "drop_mutations"
at = "1s"
node = 1
)",
                                                "t.toml");
  ASSERT_FALSE(s.ok());
  std::string m(s.status().message());
  EXPECT_THAT(m,
              HasSubstr("cluster.write_consistency: expected one of \"one\", \"quorum\", \"all\""));
  EXPECT_THAT(
      m, HasSubstr("storage.compaction_max_threshold: is 4, below compaction_min_threshold (8)"));
  EXPECT_THAT(m, HasSubstr("storage.hll_precision: expected an integer in [4, 18]"));
  EXPECT_THAT(m, HasSubstr("cluster.replication_factor: is 3 but the cluster has only 2 nodes"));
  EXPECT_THAT(
      m, HasSubstr("faults[0].fraction: drop_mutations needs a fraction > 0 or a list of keys"));

  s = LoadScenarioText(
      "[cluster]\nnodes = 3\n[[faults]]\naction = \"crash\"\nat = \"1s\"\nnode = 0\n", "t.toml");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("needs a storage workload"));
}

}  // namespace
}  // namespace dsim::sim

namespace dsim::sim {
namespace {

TEST(Scenario, KeysOfTheOtherWorkloadAreRejectedNotIgnored) {
  absl::StatusOr<Scenario> s = LoadScenarioText(
      "[cluster]\nnodes = 4\nreplication_factor = 2\n[storage]\ngc_grace = \"1h\"\n"
      "[workload]\nkind = \"relay\"\n[workload.kv]\nkeys = 10\n",
      "t.toml");
  ASSERT_FALSE(s.ok());
  const std::string m(s.status().message());
  EXPECT_THAT(
      m,
      HasSubstr("t.toml:3:22: cluster.replication_factor: only applies to workload.kind = \"kv\""));
  EXPECT_THAT(m, HasSubstr("storage: only applies to workload.kind = \"kv\""));
  EXPECT_THAT(m, HasSubstr("workload.kv: only applies to workload.kind = \"kv\""));

  s = LoadScenarioText("[workload]\nkind = \"kv\"\n[workload.relay]\ndeliveries = 5\n", "t.toml");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(
      std::string(s.status().message()),
      HasSubstr(
          "workload.relay: only applies to workload.kind = \"relay\" (this scenario's is \"kv\")"));
}

}  // namespace
}  // namespace dsim::sim
