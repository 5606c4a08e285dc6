// analysis/shrink.h on a real scenario: crash-periodic-commitlog (at a fifth of its rate and keys,
// and its load phase cut, so that a shrink takes seconds) shrunk against --check data_loss. The
// minimal scenario's text loads and still fails when run plainly; without its remaining crash it
// passes. And the failure classes.
#include "analysis/shrink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/attribute.h"
#include "analysis/shrink_candidate.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace dsim::analysis {
namespace {

using ::testing::HasSubstr;

const std::string kCrash = DSIM_SOURCE_DIR "/scenarios/crash-periodic-commitlog.toml";

const std::vector<std::string>& Fast() {
  static const std::vector<std::string> o = {
      "workload.kv.keys=3000", "workload.kv.phases.0.rate=200", "workload.kv.phases.1.rate=200"};
  return o;
}

toml::table CrashTable() {
  absl::StatusOr<toml::table> t = ReadScenarioTable(kCrash, Fast());
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : toml::table{};
}

FailureCheck DataLoss() {
  absl::StatusOr<FailureCheck> c = MakeFailureCheck("data_loss", std::nullopt);
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

bool RunFails(const std::string& text, const FailureCheck& check) {
  absl::StatusOr<sim::Scenario> s = sim::LoadScenarioText(text, "minimal.toml");
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return false;
  absl::StatusOr<sim::RunOutput> out = sim::RunScenario(*s);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return false;
  absl::StatusOr<bool> f = check.fails(*s, *out);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() && *f;
}

TEST(Shrink, CrashPeriodicDataLossShrinksToAMinimalScenarioThatStillFails) {
  ShrinkOptions options;
  options.jobs = 2;
  absl::StatusOr<ShrinkResult> r = Shrink(CrashTable(), kCrash, DataLoss(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->before.faults, 11u);
  // A cell is lost only when every one of its RF = 3 replicas loses it: three crashes (of nodes
  // that then stay down) remain, no restart and no repair; fewer crashes lose nothing.
  EXPECT_EQ(r->after.faults, 3u);
  for (const sim::FaultConfig& f : r->scenario.faults) {
    EXPECT_EQ(f.kind, sim::FaultConfig::Kind::kPowerLoss);
  }
  EXPECT_LE(r->after.workload, r->before.workload);
  EXPECT_LE(r->after.nodes, r->before.nodes);
  EXPECT_TRUE(r->one_minimal);
  EXPECT_FALSE(r->bound_hit);
  EXPECT_LE(r->tested, 200u);
  // The minimal scenario is a plain scenario file: it loads and fails under a plain run.
  const std::string text = ScenarioTomlText(r->minimal);
  EXPECT_TRUE(RunFails(text, DataLoss()));
  // Without any one remaining unit (a crash with its restart, say) it passes.
  for (const AttributionUnit& u : BuildUnits(r->scenario, Grouping::kEach)) {
    const std::string without =
        ScenarioTomlText(WithoutArrayEntries(r->minimal, "faults", u.Removed()));
    EXPECT_FALSE(RunFails(without, DataLoss())) << u.label;
  }
}

TEST(Shrink, AScenarioThatDoesNotFailIsRefused) {
  absl::StatusOr<toml::table> t =
      ReadScenarioTable(kCrash, {"workload.kv.keys=3000", "workload.kv.phases.0.rate=200",
                                 "workload.kv.phases.1.rate=200", "storage.commitlog_sync=batch"});
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<ShrinkResult> r = Shrink(*t, kCrash, DataLoss(), ShrinkOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("does not fail --check data_loss"));
}

TEST(Shrink, TheBoundIsKeptAndSaid) {
  ShrinkOptions options;
  options.max_runs = 4;
  absl::StatusOr<ShrinkResult> r = Shrink(CrashTable(), kCrash, DataLoss(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->bound_hit);
  EXPECT_FALSE(r->one_minimal);
  EXPECT_EQ(r->tested, 4u);
  EXPECT_TRUE(RunFails(ScenarioTomlText(r->minimal), DataLoss()));
}

TEST(FailureCheck, UnknownClassSuggestsTheClosest) {
  absl::StatusOr<FailureCheck> c = MakeFailureCheck("data-loss", std::nullopt);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("did you mean data_loss?"));
  EXPECT_THAT(
      c.status().message(),
      HasSubstr(
          "classes: convergence, data_loss, lost_writes, zombies, liveness, stale_reads, ledger, "
          "metric"));
}

TEST(FailureCheck, MetricNeedsItsThresholdAndOnlyIt) {
  EXPECT_FALSE(MakeFailureCheck("metric", std::nullopt).ok());
  EXPECT_FALSE(MakeFailureCheck("data_loss", MetricThreshold{"data_loss.cells", 0}).ok());
  absl::StatusOr<FailureCheck> c = MakeFailureCheck("metric", MetricThreshold{"a.b", 2});
  ASSERT_TRUE(c.ok()) << c.status();
  sim::RunOutput out;
  out.metrics.Set("a.b", 3.0, "cells");
  EXPECT_TRUE(*c->fails(sim::Scenario{}, out));
  out.metrics.Set("a.b", 2.0, "cells");
  EXPECT_FALSE(*c->fails(sim::Scenario{}, out));
  EXPECT_FALSE(c->fails(sim::Scenario{}, sim::RunOutput{}).ok());  // no such metric
}

TEST(FailureCheck, ConvergenceFailsOnANullTime) {
  absl::StatusOr<FailureCheck> c = MakeFailureCheck("convergence", std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status();
  sim::RunOutput out;
  out.metrics.SetNull("convergence.time", "s");
  EXPECT_TRUE(*c->fails(sim::Scenario{}, out));
  out.metrics.Set("convergence.time", 1.5, "s");
  EXPECT_FALSE(*c->fails(sim::Scenario{}, out));
}

}  // namespace
}  // namespace dsim::analysis
