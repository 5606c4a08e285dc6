// The independent ledger (sim/oracle/ledger.h) on cases whose answer is known in closed form:
// one node, one replica, a commit log that never syncs and a memtable that never flushes, so
// every acknowledged write is unsynced when the power goes (all of them lost) and nothing is
// lost by a process crash or under batch sync; and a store that breaks its batch contract
// (storage.test_defect) disagrees with the ledger on every cell. Every shipped scenario and the
// swarm's seeds are checked for agreement in shipped_scenarios_test.cc and swarm_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/check/checks.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::RunOk;
using testing::U;

// Node 0 alone (RF 1) takes 1 s of inserts, then loses power (or crashes) at 1.5 s and
// restarts at 2 s. The sync period (1 h) and memtable threshold (64 MiB) are far beyond the run.
Scenario OneNode(FaultConfig::Kind crash, StorageConfig::CommitlogSync sync) {
  Scenario s = testing::SmallKv(3);
  s.cluster.nodes = 1;
  s.cluster.replication_factor = 1;
  s.storage.commitlog_sync = sync;
  s.storage.commitlog_sync_period = kHour;
  s.storage.memtable_flush_threshold_bytes = 64 << 20;
  s.workload.kv.keys = 400;
  s.workload.kv.columns = 2;
  s.workload.kv.phases.resize(1);
  s.workload.kv.phases[0].rate_per_sec = 400;
  KvPhaseConfig quiet;
  quiet.name = "quiet";
  quiet.duration = 3 * kSecond;
  quiet.rate_per_sec = 0;
  s.workload.kv.phases.push_back(quiet);
  s.faults = {testing::FaultAt(crash, 1500 * kMillisecond),
              testing::FaultAt(FaultConfig::Kind::kRestart, 2 * kSecond)};
  s.checks.ledger = true;
  return s;
}

// What every case shares: the writes all succeeded on the one node, nothing was flushed before
// the crash, and the ledger checked every cell written.
void ExpectAllWritesUnsyncedAndChecked(const RunOutput& out) {
  EXPECT_EQ(U(out, "ops.write.failed"), 0u);
  EXPECT_GT(U(out, "ops.write.succeeded"), 100u);
  // The only flush is recovery's, of what the commit log replayed.
  EXPECT_EQ(U(out, "storage.flushes"), U(out, "storage.commitlog_records_replayed") > 0 ? 1u : 0u);
  EXPECT_EQ(U(out, "ledger.crashes_checked"), 1u);
  EXPECT_EQ(U(out, "ledger.crash.cells_checked"), U(out, "data_loss.acknowledged_cells"));
  EXPECT_EQ(U(out, "ledger.indeterminate_cells"), 0u);
}

TEST(LedgerTest, PowerLossUnderPeriodicSyncLosesExactlyTheUnsyncedWrites) {
  const RunOutput out =
      RunOk(OneNode(FaultConfig::Kind::kPowerLoss, StorageConfig::CommitlogSync::kPeriodic));
  ExpectAllWritesUnsyncedAndChecked(out);
  EXPECT_EQ(U(out, "storage.commitlog_syncs"), 0u);
  EXPECT_EQ(U(out, "nodes.power_losses"), 1u);
  // Every acknowledged cell write was unsynced: all are lost, and so is every cell.
  EXPECT_EQ(U(out, "ledger.power_loss.acked_versions_lost"), U(out, "lww.writes"));
  EXPECT_EQ(U(out, "ledger.power_loss.unsynced_cells"), U(out, "data_loss.acknowledged_cells"));
  EXPECT_EQ(U(out, "data_loss.cells"), U(out, "data_loss.acknowledged_cells"));
  EXPECT_EQ(U(out, "ledger.data_loss_cells"), U(out, "data_loss.cells"));
  EXPECT_EQ(U(out, "ledger.disagreements"), 0u);
}

TEST(LedgerTest, ProcessCrashUnderPeriodicSyncLosesNothing) {
  const RunOutput out =
      RunOk(OneNode(FaultConfig::Kind::kCrash, StorageConfig::CommitlogSync::kPeriodic));
  ExpectAllWritesUnsyncedAndChecked(out);
  EXPECT_EQ(U(out, "storage.commitlog_syncs"), 0u);
  EXPECT_EQ(U(out, "ledger.power_loss.acked_versions_lost"), 0u);
  EXPECT_EQ(U(out, "data_loss.cells"), 0u);
  EXPECT_EQ(U(out, "ledger.disagreements"), 0u);
}

TEST(LedgerTest, PowerLossUnderBatchSyncLosesNothing) {
  const RunOutput out =
      RunOk(OneNode(FaultConfig::Kind::kPowerLoss, StorageConfig::CommitlogSync::kBatch));
  ExpectAllWritesUnsyncedAndChecked(out);
  EXPECT_EQ(U(out, "storage.commitlog_syncs"), U(out, "storage.mutations_applied"));
  EXPECT_EQ(U(out, "ledger.power_loss.unsynced_cells"), 0u);
  EXPECT_EQ(U(out, "data_loss.cells"), 0u);
  EXPECT_EQ(U(out, "ledger.disagreements"), 0u);
}

// Batch sync that skips its sync: the store loses every cell the batch contract made durable,
// so the ledger disagrees on each, and the ledger check fails with exit code 10.
TEST(LedgerTest, BatchThatSkipsItsSyncDisagreesOnEveryCell) {
  Scenario s = OneNode(FaultConfig::Kind::kPowerLoss, StorageConfig::CommitlogSync::kBatch);
  s.storage.test_defect = StorageConfig::TestDefect::kBatchSkipsSync;
  const RunOutput out = RunOk(s);
  ExpectAllWritesUnsyncedAndChecked(out);
  EXPECT_EQ(U(out, "storage.commitlog_syncs"), 0u);
  EXPECT_EQ(U(out, "data_loss.cells"), U(out, "data_loss.acknowledged_cells"));
  // Both crash comparisons and nothing else: the recounts at the end agree with the oracle.
  EXPECT_EQ(U(out, "ledger.disagreements"), U(out, "data_loss.acknowledged_cells"));
  EXPECT_EQ(U(out, "ledger.data_loss_cells"), U(out, "data_loss.cells"));
  const check::CheckResult r = check::Evaluate(check::CheckClass::kLedger, s, out.metrics);
  EXPECT_TRUE(r.enabled);
  EXPECT_TRUE(r.failed) << r.detail;
  EXPECT_EQ(check::ExitCodeOf(check::CheckClass::kLedger), 10);
}

// Off by default: no ledger.* metric, and the check observes nothing.
TEST(LedgerTest, OffByDefault) {
  Scenario s = OneNode(FaultConfig::Kind::kPowerLoss, StorageConfig::CommitlogSync::kPeriodic);
  s.checks.ledger = false;
  const RunOutput out = RunOk(s);
  EXPECT_FALSE(out.metrics.Has("ledger.disagreements"));
  EXPECT_FALSE(check::Evaluate(check::CheckClass::kLedger, s, out.metrics).failed);
}

}  // namespace
}  // namespace dsim::sim
