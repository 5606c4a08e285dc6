// AppliedFault: what the fault schedule (sim/fault_schedule.h) did with one entry of
// Scenario::faults, recorded as it happened, so that readers of a run (results.json's
// `faults_applied`, the report's fault shading) need not re-derive which heal ended which fault.
//
// A fault is recorded when its time comes (a fault scheduled after the run stopped is not).
// A lasting fault (partition, cut_link, degrade_link, drop_mutations) stays in effect from
// `start` until it is undone: by its `duration`, by a `heal` naming it, or by a `heal` of every
// network fault; `end` is that instant, or nullopt when the run stopped first. Every other
// action is an instant (clock_jump, drift_change, crash, restart, replace, repair, mark, heal):
// `lasting` is false and `end` is nullopt.
//
// Recording is bookkeeping only: it schedules no event and draws no randomness, so it cannot
// change a run.
#ifndef DSIM_SIM_APPLIED_FAULT_H_
#define DSIM_SIM_APPLIED_FAULT_H_

#include <cstddef>
#include <optional>
#include <string>

#include "sim/core/ids.h"
#include "sim/core/time.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

struct AppliedFault {
  size_t index = 0;  // into Scenario::faults
  FaultConfig::Kind kind = FaultConfig::Kind::kPartition;
  std::string name;            // the fault's `name`; empty when it has none
  std::optional<NodeId> node;  // the node of a single-node action (clock, node faults, repair)
  Nanos start = 0;             // true time it was applied
  bool lasting = false;        // see the header comment
  std::optional<Nanos> end;    // lasting faults: when undone; nullopt: still in effect at the end

  bool operator==(const AppliedFault&) const = default;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_APPLIED_FAULT_H_
