// Issue 11, defects 3 and 4: scenarios that validated and then aborted or exhausted memory
// mid-run, and values that were accepted but silently clamped. Each is now refused by the
// loader (dsim validate and dsim run exit 2) with the key that drives it, at that key's line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/commit_log.h"
#include "engine/merkle_tree.h"
#include "sim/core/scheduler.h"
#include "sim/scenario/scenario.h"

namespace dsim::sim {
namespace {

using ::testing::HasSubstr;

constexpr char kKv[] = R"([simulation]
duration = "10s"
[cluster]
nodes = 5
[workload]
kind = "kv"
)";

constexpr char kRelay[] = R"([cluster]
nodes = 20
[workload]
kind = "relay"
)";

std::string Error(const char* text, const std::vector<std::string>& overrides) {
  absl::StatusOr<Scenario> s = LoadScenarioText(text, "test.toml", overrides);
  return s.ok() ? std::string("(accepted)") : std::string(s.status().message());
}

TEST(ResourceLimits, InsertLargerThanTheCommitLogTakesIsRefused) {
  // One 64 MiB column was accepted, and the commit log aborted on the first insert.
  EXPECT_THAT(Error(kKv, {"workload.kv.value_size=64MiB", "workload.kv.columns=1"}),
              HasSubstr("test.toml:5:1: workload.kv.value_size: columns (1) x "
                        "value_size (64MiB) makes an insert of about 67109952B, above the commit "
                        "log's 64MiB limit per mutation (from --set workload.kv.value_size=64MiB) "
                        "(from --set workload.kv.columns=1)"));
  EXPECT_THAT(Error(kKv, {"workload.kv.value_size=1MiB", "workload.kv.columns=100"}),
              HasSubstr("limit per mutation"));
  // Just below the limit is fine.
  const uint64_t fits = engine::CommitLog::kMaxPayloadBytes / 2;
  EXPECT_EQ(
      Error(kKv, {"workload.kv.value_size=" + std::to_string(fits) + "B", "workload.kv.columns=1"}),
      "(accepted)");
}

TEST(ResourceLimits, RingTokensAreBounded) {
  EXPECT_THAT(Error(kKv, {"cluster.nodes=1000000", "cluster.vnodes=4096"}),
              HasSubstr("cluster.vnodes: nodes (1000000) x vnodes (4096) = 4096000000 tokens"));
}

TEST(ResourceLimits, RelayMessagesInFlightFitTheScheduler) {
  // 20 nodes x 10^6 messages passed validation and aborted in the scheduler.
  EXPECT_THAT(Error(kRelay, {"workload.relay.messages_per_node=1000000"}),
              HasSubstr("workload.relay.messages_per_node: nodes (20) x messages_per_node "
                        "(1000000) = 20000000 messages in flight"));
  EXPECT_EQ(Error(kRelay, {"workload.relay.messages_per_node=1000"}), "(accepted)");
}

TEST(ResourceLimits, TimeSeriesRowsAreBounded) {
  EXPECT_THAT(Error(kKv, {"metrics.sample_interval=1ns"}),
              HasSubstr("metrics.sample_interval: is 1ns: over 10s that is 10000000000 rows"));
  EXPECT_EQ(Error(kKv, {"metrics.sample_interval=1ms"}), "(accepted)");
}

TEST(ResourceLimits, ReplicationFactorIsCheckedAtLoadNotAtRunTime) {
  // 17..64 were accepted and refused only when the ring was built.
  EXPECT_THAT(Error(kKv, {"cluster.nodes=40", "cluster.replication_factor=17"}),
              HasSubstr("cluster.replication_factor: expected an integer in [1, 16], got 17"));
  EXPECT_EQ(Error(kKv, {"cluster.nodes=40", "cluster.replication_factor=16"}), "(accepted)");
}

TEST(ResourceLimits, MerkleDepthBeyondTheTreeLimitIsAnErrorNotAClamp) {
  // 21..30 were accepted, clamped to 20, and echoed as given.
  const std::string max = std::to_string(engine::MerkleTree::kMaxDepth);
  EXPECT_THAT(Error(kKv, {"repair.merkle_depth=30"}),
              HasSubstr("repair.merkle_depth: expected an integer in [0, " + max + "], got 30"));
  EXPECT_THAT(Error(kKv, {"repair.merkle_max_depth=21"}),
              HasSubstr("repair.merkle_max_depth: expected an integer in [1, " + max + "]"));
  absl::StatusOr<Scenario> s = LoadScenarioText(kKv, "test.toml", {"repair.merkle_depth=" + max});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->repair.merkle_depth, engine::MerkleTree::kMaxDepth);
}

