// The loader's errors and `--set` paths (issue 15, point 6): checks across keys are located at
// the key they name and name the `--set` that gave a value; `--set` takes faults[0].at, the form
// errors print, and appends an element with faults[N], N the array's length; a rejected value is
// echoed in its error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/scenario/scenario.h"

namespace dsim::sim {
namespace {

// The loader's whole message ("(accepted)" when the scenario loads).
std::string Error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<Scenario> s = LoadScenarioText(text, "s.toml", overrides);
  return s.ok() ? std::string("(accepted)") : std::string(s.status().message());
}

// A kv scenario with replication_factor on line 9 (column 22 is its value).
constexpr char kRf7[] = R"(# a comment
[simulation]
seed = 1
duration = "5s"

[cluster]
nodes = 5

replication_factor = 7

[workload]
kind = "kv"
)";

constexpr char kKv[] = R"([simulation]
duration = "5s"
[cluster]
nodes = 5
replication_factor = 3
[workload]
kind = "kv"
[[faults]]
action = "crash"
at = "1s"
node = 1
)";

TEST(CrossKeyErrors, PointAtTheKeyTheyName) {
  EXPECT_EQ(Error(kRf7),
            "s.toml:9:22: cluster.replication_factor: is 7 but the cluster has only 5 nodes");
  // A clock override of a node out of range was reported at s.toml:1:1.
  EXPECT_EQ(Error("[cluster]\nnodes = 5\n[workload]\nkind = \"kv\"\n[[clocks.node]]\nnode = 9\n"),
            "s.toml:6:8: clocks.node[0].node: node 9 out of range: the cluster has nodes 0..4");
}

TEST(CrossKeyErrors, NameTheSetThatGaveAValue) {
  // The key named came from --set: located at the other key, which the file holds.
  EXPECT_EQ(Error(kKv, {"cluster.replication_factor=7"}),
            "s.toml:4:9: cluster.replication_factor: is 7 but the cluster has only 5 nodes "
            "(from --set cluster.replication_factor=7)");
  // The other key came from --set.
  EXPECT_EQ(Error(kKv, {"cluster.nodes=2"}),
            "s.toml:5:22: cluster.replication_factor: is 3 but the cluster has only 2 nodes "
            "(from --set cluster.nodes=2)");
  // Both: at the table that holds them.
  EXPECT_EQ(Error(kKv, {"cluster.nodes=2", "cluster.replication_factor=7"}),
            "s.toml:3:1: cluster.replication_factor: is 7 but the cluster has only 2 nodes "
            "(from --set cluster.replication_factor=7) (from --set cluster.nodes=2)");
  // A check inside one element, against a key of another table.
  EXPECT_EQ(Error(kKv, {"simulation.duration=500ms"}),
            "s.toml:10:6: faults[0].at: is 1s, after the end of the run (simulation.duration = "
            "500ms) (from --set simulation.duration=500ms)");
}

TEST(SetPaths, TakeTheIndexFormErrorsPrint) {
  for (const char* set : {"faults[0].at=2s", "faults.0.at=2s"}) {
    absl::StatusOr<Scenario> s = LoadScenarioText(kKv, "s.toml", {set});
    ASSERT_TRUE(s.ok()) << set << ": " << s.status();
    ASSERT_EQ(s->faults.size(), 1u);
    EXPECT_EQ(s->faults[0].at, 2 * kSecond) << set;
  }
  // The error of such a value names the override, in the form it was written.
  EXPECT_EQ(Error(kKv, {"faults[0].at=soon"}),
            "--set faults[0].at=soon: faults[0].at: expected a duration such as \"250us\", "
            "\"10ms\", \"1.5s\" or \"5m\" (units ns, us, ms, s, m, h, d), got \"soon\"");
}

