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
//
// Node faults (crash, restart, replace, drop_mutations), repairs and marks belong to the cluster
// layer: they go to the NodeFaultHandler (set_node_fault_handler; without one they are no-ops,
// as in the relay workload). A drop_mutations with a `duration` is undone that long after.
// The handler also hears every instant fault activity happens (a fault applied or undone, a
// heal; not repairs or marks), which is what convergence time is measured from.
//
// The schedule records what it applied (Applied(): one AppliedFault per fault whose time came,
// sim/applied_fault.h), which RunOutput carries into results.json's `faults_applied`.
#ifndef DSIM_SIM_FAULT_SCHEDULE_H_
#define DSIM_SIM_FAULT_SCHEDULE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "sim/applied_fault.h"
#include "sim/clock.h"
#include "sim/core/metrics.h"
#include "sim/core/scheduler.h"
#include "sim/net/network.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

// The cluster layer's side of the fault schedule.
class NodeFaultHandler {
 public:
  virtual ~NodeFaultHandler() = default;
  // A crash, restart, replace, drop_mutations, repair or mark at its time (`index` into the
  // scenario's faults).
  virtual void ApplyNodeFault(size_t index, const FaultConfig& fault) = 0;
  // The end of a drop_mutations fault's duration.
  virtual void UndoNodeFault(size_t index, const FaultConfig& fault) = 0;
  // Fault activity at true time `now` (see the header comment).
  virtual void OnFaultActivity(Nanos now) = 0;
};

class FaultSchedule : public EventHandler {
 public:
  // All pointers must outlive the run.
  FaultSchedule(const std::vector<FaultConfig>& faults, Scheduler* scheduler, Network* network,
                std::vector<NodeClock>* clocks);

  // Called when a lasting fault begins or ends (AppliedFault's start and end instants), for
  // per-window metrics; empty: none. Bookkeeping only. Set before Install.
  void set_window_edge_observer(std::function<void(Nanos)> f) { on_window_edge_ = std::move(f); }

  // Receives node faults, repairs and marks (null: they are no-ops). Set before Install.
  void set_node_fault_handler(NodeFaultHandler* handler) { node_handler_ = handler; }

  // Checks node and datacenter references, then schedules one event per fault.
  // Errors: InvalidArgument naming the fault (index and name) and the bad reference.
  [[nodiscard]] absl::Status Install();

  void OnEvent(const Event& event) override;

  uint64_t applied() const { return applied_; }
  uint64_t undone() const { return undone_; }
  // The faults applied so far, by index into the scenario's faults (sim/applied_fault.h); a
  // lasting fault still in effect has no end.
  std::vector<AppliedFault> Applied() const;
  // Metrics: faults.applied, faults.undone (count), faults.network_active (count, at the end).
  void ExportTo(MetricSet* metrics) const;

 private:
  absl::Status Check(size_t index) const;
  void Apply(size_t index);
  void Undo(size_t index);
  // Bookkeeping of the record_ (never schedules, never draws).
  void RecordApplied(size_t index, Nanos now);
  void RecordUndone(size_t index, Nanos now);

  std::vector<FaultConfig> faults_;
  Scheduler* scheduler_;
  Network* network_;
  std::vector<NodeClock>* clocks_;
  // The network fault handle of each applied, still active fault.
  std::vector<std::optional<Network::FaultHandle>> active_;
  NodeFaultHandler* node_handler_ = nullptr;
  std::function<void(Nanos)> on_window_edge_;
  std::vector<bool> node_active_;  // drop_mutations windows not yet undone
  uint64_t applied_ = 0;
  uint64_t undone_ = 0;
  std::vector<std::optional<AppliedFault>> record_;  // per fault; set when applied
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_FAULT_SCHEDULE_H_
