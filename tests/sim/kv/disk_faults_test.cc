// corrupt_sstable faults (sim/kv/cluster_disk_faults.cc): a bit flipped at rest in an SSTable's
// data block is found by the store's checksums when the block is read, the table quarantined,
// and a full repair brings the data back from the other replicas. Every injected corruption is
// detected exactly once (a full repair's validation reads every block of every replica), no
// acknowledged write is lost while fewer replicas than W are hit, the run converges, and the
// independent ledger agrees with the oracle throughout.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "sim/check/checks.h"
#include "sim/results.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::RunOk;
using testing::U;

// SmallKv (5 nodes, RF 3, QUORUM) with flips on `nodes` after the load, then a full repair.
Scenario WithFlips(const std::vector<NodeId>& nodes) {
  Scenario s = testing::SmallKv(21);
  s.storage.memtable_flush_threshold_bytes = 16 << 10;  // many SSTables to pick from
  Nanos at = 2 * kSecond;
  for (NodeId n : nodes) {
    s.faults.push_back(testing::FaultAt(FaultConfig::Kind::kCorruptSSTable, at, n));
    at += 300 * kMillisecond;
  }
  s.faults.push_back(testing::FaultAt(FaultConfig::Kind::kRepair, 5500 * kMillisecond));
  s.faults.back().has_node = false;
  s.checks.ledger = true;
  s.checks.lost_writes = true;
  return s;
}

TEST(DiskFaultsTest, EveryFlipIsDetectedTheDataRepairedAndTheRunConverges) {
  const Scenario s = WithFlips({1, 1, 3, 1});  // node 3 alone, or node 1: never W = 2 replicas
  const RunOutput out = RunOk(s);
  EXPECT_EQ(U(out, "nodes.ignored_faults"), 0u);
  EXPECT_GE(U(out, "storage.corruption.injected"), 2u);  // a flip may land in a table hit before
  EXPECT_EQ(U(out, "storage.corruption.detected"), U(out, "storage.corruption.injected"));
  EXPECT_EQ(U(out, "storage.corruption.undetected"), 0u);
  EXPECT_GT(U(out, "storage.corruption.quarantined_partitions"), 0u);
  EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  EXPECT_FALSE(testing::IsNull(out, "convergence.time"));
  // Corrupt SSTables on nodes 1 and 3 could together lose a write that only they acknowledged,
  // so lost_writes is not promised here (it is when one node is hit, below).
  EXPECT_EQ(U(out, "ledger.disagreements"), 0u);
  const RunOutput again = RunOk(s);
  EXPECT_EQ(ResultsJson(s, out).dump(), ResultsJson(s, again).dump());
}

TEST(DiskFaultsTest, FlipsOnOneReplicaLoseNothingAcknowledged) {
  const Scenario s = WithFlips({2, 2, 2});
  const check::Promise promise = check::PromiseOf(check::CheckClass::kLostWrites, s);
  ASSERT_TRUE(promise.holds) << promise.why;  // one node hit < W = 2
  const RunOutput out = RunOk(s);
  EXPECT_EQ(U(out, "storage.corruption.detected"), U(out, "storage.corruption.injected"));
  EXPECT_EQ(U(out, "data_loss.cells"), 0u);
  EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  EXPECT_EQ(U(out, "ledger.disagreements"), 0u);
}