TEST(SetPaths, AnIndexEqualToTheLengthAppends) {
  absl::StatusOr<Scenario> s = LoadScenarioText(
      kKv, "s.toml", {"faults[1].action=restart", "faults[1].at=3s", "faults[1].node=1"});
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->faults.size(), 2u);
  EXPECT_EQ(s->faults[1].kind, FaultConfig::Kind::kRestart);
  EXPECT_EQ(s->faults[1].at, 3 * kSecond);
  // A whole table at once, and into a scenario without faults (the array is made).
  s = LoadScenarioText(
      kRf7, "s.toml",
      {"cluster.replication_factor=3", "faults[0]={action = \"crash\", at = \"2s\", node = 4}"});
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->faults.size(), 1u);
  EXPECT_EQ(s->faults[0].node, 4u);
  // An element the override made names it when a key is missing.
  EXPECT_EQ(Error(kKv, {"faults[1].action=restart", "faults[1].node=1"}),
            "--set faults[1].action=restart: faults[1].at: missing: when the fault happens");
}

TEST(SetPaths, BadIndicesNameTheOverride) {
  EXPECT_EQ(Error(kKv, {"faults[5].at=3s"}),
            "--set faults[5].at=3s: faults[5]: no such element (faults has 1 elements, indexed "
            "from 0; faults[1] appends one)");
  EXPECT_EQ(Error(kKv, {"faults.at=3s"}),
            "--set faults.at=3s: faults is an array: index it, e.g. faults[0]");
  EXPECT_EQ(Error(kKv, {"cluster[0].nodes=3"}),
            "--set cluster[0].nodes=3: cluster is a table, not an array");
  EXPECT_EQ(Error(kKv, {"faults[one].at=3s"}),
            "--set faults[one].at=3s: expected an array index such as faults[0] in the key path, "
            "got \"faults[one]\"");
  EXPECT_EQ(Error(kKv, {"faults[0]x=3s"}), "--set faults[0]x=3s: unexpected \"x\" in the key path");
}

TEST(RejectedValues, AreEchoed) {
  EXPECT_EQ(Error(kKv, {"network.link.latency=-1ms"}),
            "--set network.link.latency=-1ms: network.link.latency: expected a delay between 0s "
            "and 1h, got the string \"-1ms\"");
  EXPECT_EQ(Error(kKv, {"network.link.latency=true"}),
            "--set network.link.latency=true: network.link.latency: expected a duration such as "
            "\"5ms\" or a table such as {kind = \"uniform\", min = \"1ms\", max = \"10ms\"}, got "
            "true");
  EXPECT_EQ(Error(kKv, {"network.link.latency=5"}),
            "--set network.link.latency=5: network.link.latency: expected a duration string such "
            "as \"5ms\" or a latency table, got the integer 5");
  EXPECT_EQ(Error(kKv, {"network.link.bandwidth=0MiB/s"}),
            "--set network.link.bandwidth=0MiB/s: network.link.bandwidth: expected a positive "
            "bandwidth, or \"unlimited\", got the string \"0MiB/s\"");
  EXPECT_EQ(Error(kKv, {"network.link.latency={kind=\"uniform\", min=\"5ms\", max=\"1ms\"}"}),
            "s.toml: network.link.latency.max: is 1ms, below min (5ms) (from --set "
            "network.link.latency={kind=\"uniform\", min=\"5ms\", max=\"1ms\"})");
  EXPECT_EQ(Error(kKv, {"faults[1]={action=\"partition\", at=\"1s\", groups=[]}"}),
            "--set faults[1]={action=\"partition\", at=\"1s\", groups=[]}: faults[1].groups: "
            "expected a non-empty array of node groups, e.g. [[0, 1], [2, 3, 4]], got an empty "
            "array");
  EXPECT_EQ(Error(kKv, {"faults[1]={action=\"partition\", at=\"1s\", groups=[[0], [true]]}"}),
            "--set faults[1]={action=\"partition\", at=\"1s\", groups=[[0], [true]]}: "
            "faults[1].groups: expected node ids, \"a..b\" ranges or datacenter names, got true");
}

}  // namespace
}  // namespace dsim::sim
