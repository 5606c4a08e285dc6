#include "sim/repair/repair_strategy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "sim/kv/kv_world.h"
#include "sim/repair/strategy_factory.h"
#include "sim/scenario/config.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

TEST(RepairStrategyTest, TheFactoryKnowsTheDefaultAndRejectsUnknownNames) {
  const absl::Span<const std::string_view> names = RepairStrategyNames();
  const std::string default_strategy = RepairConfig{}.strategy;
  EXPECT_NE(std::find(names.begin(), names.end(), default_strategy), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "merkle"), names.end());

  absl::StatusOr<std::unique_ptr<KvWorld>> world = KvWorld::Create(testing::SmallKv());
  ASSERT_TRUE(world.ok()) << world.status();
  RepairService& service = (*world)->repair();
  EXPECT_EQ(service.strategy().name(), default_strategy);
  for (std::string_view name : names) {
    absl::StatusOr<std::unique_ptr<RepairStrategy>> s = MakeRepairStrategy(name, &service);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ((*s)->name(), name);
  }
  absl::StatusOr<std::unique_ptr<RepairStrategy>> bad = MakeRepairStrategy("gossip", &service);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("merkle"), absl::string_view::npos);
}

TEST(SessionTableTest, StateBelongsToOneGenerationOfASlot) {
  SessionTable<int> table;
  const SessionRef a{.index = 2, .generation = 1};
  const SessionRef a_next{.index = 2, .generation = 2};  // the slot's next user
  EXPECT_FALSE(table.IsOpen(a));
  table.Open(a) = 7;
  EXPECT_TRUE(table.IsOpen(a));
  EXPECT_FALSE(table.IsOpen(a_next));
  EXPECT_EQ(table[a], 7);
  table.Close(a);
  EXPECT_FALSE(table.IsOpen(a));
  EXPECT_EQ(table.Open(a_next), 0);  // fresh state, not the previous user's
  EXPECT_DEATH(table.Open(a_next), "opened twice");
  EXPECT_DEATH(table[a], "not open");
}

}  // namespace
}  // namespace dsim::sim
