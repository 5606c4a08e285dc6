#include "sim/kv/read_repair.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "engine/cell.h"
#include "sim/core/metrics.h"

namespace dsim::sim {
namespace {

engine::Partition P(std::vector<std::pair<const char*, int64_t>> cells) {
  engine::Partition p("k1");
  for (auto [col, ts] : cells) p.Put(col, engine::Cell::Live("v", ts));
  return p;
}

uint64_t Metric(const ReadRepair& rr, const char* path) {
  MetricSet m;
  rr.ExportTo(&m);
  return m.Get(path)["value"].get<uint64_t>();
}

TEST(ReadRepairTest, AgreeingResponsesNeedNoRepair) {
  ReadRepair rr;
  std::vector<std::optional<engine::Partition>> responses = {P({{"c0", 1}}), P({{"c0", 1}}),
                                                             std::nullopt};
  EXPECT_FALSE(rr.PlanFor(responses, 0b011).has_value());
  // Nobody holds anything: nothing to write back either.
  responses = {std::nullopt, std::nullopt, std::nullopt};
  EXPECT_FALSE(rr.PlanFor(responses, 0b111).has_value());
  EXPECT_EQ(Metric(rr, "read_repair.reads"), 0u);
}

TEST(ReadRepairTest, StaleAndEmptyRespondersGetTheMerge) {
  ReadRepair rr;
  const std::vector<std::optional<engine::Partition>> responses = {
      P({{"c0", 1}}), P({{"c0", 2}, {"c1", 1}}), std::nullopt, P({{"c0", 1}})};
  // Positions 0..2 responded (2 with nothing); 3 did not, so it is neither merged nor repaired.
  std::optional<ReadRepair::Plan> plan = rr.PlanFor(responses, 0b0111);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->merged, P({{"c0", 2}, {"c1", 1}}));
  EXPECT_EQ(plan->stale, 0b0101u);
  EXPECT_EQ(Metric(rr, "read_repair.reads"), 1u);
  EXPECT_EQ(Metric(rr, "read_repair.mutations"), 2u);
}

}  // namespace
}  // namespace dsim::sim
