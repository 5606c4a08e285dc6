// FaultSchedule: turns Scenario::faults into events and applies them: network faults through
// Network's fault API, clock faults (jump, drift change) on the NodeClocks. A fault with a
// `duration` is undone that long after it was applied; `heal` undoes the active faults named by
// its `target`, or every active network fault when the target is empty.
//
//   FaultSchedule faults(scenario.faults, &sched, &network, &clocks);
//   RETURN_IF_ERROR(faults.Install());  // before the workload's start, so that faults at
//                                       // time t precede workload events at time t
//
// Fault events are ordinary (non-daemon) events, so a pending fault keeps the run alive. Clock
// faults are permanent (a later NTP correction undoes a jump; `heal` does not touch clocks).
// Faults at equal times apply in file order.
#ifndef DSIM_SIM_FAULT_SCHEDULE_H_
#define DSIM_SIM_FAULT_SCHEDULE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "sim/clock.h"
#include "sim/config.h"
#include "sim/metrics.h"
#include "sim/network.h"
#include "sim/scheduler.h"

namespace dsim::sim {

class FaultSchedule : public EventHandler {
 public:
  // All pointers must outlive the run.
  FaultSchedule(const std::vector<FaultConfig>& faults, Scheduler* scheduler, Network* network,
                std::vector<NodeClock>* clocks);

  // Checks node and datacenter references, then schedules one event per fault.
  // Errors: InvalidArgument naming the fault (index and name) and the bad reference.
  [[nodiscard]] absl::Status Install();

  void OnEvent(const Event& event) override;

  uint64_t applied() const { return applied_; }
  uint64_t undone() const { return undone_; }
  // Metrics: faults.applied, faults.undone (count), faults.network_active (count, at the end).
  void ExportTo(MetricSet* metrics) const;

 private:
  absl::Status Check(size_t index) const;
  void Apply(size_t index);
  void Undo(size_t index);

  std::vector<FaultConfig> faults_;
  Scheduler* scheduler_;
  Network* network_;
  std::vector<NodeClock>* clocks_;
  // The network fault handle of each applied, still active fault.
  std::vector<std::optional<Network::FaultHandle>> active_;
  uint64_t applied_ = 0;
  uint64_t undone_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_FAULT_SCHEDULE_H_
