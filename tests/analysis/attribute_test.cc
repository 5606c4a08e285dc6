// analysis/attribute.h without running the simulator: which faults a unit removes (a crash with
// the restart that undoes it, a named network fault with its heals), the groupings, the scenario
// without a unit's faults, the judgement of a reading (effects, shares, nulls), the order of the
// results, and the metric names suggested for a typo.
#include "analysis/attribute.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/scenario/scenario.h"

namespace dsim::analysis {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kHead[] = R"(
[cluster]
nodes = 5
replication_factor = 3

[workload]
kind = "kv"

[[workload.kv.phases]]
duration = "4s"
rate = 100
)";

sim::Scenario Load(const std::string& faults) {
  absl::StatusOr<sim::Scenario> s = sim::LoadScenarioText(std::string(kHead) + faults, "test");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : sim::Scenario{};
}

sim::Scenario CrashPeriodic() {
  absl::StatusOr<sim::Scenario> s =
      sim::LoadScenarioFile(DSIM_SOURCE_DIR "/scenarios/crash-periodic-commitlog.toml");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : sim::Scenario{};
}

TEST(AttributeUnits, EachCrashTakesTheRestartOfItsNode) {
  const sim::Scenario sc = CrashPeriodic();
  const std::vector<AttributionUnit> units = BuildUnits(sc, Grouping::kEach);
  ASSERT_EQ(units.size(), 11u);
  for (size_t n = 0; n < 5; ++n) {
    EXPECT_THAT(units[n].faults, ElementsAre(n));
    EXPECT_THAT(units[n].companions, ElementsAre(n + 5));
    EXPECT_EQ(units[n].label, absl::StrCat("faults[", n, "] power_loss at 20s node ", n));
    EXPECT_EQ(units[n].companions_text, absl::StrCat("with faults[", n + 5, "] (restart)"));
  }
  // A restart and the repair are units of their own, and take nothing along.
  EXPECT_THAT(units[5].faults, ElementsAre(5u));
  EXPECT_THAT(units[5].companions, IsEmpty());
  EXPECT_EQ(units[10].label, "faults[10] repair at 24s");
  EXPECT_THAT(units[10].companions, IsEmpty());
}

TEST(AttributeUnits, KindGroupsAreTheActionsWithSeveralFaults) {
  const std::vector<AttributionUnit> groups = KindGroups(CrashPeriodic());
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].label, "every power_loss (5)");
  EXPECT_THAT(groups[0].Removed(), ElementsAre(0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u));
  EXPECT_EQ(groups[0].companions_text, "with faults[5-9] (restart)");
  EXPECT_EQ(groups[1].label, "every restart (5)");
  EXPECT_THAT(groups[1].companions, IsEmpty());
  // --group kind has the repair too.
  EXPECT_EQ(BuildUnits(CrashPeriodic(), Grouping::kKind).size(), 3u);
}

TEST(AttributeUnits, CrashPairsWithTheNextRestartOrReplaceInScheduleOrder) {
  // Listed out of time order: the restart at 2s undoes the crash at 1s, the replace at 4s the
  // crash at 3s; node 1's restart belongs to no crash of node 0.
  const sim::Scenario sc = Load(R"(
[[faults]]
action = "replace"
at = "4s"
node = 0
[[faults]]
action = "crash"
at = "3s"
node = 0
[[faults]]
action = "restart"
at = "2s"
node = 0
[[faults]]
action = "crash"
at = "1s"
node = 0
[[faults]]
action = "restart"
at = "2s"
node = 1
)");
  const std::vector<AttributionUnit> units = BuildUnits(sc, Grouping::kEach);
  ASSERT_EQ(units.size(), 5u);
  EXPECT_THAT(units[1].companions, ElementsAre(0u));  // crash at 3s -> replace at 4s
  EXPECT_THAT(units[3].companions, ElementsAre(2u));  // crash at 1s -> restart at 2s
  EXPECT_THAT(units[4].companions, IsEmpty());
  EXPECT_EQ(FaultLabel(sc, 0), "faults[0] replace at 4s node 0");
}

TEST(AttributeUnits, ASecondCrashOfADownNodeTakesNothingAndTheGroupTakesTheRestart) {
  const sim::Scenario sc = Load(R"(
[[faults]]
action = "crash"
at = "1s"
node = 0
[[faults]]
action = "crash"
at = "1s"
node = 0
[[faults]]
action = "restart"
at = "2s"
node = 0
)");
  const std::vector<AttributionUnit> units = BuildUnits(sc, Grouping::kEach);
  ASSERT_EQ(units.size(), 3u);
  // Without either crash the other still takes node 0 down, and the restart brings it back.
  EXPECT_THAT(units[0].companions, IsEmpty());
  EXPECT_THAT(units[1].companions, IsEmpty());
  const std::vector<AttributionUnit> groups = KindGroups(sc);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].label, "every crash (2)");
  EXPECT_THAT(groups[0].companions, ElementsAre(2u));
}

