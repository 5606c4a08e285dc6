#include "sim/repair/strategy_factory.h"

#include <array>
#include <string>

#include "absl/status/status.h"
#include "sim/repair/merkle_strategy.h"
#include "sim/repair/range_sync_strategy.h"
#include "sim/repair/riblt_strategy.h"
#include "sim/repair/row_level_strategy.h"
#include "sim/repair/sstable_dag_strategy.h"

namespace dsim::sim {
namespace {

struct StrategyEntry {
  std::string_view name;
  std::unique_ptr<RepairStrategy> (*make)(RepairContext* context);
};

// One line per strategy: the name repair.strategy will take, and its constructor.
// The order is kRepairStrategyNames' (sim/scenario/config.h; checked at compile time).
constexpr std::array<StrategyEntry, 5> kStrategies = {{
    {MerkleStrategy::kName,
     [](RepairContext* c) -> std::unique_ptr<RepairStrategy> {
       return std::make_unique<MerkleStrategy>(c);
     }},
    {RowLevelStrategy::kName,
     [](RepairContext* c) -> std::unique_ptr<RepairStrategy> {
       return std::make_unique<RowLevelStrategy>(c);
     }},
    {RibltStrategy::kName,
     [](RepairContext* c) -> std::unique_ptr<RepairStrategy> {
       return std::make_unique<RibltStrategy>(c);
     }},
    {RangeSyncStrategy::kName,
     [](RepairContext* c) -> std::unique_ptr<RepairStrategy> {
       return std::make_unique<RangeSyncStrategy>(c);
     }},
    {SSTableDagStrategy::kName,
     [](RepairContext* c) -> std::unique_ptr<RepairStrategy> {
       return std::make_unique<SSTableDagStrategy>(c);
     }},
}};
constexpr bool SameNames() {
  if (kStrategies.size() != kRepairStrategyNames.size()) return false;
  for (size_t i = 0; i < kStrategies.size(); ++i) {
    if (kStrategies[i].name != kRepairStrategyNames[i]) return false;
  }
  return true;
}
static_assert(SameNames(), "kStrategies and kRepairStrategyNames must list the same names");

constexpr std::array<std::string_view, kStrategies.size()> Names() {
  std::array<std::string_view, kStrategies.size()> names{};
  for (size_t i = 0; i < kStrategies.size(); ++i) names[i] = kStrategies[i].name;
  return names;
}
constexpr std::array<std::string_view, kStrategies.size()> kNames = Names();

}  // namespace

absl::Span<const std::string_view> RepairStrategyNames() { return kNames; }

absl::StatusOr<std::unique_ptr<RepairStrategy>> MakeRepairStrategy(std::string_view name,
                                                                   RepairContext* context) {
  DSIM_CHECK(context != nullptr);
  for (const StrategyEntry& e : kStrategies) {
    if (e.name == name) return e.make(context);
  }
  // (Debian's Abseil has its own string_view, so the message is built with std::string.)
  std::string known;
  for (std::string_view n : kNames) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return absl::InvalidArgumentError("unknown repair strategy \"" + std::string(name) +
                                    "\" (known: " + known + ")");
}

}  // namespace dsim::sim
