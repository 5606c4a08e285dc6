// The repair strategy factory: maps a strategy's name (what repair.strategy will take) to the
// RepairStrategy that implements it (repair_strategy.h). Adding a strategy is one line in
// strategy_factory.cc plus its own file; nothing else in the service changes.
//
//   absl::StatusOr<std::unique_ptr<RepairStrategy>> s = MakeRepairStrategy("merkle", context);
#ifndef DSIM_SIM_REPAIR_STRATEGY_FACTORY_H_
#define DSIM_SIM_REPAIR_STRATEGY_FACTORY_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sim/repair/repair_strategy.h"

namespace dsim::sim {

// The names MakeRepairStrategy knows, in a fixed order.
absl::Span<const std::string_view> RepairStrategyNames();
// The strategy called `name`, using `context` (which must outlive it). Errors: InvalidArgument
// for an unknown name.
absl::StatusOr<std::unique_ptr<RepairStrategy>> MakeRepairStrategy(std::string_view name,
                                                                   RepairContext* context);

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_STRATEGY_FACTORY_H_