TEST(ResourceLimits, CrossKeyErrorsPointAtTheKeysLine) {
  // Was reported at test.toml:1:1; the key is on line 4.
  const char* text = R"([simulation]
duration = "10s"
[cluster]
replication_factor = 7
nodes = 5
[workload]
kind = "kv"
)";
  EXPECT_THAT(Error(text, {}), HasSubstr("test.toml:4:22: cluster.replication_factor: is 7 but "
                                         "the cluster has only 5 nodes"));
}

TEST(ResourceLimits, IncrementalRepairNeedsMerkle) {
  const char* text = R"([workload]
kind = "kv"
[repair]
strategy = "row_level"
incremental = true
)";
  EXPECT_THAT(Error(text, {}),
              HasSubstr("test.toml:5:15: repair.incremental: incremental repair is Merkle "
                        "repair's (repair.strategy = \"merkle\"); this scenario's strategy is "
                        "\"row_level\""));
  EXPECT_THAT(Error(kKv, {"repair.incremental=true", "repair.strategy=riblt"}),
              HasSubstr("repair.incremental: incremental repair is Merkle repair's"));
  EXPECT_THAT(Error(kKv, {"repair.session_space=-1"}), HasSubstr("repair.session_space: "));
  absl::StatusOr<Scenario> s =
      LoadScenarioText(kKv, "test.toml", {"repair.incremental=true", "repair.session_space=1MiB"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->repair.incremental);
  EXPECT_EQ(s->repair.session_space_bytes, uint64_t{1} << 20);
}

TEST(ResourceLimits, ChunkingKeysAreCheckedAgainstEachOther) {
  EXPECT_THAT(Error(kKv, {"repair.chunking=rabin"}),
              HasSubstr("repair.chunking: expected one of \"cdc\", \"fixed\""));
  EXPECT_THAT(Error(kKv, {"repair.chunk_min=16KiB"}),
              HasSubstr("test.toml: repair.chunk_min: is 16384 bytes, above chunk_size (8192) "
                        "(from --set repair.chunk_min=16KiB)"));
  EXPECT_THAT(Error(kKv, {"repair.chunk_max=4KiB"}),
              HasSubstr("test.toml: repair.chunk_max: is 4096 bytes, below chunk_size (8192) "
                        "(from --set repair.chunk_max=4KiB)"));
  EXPECT_THAT(Error(kKv, {"repair.chunk_size=12KiB"}),
              HasSubstr("repair.chunk_size: cdc needs a power of two (got 12288 bytes)"));
  EXPECT_THAT(Error(kKv, {"repair.chunk_size=32B"}),
              HasSubstr("repair.chunk_size: expected a size"));
  EXPECT_THAT(Error(kKv, {"repair.strategy=bittorrent"}), HasSubstr("\"sstable_dag\""));
  // Fixed chunking uses chunk_size alone: any size in range will do.
  absl::StatusOr<Scenario> s = LoadScenarioText(
      kKv, "test.toml",
      {"repair.strategy=sstable_dag", "repair.chunking=fixed", "repair.chunk_size=12KiB"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->repair.chunk_bytes, 12u << 10);
}

TEST(ResourceLimits, CorruptNamesItsCategories) {
  const char* text = R"([workload]
kind = "kv"
[[faults]]
action = "corrupt"
at = "1s"
probability = "5%"
categories = ["chunk", "write"]
)";
  EXPECT_THAT(Error(text, {}),
              HasSubstr("test.toml:7:24: faults[0].categories: expected \"stream\" or "
                        "\"chunk\""));
  EXPECT_THAT(
      Error("[workload]\nkind = \"kv\"\n[[faults]]\naction = \"corrupt\"\nat = \"1s\"\n", {}),
      HasSubstr("faults[0].probability: missing"));
  absl::StatusOr<Scenario> s = LoadScenarioText(
      "[workload]\nkind = \"kv\"\n[[faults]]\naction = \"corrupt\"\nat = \"1s\"\n"
      "probability = 0.25\nduration = \"2s\"\n",
      "test.toml");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->faults[0].categories, (std::vector<std::string>{"stream", "chunk"}));
  EXPECT_TRUE(s->faults[0].probability == (Ratio{1, 4}));
}

}  // namespace
}  // namespace dsim::sim