// Two replicas of the same data corrupted before anything reads it can lose writes only they
// acknowledged: the promise says so, and the ledger still agrees with the oracle on the count.
TEST(DiskFaultsTest, PromisesCountCorruptSSTables) {
  const Scenario one = WithFlips({2});
  EXPECT_TRUE(check::PromiseOf(check::CheckClass::kLostWrites, one).holds);
  const Scenario two = WithFlips({1, 2});
  const check::Promise p = check::PromiseOf(check::CheckClass::kLostWrites, two);
  EXPECT_FALSE(p.holds);
  EXPECT_NE(p.why.find("2 nodes with corrupt SSTables"), std::string::npos) << p.why;
  EXPECT_FALSE(check::PromiseOf(check::CheckClass::kStaleReads, one).holds);
  // A corruption a repair's validation finds sets rows of already repaired ranges aside too.
  Scenario live = one;
  live.checks.liveness_within = 5 * kSecond;
  const check::Promise l = check::PromiseOf(check::CheckClass::kLiveness, live);
  EXPECT_FALSE(l.holds);
  EXPECT_NE(l.why.find("no verify"), std::string::npos) << l.why;
  live.faults.erase(live.faults.begin());  // the flip
  EXPECT_TRUE(check::PromiseOf(check::CheckClass::kLiveness, live).holds)
      << check::PromiseOf(check::CheckClass::kLiveness, live).why;
}

// `s` with a verify (every node, or `node`) at `at`.
Scenario WithVerify(Scenario s, Nanos at, std::optional<NodeId> node = std::nullopt) {
  FaultConfig v = testing::FaultAt(FaultConfig::Kind::kVerify, at, node.value_or(0));
  v.has_node = node.has_value();
  s.faults.push_back(v);
  return s;
}

// A verify between the flips and the repair finds every corrupt SSTable, so the one repair
// after it converges: liveness is promised, and it holds.
TEST(DiskFaultsTest, AVerifyBeforeTheRepairMakesOneRepairConverge) {
  Scenario s = WithVerify(WithFlips({2, 2, 2}), 5 * kSecond);
  s.checks.liveness_within = 5 * kSecond;
  const check::Promise l = check::PromiseOf(check::CheckClass::kLiveness, s);
  ASSERT_TRUE(l.holds) << l.why;
  const RunOutput out = RunOk(s);
  EXPECT_GT(U(out, "storage.verify.sstables_checked"), 0u);
  EXPECT_EQ(U(out, "storage.verify.skipped_down"), 0u);
  EXPECT_EQ(U(out, "storage.corruption.detected"), U(out, "storage.corruption.injected"));
  EXPECT_EQ(U(out, "storage.corruption.undetected"), 0u);
  EXPECT_EQ(U(out, "data_loss.cells"), 0u);
  EXPECT_EQ(U(out, "convergence.divergent_cells_end"), 0u);
  ASSERT_FALSE(testing::IsNull(out, "convergence.time"));
  EXPECT_LE(testing::D(out, "convergence.time"), 5.0);
  EXPECT_EQ(U(out, "ledger.disagreements"), 0u);
}

// The promise needs the verify after the last flip, of the flipped node, while it is up.
// (Writes at ALL: two nodes hit are fewer than W = 3, so nothing else withholds it.)
TEST(DiskFaultsTest, LivenessNeedsAVerifyOfEachFlippedNodeWhileUp) {
  auto promised = [](Scenario s) {
    s.checks.liveness_within = 5 * kSecond;
    return check::PromiseOf(check::CheckClass::kLiveness, s).holds;
  };
  Scenario flips = WithFlips({2, 4});
  flips.cluster.write_consistency = ConsistencyLevel::kAll;
  EXPECT_TRUE(promised(WithVerify(WithVerify(flips, 5 * kSecond, 2), 5 * kSecond, 4)));
  EXPECT_FALSE(promised(WithVerify(flips, 5 * kSecond, 2)));       // node 4 not verified
  EXPECT_FALSE(promised(WithVerify(flips, 2100 * kMillisecond)));  // before node 4's flip
  Scenario down = flips;
  down.faults.push_back(testing::FaultAt(FaultConfig::Kind::kCrash, 4 * kSecond, 4));
  down.faults.push_back(testing::FaultAt(FaultConfig::Kind::kRestart, 5200 * kMillisecond, 4));
  EXPECT_FALSE(promised(WithVerify(down, 5 * kSecond)));  // node 4 was down at the verify
  const RunOutput out = RunOk(WithVerify(down, 5 * kSecond));
  EXPECT_EQ(U(out, "storage.verify.skipped_down"), 1u);
}

}  // namespace
}  // namespace dsim::sim
