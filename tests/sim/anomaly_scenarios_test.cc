// The shipped anomaly scenarios, each against its control (fixed seeds): LWW updates lost to
// clock skew, zombies after gc_grace, data loss from the periodic commit log; and the Bloom
// false-positive rate observed on the read path against the theory of the filters consulted.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::IsNull;
using testing::LoadShipped;
using testing::RunOk;
using testing::SmallKv;
using testing::U;

TEST(AnomalyScenariosTest, ClockSkewLosesUpdatesAndNoSkewLosesNone) {
  const RunOutput skewed = RunOk(LoadShipped("clock-skew-lww"));
  const bool small = testing::Shrunk();
  EXPECT_GT(U(skewed, "lww.lost_updates"), small ? 100u : 1000u);
  EXPECT_GT(U(skewed, "lww.writes"), small ? 2000u : 20000u);
  EXPECT_EQ(U(skewed, "convergence.divergent_cells_end"), 0u);

  const RunOutput synced = RunOk(LoadShipped("clock-skew-lww", {"clocks.offset_max=0s"}));
  EXPECT_EQ(U(synced, "lww.lost_updates"), 0u);
  EXPECT_EQ(U(synced, "lww.writes"), U(skewed, "lww.writes"));

  // Hybrid logical clocks with the same skew: fewer, but not zero (only causality is tracked).
  const RunOutput hlc = RunOk(LoadShipped("clock-skew-lww", {"clocks.timestamps=hlc"}));
  EXPECT_GT(U(hlc, "lww.lost_updates"), 0u);
  EXPECT_LT(U(hlc, "lww.lost_updates"), U(skewed, "lww.lost_updates") / 2);
}

TEST(AnomalyScenariosTest, GcGraceZombiesPastGraceAndNoneWithin) {
  const RunOutput past = RunOk(LoadShipped("gc-grace-zombie"));
  EXPECT_GT(U(past, "storage.tombstones_purged"), 0u);
  EXPECT_GT(U(past, "zombies.cells"), 0u);
  EXPECT_TRUE(IsNull(past, "convergence.time"));
  EXPECT_EQ(U(past, "convergence.divergent_cells_end"), U(past, "zombies.cells"));

  const RunOutput within = RunOk(LoadShipped("gc-grace-zombie", {"storage.gc_grace=10m"}));
  EXPECT_EQ(U(within, "storage.tombstones_purged"), 0u);
  EXPECT_EQ(U(within, "zombies.cells"), 0u);
  EXPECT_EQ(U(within, "data_loss.cells"), 0u);
  EXPECT_FALSE(IsNull(within, "convergence.time"));
}

TEST(AnomalyScenariosTest, PeriodicCommitLogLosesAcknowledgedWritesBatchDoesNot) {
  const RunOutput periodic = RunOk(LoadShipped("crash-periodic-commitlog"));
  EXPECT_EQ(U(periodic, "nodes.crashes"), 5u);
  EXPECT_GT(U(periodic, "data_loss.cells"), testing::Shrunk() ? 10u : 100u);
  EXPECT_LT(U(periodic, "storage.commitlog_records_replayed"),
            U(periodic, "storage.mutations_applied"));
  EXPECT_FALSE(IsNull(periodic, "convergence.time"));  // replicas agree on what survived

  const RunOutput batch =
      RunOk(LoadShipped("crash-periodic-commitlog", {"storage.commitlog_sync=batch"}));
  EXPECT_EQ(U(batch, "data_loss.cells"), 0u);
  EXPECT_EQ(U(batch, "oracle.winners_lost"), 0u);
  EXPECT_GT(U(batch, "data_loss.acknowledged_cells"), testing::Shrunk() ? 1000u : 10000u);
  // Every mutation was durable when applied: all of them replay.
  EXPECT_EQ(U(batch, "storage.commitlog_records_replayed"), U(batch, "storage.mutations_applied"));
}

