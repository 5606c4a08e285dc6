// RelayWorld: one simulated network running the relay workload (sim/relay/relay_workload.h),
// assembled from a Scenario with workload.kind = "relay": scheduler, topology and network,
// clocks, the fault schedule and the timeseries sampler. It is the kernel's end-to-end exercise
// and the network benchmark, with no storage at all. RunScenario drives it the same way it
// drives KvWorld (sim/kv/kv_world.h):
//
//   ASSIGN_OR_RETURN(std::unique_ptr<RelayWorld> world, RelayWorld::Create(scenario));
//   RETURN_IF_ERROR(world->Start());
//   world->scheduler().Run({.until = 5 * kSecond});
//   world->Finish(&output);  // metrics, timeseries and applied faults; once, after the last Run
//
// Timeseries columns (one row per metrics.sample_interval, daemon events): events, relay_sent,
// relay_delivered, relay_dropped, relay_duplicated, relay_in_flight, net_sent_messages,
// net_sent_bytes, net_delivered_messages, net_dropped_messages, net_faults_active (counters
// cumulative since the start, the others values at the row's time).
#ifndef DSIM_SIM_RELAY_RELAY_WORLD_H_
#define DSIM_SIM_RELAY_RELAY_WORLD_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/clock.h"
#include "sim/core/sampler.h"
#include "sim/core/scheduler.h"
#include "sim/fault_schedule.h"
#include "sim/net/network.h"
#include "sim/relay/relay_workload.h"
#include "sim/run_output.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class RelayWorld {
 public:
  // Errors: InvalidArgument when the topology cannot be built or has fewer than 2 nodes.
  // REQUIRES: scenario.workload.kind == kRelay.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RelayWorld>> Create(const Scenario& scenario);

  // Schedules the time-0 events, in this order: samples, faults, the workload's start.
  // Errors: InvalidArgument from the fault schedule's checks.
  [[nodiscard]] absl::Status Start();

  // The final sample and every metric into out->metrics, out->timeseries and
  // out->faults_applied (the caller fills the run fields first). Call once, at the end.
  void Finish(RunOutput* out);

  Scheduler& scheduler() { return scheduler_; }
  Network& network() { return network_; }
  RelayWorkload& workload() { return relay_; }

 private:
  RelayWorld(const Scenario& scenario, Topology topology);
  std::vector<double> Sample();

  Scenario scenario_;
  Scheduler scheduler_;
  Network network_;
  std::vector<NodeClock> clocks_;
  FaultSchedule faults_;
  RelayWorkload relay_;
  Sampler sampler_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_RELAY_RELAY_WORLD_H_
