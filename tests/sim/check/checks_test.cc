// sim/check/checks.h: each class's promise, each way, from the configuration alone; and a check
// fails only where it is promised and broken.
#include "sim/check/checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "sim/core/units.h"
#include "sim/scenario/scenario.h"

namespace dsim::sim::check {
namespace {

using ::testing::HasSubstr;

// quickstart: 6 nodes, RF 3, quorum both ways (W = R = 2), 12 s of workload, periodic sync,
// gc_grace 10 days; its faults replaced by what each test adds.
Scenario Base() {
  absl::StatusOr<Scenario> s = LoadScenarioFile(DSIM_SOURCE_DIR "/scenarios/quickstart.toml", {});
  EXPECT_TRUE(s.ok()) << s.status();
  Scenario sc = *s;
  sc.faults.clear();
  sc.simulation.duration = 20 * kSecond;
  return sc;
}

FaultConfig Node(FaultConfig::Kind kind, Nanos at, NodeId node) {
  FaultConfig f;
  f.kind = kind;
  f.at = at;
  f.node = node;
  return f;
}

FaultConfig Repair(Nanos at) {
  FaultConfig f;
  f.kind = FaultConfig::Kind::kRepair;
  f.at = at;
  return f;
}

using Kind = FaultConfig::Kind;

TEST(Checks, LostWritesPromiseFollowsSyncModeReplacesAndGcGrace) {
  Scenario sc = Base();
  EXPECT_TRUE(PromiseOf(CheckClass::kLostWrites, sc).holds);
  sc.faults.push_back(Node(Kind::kPowerLoss, kSecond, 0));
  sc.storage.commitlog_sync = StorageConfig::CommitlogSync::kPeriodic;
  const Promise periodic = PromiseOf(CheckClass::kLostWrites, sc);
  EXPECT_FALSE(periodic.holds);
  EXPECT_THAT(periodic.why, HasSubstr("periodic"));
  sc.storage.commitlog_sync = StorageConfig::CommitlogSync::kBatch;
  EXPECT_TRUE(PromiseOf(CheckClass::kLostWrites, sc).holds);
  // A process crash keeps what the OS has, whatever the sync mode.
  sc.faults = {Node(Kind::kCrash, kSecond, 0)};
  sc.storage.commitlog_sync = StorageConfig::CommitlogSync::kPeriodic;
  EXPECT_TRUE(PromiseOf(CheckClass::kLostWrites, sc).holds);
  // W = 2: one replace leaves a copy of every acknowledged write, two may not.
  sc.faults.push_back(Node(Kind::kReplace, 2 * kSecond, 0));
  EXPECT_TRUE(PromiseOf(CheckClass::kLostWrites, sc).holds);
  sc.faults.push_back(Node(Kind::kCrash, 3 * kSecond, 1));
  sc.faults.push_back(Node(Kind::kReplace, 4 * kSecond, 1));
  EXPECT_FALSE(PromiseOf(CheckClass::kLostWrites, sc).holds);
  // A purge before the end can lose an acknowledged delete.
  sc = Base();
  sc.storage.gc_grace = 5 * kSecond;
  EXPECT_FALSE(PromiseOf(CheckClass::kLostWrites, sc).holds);
  EXPECT_FALSE(PromiseOf(CheckClass::kZombies, sc).holds);
}

TEST(Checks, ZombiePromiseCountsTheClocksReachAheadOfTrueTime) {
  Scenario sc = Base();  // horizon 20 s
  sc.clocks.offset_max = 0;
  sc.clocks.drift_ppm_max = 0;
  sc.clocks.ntp_period = 0;
  sc.storage.gc_grace = 20 * kSecond + 2 * kMillisecond;
  EXPECT_TRUE(PromiseOf(CheckClass::kZombies, sc).holds);
  // A clock 1 ms ahead purges 1 ms early, and a peer 1 ms behind wrote the tombstone: 2 ms.
  sc.clocks.offset_max = kMillisecond;
  EXPECT_FALSE(PromiseOf(CheckClass::kZombies, sc).holds);
  sc.storage.gc_grace += 2 * kMillisecond;
  EXPECT_TRUE(PromiseOf(CheckClass::kZombies, sc).holds);
  FaultConfig jump = Node(Kind::kClockJump, kSecond, 0);
  jump.jump = 5 * kMillisecond;
  sc.faults.push_back(jump);
  EXPECT_FALSE(PromiseOf(CheckClass::kZombies, sc).holds);
}

TEST(Checks, LivenessIsPromisedOnlyForARunThatEndsWhole) {
  Scenario sc = Base();
  EXPECT_FALSE(PromiseOf(CheckClass::kLiveness, sc).holds);  // liveness_within unset
  sc.checks.liveness_within = 5 * kSecond;
  EXPECT_FALSE(PromiseOf(CheckClass::kLiveness, sc).holds);  // no repair
  sc.faults = {Repair(13 * kSecond)};
  EXPECT_TRUE(PromiseOf(CheckClass::kLiveness, sc).holds);
  sc.faults.insert(sc.faults.begin(), Node(Kind::kCrash, kSecond, 3));
  const Promise down = PromiseOf(CheckClass::kLiveness, sc);
  EXPECT_FALSE(down.holds);
  EXPECT_THAT(down.why, HasSubstr("node 3 is down"));
  sc.faults.insert(sc.faults.begin() + 1, Node(Kind::kRestart, 2 * kSecond, 3));
  EXPECT_TRUE(PromiseOf(CheckClass::kLiveness, sc).holds);
  // A repair before the last fault does not count.
  sc.faults.push_back(Node(Kind::kCrash, 14 * kSecond, 2));
  sc.faults.push_back(Node(Kind::kRestart, 15 * kSecond, 2));
  EXPECT_FALSE(PromiseOf(CheckClass::kLiveness, sc).holds);
  sc.faults.push_back(Repair(16 * kSecond));
  EXPECT_TRUE(PromiseOf(CheckClass::kLiveness, sc).holds);
  // A partition without duration or heal never ends.
  FaultConfig cut;
  cut.kind = Kind::kCutLink;
  cut.at = 3 * kSecond;
  cut.from = 0;
  cut.to = 1;
  sc.faults.push_back(cut);
  EXPECT_FALSE(PromiseOf(CheckClass::kLiveness, sc).holds);
  FaultConfig heal;
  heal.kind = Kind::kHeal;
  heal.at = 4 * kSecond;
  sc.faults.push_back(heal);
  EXPECT_TRUE(PromiseOf(CheckClass::kLiveness, sc).holds);
}

TEST(Checks, StaleReadsNeedOverlappingQuorumsAndNoReplace) {
  Scenario sc = Base();
  EXPECT_TRUE(PromiseOf(CheckClass::kStaleReads, sc).holds);
  sc.cluster.read_consistency = ConsistencyLevel::kOne;  // R + W = 3 = RF
  EXPECT_THAT(PromiseOf(CheckClass::kStaleReads, sc).why, HasSubstr("<= RF 3"));
  sc.cluster.read_consistency = ConsistencyLevel::kAll;
  EXPECT_TRUE(PromiseOf(CheckClass::kStaleReads, sc).holds);
  sc.faults = {Node(Kind::kCrash, kSecond, 0), Node(Kind::kReplace, 2 * kSecond, 0)};
  EXPECT_FALSE(PromiseOf(CheckClass::kStaleReads, sc).holds);
}

TEST(Checks, AFailureIsPromisedAndBroken) {
  Scenario sc = Base();
  sc.checks.lost_writes = true;
  sc.checks.zombies = true;
  MetricSet m;
  m.Set("data_loss.cells", uint64_t{3}, "cells");
  m.Set("zombies.cells", uint64_t{0}, "cells");
  std::vector<CheckResult> r = EvaluateEnabled(sc, m);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].failed);
  EXPECT_THAT(r[0].detail, HasSubstr("data_loss.cells = 3; promised"));
  EXPECT_FALSE(r[1].failed);
  // The same loss under a configuration that allows it is a note, not a failure.
  sc.faults = {Node(Kind::kPowerLoss, kSecond, 0)};
  sc.storage.commitlog_sync = StorageConfig::CommitlogSync::kPeriodic;
  r = EvaluateEnabled(sc, m);
  EXPECT_FALSE(r[0].failed);
  EXPECT_THAT(r[0].detail, HasSubstr("not promised"));
  // Liveness: null or above the bound breaks it.
  sc = Base();
  sc.checks.liveness_within = 2 * kSecond;
  sc.faults = {Repair(kSecond)};
  MetricSet l;
  l.SetNull("convergence.time", "s");
  EXPECT_TRUE(Evaluate(CheckClass::kLiveness, sc, l).failed);
  l.Set("convergence.time", 2.5, "s");
  EXPECT_TRUE(Evaluate(CheckClass::kLiveness, sc, l).failed);
  l.Set("convergence.time", 1.5, "s");
  EXPECT_FALSE(Evaluate(CheckClass::kLiveness, sc, l).failed);
  EXPECT_EQ(ExitCodeOf(CheckClass::kLiveness), 8);
  EXPECT_EQ(ParseCheckClass("stale_reads"), CheckClass::kStaleReads);
  EXPECT_FALSE(ParseCheckClass("stale-reads").has_value());
}

}  // namespace
}  // namespace dsim::sim::check