// The same five failures as process crashes: the OS keeps every written page, so the commit
// logs replay every mutation and nothing acknowledged is lost, even under periodic sync. A
// power loss under batch sync loses nothing either, unless the test-only defect skips the sync
// that batch promises: then acknowledged writes are lost as under periodic sync.
TEST(AnomalyScenariosTest, ProcessCrashLosesNothingPowerLossLosesTheUnsynced) {
  std::vector<std::string> crash;
  for (int i = 0; i < 5; ++i) crash.push_back(absl::StrCat("faults.", i, ".action=crash"));
  const RunOutput process = RunOk(LoadShipped("crash-periodic-commitlog", crash));
  EXPECT_EQ(U(process, "nodes.crashes"), 5u);
  EXPECT_EQ(U(process, "nodes.power_losses"), 0u);
  EXPECT_EQ(U(process, "data_loss.cells"), 0u);
  EXPECT_EQ(U(process, "oracle.winners_lost"), 0u);
  EXPECT_EQ(U(process, "storage.commitlog_records_replayed"),
            U(process, "storage.mutations_applied"));

  const RunOutput power = RunOk(LoadShipped("crash-periodic-commitlog"));
  EXPECT_EQ(U(power, "nodes.power_losses"), 5u);
  const RunOutput defect =
      RunOk(LoadShipped("crash-periodic-commitlog",
                        {"storage.commitlog_sync=batch", "storage.test_defect=batch_skips_sync"}));
  EXPECT_GT(U(defect, "data_loss.cells"), testing::Shrunk() ? 10u : 100u);
  // Nothing was synced before the power went: every commit-log record since the last flush is
  // gone, more than periodic sync (which synced up to 10 s before) loses.
  EXPECT_EQ(U(defect, "storage.commitlog_syncs"), 0u);
  EXPECT_GT(U(defect, "data_loss.cells"), U(power, "data_loss.cells"));
}

// Reads of written keys query every SSTable's filter; the tables that do not hold the key are
// absent-key queries, each a false positive with its filter's theoretical probability p_i.
// The count of false positives is then a sum of Bernoullis with mean E = sum p_i (the engine
// reports it) and variance sum p_i (1 - p_i) <= E: observed within 4 sigma of E.
TEST(AnomalyScenariosTest, BloomFalsePositivesOnReadsMatchTheFiltersConsulted) {
  const bool small = testing::Shrunk();
  for (double fp_chance : {0.01, 0.1}) {
    Scenario s = SmallKv(9);
    s.workload.kv.keys = small ? 1500 : 4000;
    s.storage.memtable_flush_threshold_bytes = 8 << 10;
    s.storage.compaction_min_threshold = 6;
    s.storage.bloom_fp_chance = fp_chance;
    s.workload.kv.phases[0].duration = (small ? 1500 : 4000) * kMillisecond;  // 1 insert/ms
    s.workload.kv.phases[1].update = 1;
    s.workload.kv.phases[1].remove = 0;
    s.workload.kv.phases[1].read = 9;
    s.workload.kv.phases[1].rate_per_sec = small ? 1500 : 4000;
    const RunOutput out = RunOk(s);
    const double fp = static_cast<double>(U(out, "bloom.queries.false_positives"));
    const double tn = static_cast<double>(U(out, "bloom.queries.true_negatives"));
    const double expected = D(out, "bloom.queries.expected_false_positives");
    EXPECT_GT(expected, small ? 30.0 : 100.0) << "too few absent-key queries to test anything";
    EXPECT_NEAR(fp, expected, 4 * std::sqrt(expected) + 1) << "fp_chance " << fp_chance;
    EXPECT_NEAR(D(out, "bloom.fp.observed"), fp / (fp + tn), 1e-12);
    EXPECT_NEAR(D(out, "bloom.fp.theoretical"), expected / (fp + tn), 1e-12);
    EXPECT_EQ(D(out, "bloom.fp.configured"), fp_chance);
    // Filters sized for their exact key count sit at about the configured chance.
    EXPECT_NEAR(D(out, "bloom.fp.theoretical"), fp_chance, 0.3 * fp_chance);
    EXPECT_GT(U(out, "hll.compactions"), 0u);
    EXPECT_LT(D(out, "hll.error.max"), 0.1);
  }
}

}  // namespace
}  // namespace dsim::sim
