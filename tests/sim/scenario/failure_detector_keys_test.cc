// The failure detector's scenario keys: cluster.failure_detector, and heartbeat_interval and
// phi_convict_threshold, which only phi takes. Bad values are errors naming file, line, column
// and key, echoing the value; a phi key given without phi is refused, never ignored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/scenario/scenario.h"

namespace dsim::sim {
namespace {

using ::testing::HasSubstr;

std::string Error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<Scenario> s = LoadScenarioText(text, "s.toml", overrides);
  return s.ok() ? std::string("(accepted)") : std::string(s.status().message());
}

// Line 5 holds the key under test (column 1 the key, its value after " = ").
std::string Kv(const std::string& cluster_line) {
  return "[simulation]\nduration = \"5s\"\n[cluster]\nnodes = 5\n" + cluster_line +
         "\n[workload]\nkind = \"kv\"\n";
}

TEST(FailureDetectorKeys, DefaultIsPerfectWithoutThePhiKeys) {
  absl::StatusOr<Scenario> s = LoadScenarioText(Kv(""), "s.toml", {});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cluster.failure_detector, ClusterConfig::FailureDetector::kPerfect);
  EXPECT_FALSE(s->cluster.heartbeat_interval.has_value());
  EXPECT_FALSE(s->cluster.phi_convict_threshold.has_value());
}

TEST(FailureDetectorKeys, PhiFillsTheDefaults) {
  absl::StatusOr<Scenario> s = LoadScenarioText(Kv("failure_detector = \"phi\""), "s.toml", {});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cluster.failure_detector, ClusterConfig::FailureDetector::kPhi);
  EXPECT_EQ(s->cluster.heartbeat_interval, kSecond);
  EXPECT_EQ(s->cluster.phi_convict_threshold, 8.0);
  absl::StatusOr<Scenario> t = LoadScenarioText(
      Kv("failure_detector = \"phi\"\nheartbeat_interval = \"100ms\"\nphi_convict_threshold = 12"),
      "s.toml", {});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->cluster.heartbeat_interval, 100 * kMillisecond);
  EXPECT_EQ(t->cluster.phi_convict_threshold, 12.0);
}

TEST(FailureDetectorKeys, UnknownDetectorIsNamed) {
  EXPECT_THAT(Error(Kv("failure_detector = \"gossip\"")),
              HasSubstr("s.toml:5:20: cluster.failure_detector: "));
  EXPECT_THAT(Error(Kv("failure_detector = \"gossip\"")), HasSubstr("gossip"));
}

TEST(FailureDetectorKeys, PhiKeysWithoutPhiAreRefused) {
  EXPECT_EQ(Error(Kv("heartbeat_interval = \"100ms\"")),
            "s.toml:5:22: cluster.heartbeat_interval: is 100ms: only applies to "
            "failure_detector = \"phi\" (this scenario's is \"perfect\")");
  EXPECT_EQ(Error(Kv("phi_convict_threshold = 5")),
            "s.toml:5:25: cluster.phi_convict_threshold: is 5: only applies to "
            "failure_detector = \"phi\" (this scenario's is \"perfect\")");
  // Through --set too, and an explicit "perfect" is the same.
  EXPECT_THAT(Error(Kv("failure_detector = \"perfect\""), {"cluster.heartbeat_interval=2s"}),
              HasSubstr("cluster.heartbeat_interval: is 2s: only applies to failure_detector"));
  // With phi given by --set, the file's phi keys are fine.
  EXPECT_EQ(Error(Kv("heartbeat_interval = \"100ms\""), {"cluster.failure_detector=phi"}),
            "(accepted)");
}

TEST(FailureDetectorKeys, OutOfRangeValuesAreNamedAndEchoed) {
  const std::string phi = "failure_detector = \"phi\"\n";
  const std::string zero = Error(Kv(phi + "heartbeat_interval = \"0s\""));
  EXPECT_THAT(zero, HasSubstr("s.toml:6:22: cluster.heartbeat_interval: "));
  EXPECT_THAT(zero, HasSubstr("between 1ms and 1h, got 0s"));
  const std::string big = Error(Kv(phi + "heartbeat_interval = \"2h\""));
  EXPECT_THAT(big, HasSubstr("cluster.heartbeat_interval: "));
  EXPECT_THAT(big, HasSubstr("got 2h"));
  const std::string low = Error(Kv(phi + "phi_convict_threshold = 0.5"));
  EXPECT_THAT(low, HasSubstr("s.toml:6:25: cluster.phi_convict_threshold: "));
  EXPECT_THAT(low, HasSubstr("0.5"));
  EXPECT_THAT(Error(Kv(phi + "phi_convict_threshold = \"8\"")),
              HasSubstr("cluster.phi_convict_threshold: "));
}

TEST(FailureDetectorKeys, RelayScenariosRefuseThem) {
  const std::string relay =
      "[simulation]\nduration = \"1s\"\n[cluster]\nnodes = 3\nfailure_detector = \"phi\"\n"
      "[workload]\nkind = \"relay\"\n";
  EXPECT_THAT(Error(relay), HasSubstr("s.toml:5:20: cluster.failure_detector: only applies to "
                                      "workload.kind = \"kv\""));
}

}  // namespace
}  // namespace dsim::sim