TEST(AttributeUnits, NamedNetworkFaultTakesItsHealsAndNamesGroupByStem) {
  const sim::Scenario sc = Load(R"(
[[faults]]
name = "cut-1"
action = "partition"
at = "1s"
groups = [[0, 1]]
[[faults]]
name = "cut-2"
action = "cut_link"
at = "1s"
from = 2
to = 3
[[faults]]
action = "heal"
at = "2s"
target = "cut-1"
[[faults]]
action = "heal"
at = "3s"
)");
  const std::vector<AttributionUnit> each = BuildUnits(sc, Grouping::kEach);
  ASSERT_EQ(each.size(), 4u);
  EXPECT_EQ(each[0].label, "cut-1");
  EXPECT_THAT(each[0].companions, ElementsAre(2u));
  EXPECT_THAT(each[1].companions, IsEmpty());
  EXPECT_THAT(each[3].companions, IsEmpty());  // a heal of everything belongs to no fault
  const std::vector<AttributionUnit> named = BuildUnits(sc, Grouping::kName);
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].label, "cut* (cut-1, cut-2)");
  EXPECT_THAT(named[0].Removed(), ElementsAre(0u, 1u, 2u));
  EXPECT_EQ(named[1].label, "faults[2] heal at 2s");
  // The scenario without the unit loads what a file without those faults would hold.
  const sim::Scenario without = WithoutFaults(sc, named[0].Removed());
  ASSERT_EQ(without.faults.size(), 1u);
  EXPECT_EQ(without.faults[0].at, sc.faults[3].at);
}

TEST(AttributeUnits, GroupingNamesAndIndexLists) {
  EXPECT_EQ(ParseGrouping("kind"), Grouping::kKind);
  EXPECT_EQ(ParseGrouping("each"), Grouping::kEach);
  EXPECT_EQ(ParseGrouping("name"), Grouping::kName);
  EXPECT_EQ(ParseGrouping("kinds"), std::nullopt);
  EXPECT_EQ(IndexList({5}), "faults[5]");
  EXPECT_EQ(IndexList({1, 3, 5, 6, 7}), "faults[1,3,5-7]");
}

UnitResult Judge(const Attribution& a, bool present, std::optional<double> v, size_t first) {
  UnitResult r;
  r.unit.faults = {first};
  r.reading.present = present;
  r.reading.value = v;
  Evaluate(a, &r);
  return r;
}

TEST(AttributeEvaluate, EffectsSharesAndNulls) {
  Attribution a;
  a.metric = "data_loss.cells";
  a.direction = Direction::kLowerIsBetter;
  a.good = 0.0;
  a.baseline = {true, 400.0};
  UnitResult clears = Judge(a, true, 0.0, 0);
  EXPECT_EQ(clears.effect, Effect::kClears);
  EXPECT_EQ(clears.change, -400.0);
  EXPECT_EQ(clears.share, 1.0);
  UnitResult part = Judge(a, true, 100.0, 1);
  EXPECT_EQ(part.effect, Effect::kBetter);
  EXPECT_EQ(part.share, 0.75);
  EXPECT_EQ(Judge(a, true, 500.0, 2).effect, Effect::kWorse);
  EXPECT_EQ(Judge(a, true, 400.0, 3).effect, Effect::kNone);

  // convergence.time: null (never converged) is the worst it can be.
  a.metric = "convergence.time";
  a.baseline = {true, 3.0};
  UnitResult never = Judge(a, true, std::nullopt, 4);
  EXPECT_EQ(never.effect, Effect::kWorse);
  EXPECT_EQ(never.change, std::nullopt);
  EXPECT_EQ(never.share, std::nullopt);
  a.baseline = {true, std::nullopt};
  EXPECT_EQ(Judge(a, true, 2.0, 5).effect, Effect::kBetter);
  EXPECT_EQ(Judge(a, true, 0.0, 5).effect, Effect::kClears);
  EXPECT_EQ(Judge(a, true, std::nullopt, 5).effect, Effect::kNone);
  // A metric the variant does not have at all changes, with no direction.
  EXPECT_EQ(Judge(a, false, std::nullopt, 6).effect, Effect::kChanges);
}

TEST(AttributeEvaluate, SortsByLargestChangeNullsFirstTiesByFault) {
  Attribution a;
  a.metric = "convergence.time";
  a.direction = Direction::kLowerIsBetter;
  a.good = 0.0;
  a.baseline = {true, 4.0};
  std::vector<UnitResult> r = {Judge(a, true, 3.0, 0), Judge(a, true, 4.0, 1),
                               Judge(a, true, 5.0, 2), Judge(a, true, std::nullopt, 3),
                               Judge(a, true, 0.0, 4)};
  SortResults(&r);
  std::vector<size_t> order;
  for (const UnitResult& x : r) order.push_back(x.unit.faults.front());
  EXPECT_THAT(order, ElementsAre(3u, 4u, 0u, 2u, 1u));
  EXPECT_TRUE(AnyClears(r));
}

TEST(AttributeMetrics, NearestNamesForATypoAndForAGroup) {
  const std::vector<std::string> paths = {"convergence.time", "data_loss.cells",
                                          "data_loss.acknowledged_cells", "zombies.cells",
                                          "ops.write.availability"};
  EXPECT_THAT(NearestMetrics("data_loss.cell", paths, 5), ElementsAre("data_loss.cells"));
  EXPECT_THAT(NearestMetrics("data_loss", paths, 5),
              ElementsAre("data_loss.cells", "data_loss.acknowledged_cells"));
  EXPECT_THAT(NearestMetrics("convergance.time", paths, 5), ElementsAre("convergence.time"));
  EXPECT_THAT(NearestMetrics("nothing.like.it", paths, 5), IsEmpty());
}

}  // namespace
}  // namespace dsim::analysis
