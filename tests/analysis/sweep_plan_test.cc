#include "analysis/sweep_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dsim::analysis {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(SplitValues, SplitsAtTopLevelCommasOnly) {
  EXPECT_THAT(*SplitValues("0.01,0.05"), ElementsAre("0.01", "0.05"));
  EXPECT_THAT(*SplitValues("[1, 2],[3]"), ElementsAre("[1, 2]", "[3]"));
  EXPECT_THAT(*SplitValues("\"a,b\",c"), ElementsAre("\"a,b\"", "c"));
  EXPECT_THAT(*SplitValues("{ kind = \"constant\", value = \"1ms\" }"),
              ElementsAre("{ kind = \"constant\", value = \"1ms\" }"));
  EXPECT_THAT(*SplitValues("10ms"), ElementsAre("10ms"));
  EXPECT_FALSE(SplitValues("1,,2").ok());
  EXPECT_FALSE(SplitValues("1,").ok());
  EXPECT_FALSE(SplitValues("[1,2").ok());
  EXPECT_FALSE(SplitValues("1]").ok());
}

TEST(ParseSeedRange, AcceptsRangesAndSingleSeeds) {
  EXPECT_EQ(*ParseSeedRange("1..20"), std::make_pair(uint64_t{1}, uint64_t{20}));
  EXPECT_EQ(*ParseSeedRange("7"), std::make_pair(uint64_t{7}, uint64_t{7}));
  EXPECT_THAT(Message(ParseSeedRange("20..1").status()), HasSubstr("--seeds 20..1"));
  EXPECT_FALSE(ParseSeedRange("a..b").ok());
  EXPECT_FALSE(ParseSeedRange("-1..3").ok());
  EXPECT_FALSE(ParseSeedRange("1..").ok());
  EXPECT_FALSE(ParseSeedRange("0..99999999999").ok());  // more than kMaxRuns
}

TEST(ParseShard, RequiresIndexBelowCount) {
  ShardSpec s = *ParseShard("2/3");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 3u);
  EXPECT_THAT(Message(ParseShard("3/3").status()), HasSubstr("--shard 3/3"));
  EXPECT_FALSE(ParseShard("1/0").ok());
  EXPECT_FALSE(ParseShard("1").ok());
}

TEST(BuildPlan, CartesianProductWithFirstParameterSlowest) {
  absl::StatusOr<SweepPlan> plan = BuildPlan(
      {"workload.relay.deliveries=2000", "network.link.loss=0.01,0.05", "cluster.nodes=3,5,7"}, 1,
      4);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fixed_overrides, ElementsAre("workload.relay.deliveries=2000"));
  ASSERT_EQ(plan->parameters.size(), 2u);
  ASSERT_EQ(plan->points.size(), 6u);
  EXPECT_EQ(plan->points[0].name, "network.link.loss=0.01,cluster.nodes=3");
  EXPECT_EQ(plan->points[1].name, "network.link.loss=0.01,cluster.nodes=5");
  EXPECT_EQ(plan->points[3].name, "network.link.loss=0.05,cluster.nodes=3");
  EXPECT_EQ(plan->run_count(), 24u);
  EXPECT_EQ(plan->RunDir(0), "runs/network.link.loss=0.01,cluster.nodes=3/seed-1");
  EXPECT_EQ(plan->RunDir(5), "runs/network.link.loss=0.01,cluster.nodes=5/seed-2");
  EXPECT_THAT(plan->Overrides(4), ElementsAre("workload.relay.deliveries=2000",
                                              "network.link.loss=0.05", "cluster.nodes=5"));
}

TEST(BuildPlan, NothingSweptIsOnePointNamedDefault) {
  SweepPlan plan = *BuildPlan({}, 3, 5);
  ASSERT_EQ(plan.points.size(), 1u);
  EXPECT_EQ(plan.points[0].name, "default");
  EXPECT_EQ(plan.run_count(), 3u);
  EXPECT_EQ(plan.SeedOf(2), 5u);
}

TEST(BuildPlan, RejectsAmbiguousInput) {
  EXPECT_THAT(Message(BuildPlan({"simulation.seed=1,2"}, 1, 2).status()), HasSubstr("--seeds"));
  EXPECT_THAT(Message(BuildPlan({"a.b=1", "a.b=2"}, 1, 2).status()), HasSubstr("given twice"));
  EXPECT_THAT(Message(BuildPlan({"a.b=1,1"}, 1, 2).status()), HasSubstr("listed twice"));
  EXPECT_THAT(Message(BuildPlan({"novalue"}, 1, 2).status()), HasSubstr("--set novalue"));
  // Different values, same directory name after sanitising.
  EXPECT_THAT(Message(BuildPlan({"a.b=x/y,x y"}, 1, 2).status()), HasSubstr("same directory name"));
}

TEST(PointDirName, IsReadableSafeAndBounded) {
  EXPECT_EQ(PointDirName({{"network.link.loss", "0.05"}}), "network.link.loss=0.05");
  EXPECT_EQ(PointDirName({{"faults.0.groups", "[[0, 1], [2]]"}}), "faults.0.groups=__0,_1_,__2__");
  EXPECT_EQ(PointDirName({{"a", "\"10ms\""}}), "a=_10ms_");
  const std::string long_value(300, 'x');
  const std::string name = PointDirName({{"k", long_value}});
  EXPECT_LE(name.size(), 160u);
  EXPECT_NE(name, PointDirName({{"k", long_value + "y"}}));
  EXPECT_EQ(name.find('/'), std::string::npos);
}

TEST(Shard, EveryRunBelongsToExactlyOneShard) {
  SweepPlan plan = *BuildPlan({"a.b=1,2,3"}, 1, 7);
  for (uint32_t n = 1; n <= 5; ++n) {
    std::vector<int> owners(plan.run_count(), 0);
    for (uint32_t i = 0; i < n; ++i) {
      for (uint64_t r = 0; r < plan.run_count(); ++r) owners[r] += ShardSpec{i, n}.Owns(r) ? 1 : 0;
    }
    for (int o : owners) EXPECT_EQ(o, 1) << "N=" << n;
  }
}

TEST(PlanJson, RoundTripsAndComparesRunsOnly) {
  SweepPlan plan = *BuildPlan({"x.y=1", "a.b=1,2"}, 1, 3);
  plan.scenario_file = "s.toml";
  plan.scenario_name = "s";
  plan.scenario_digest = "0x0123";
  plan.shard = ShardSpec{1, 3};
  absl::StatusOr<SweepPlan> back = PlanFromJson(PlanToJson(plan), "sweep.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(PlanToJson(*back), PlanToJson(plan));
  EXPECT_EQ(back->shard.index, 1u);

  SweepPlan other = plan;
  other.scenario_file = "elsewhere/s.toml";
  other.shard = ShardSpec{};
  EXPECT_TRUE(SameRuns(plan, other));
  other.scenario_digest = "0x4567";
  EXPECT_FALSE(SameRuns(plan, other));
  EXPECT_FALSE(PlanFromJson(nlohmann::json{{"format", "x"}}, "f").ok());
}

}  // namespace
}  // namespace dsim::analysis
