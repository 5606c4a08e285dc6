// KvWorld: one simulated key-value cluster, assembled from a Scenario with workload.kind = "kv"
// — scheduler, network, clocks, ring, replicas (Cluster), coordinator, repair service, workload,
// fault schedule and oracle, and with cluster.failure_detector = "phi" the failure detector —
// plus its timeseries sampler. RunScenario drives it; tests build
// one to run part of a scenario, look inside (the oracle, a replica's data), and carry on.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<KvWorld> world, KvWorld::Create(scenario));
//   RETURN_IF_ERROR(world->Start());
//   world->scheduler().Run({.until = 5 * kSecond});
//   uint64_t d = world->oracle().divergent_cells();
//   world->Finish(&output);  // metrics and timeseries; call once, after the last Run
//
// Timeseries columns (one row per metrics.sample_interval, daemon events, O(1) per row):
//   events, divergent_cells, writes_succeeded, writes_failed, reads_succeeded, reads_failed,
//   ops_in_flight, nodes_down, hints_pending, repair_sessions_active,
//   repair_streamed_partitions, repair_streamed_bytes, net_sent_messages, net_sent_bytes,
//   net_dropped_messages, net_faults_active
// (counters are cumulative since the start; the others are values at the row's time).
// Node table (nodes.csv, one row per node, at the end): ops_coordinated, ops_succeeded,
// ops_failed_unavailable, ops_failed_timeout (client operations the node coordinated), and
// divergent_cells_max, divergent_cells_end (cells of its keys it lacked the winner of, at its
// own worst moment and at the end: Oracle::lagging_cells), and with the phi failure detector
// fd_convictions_by, fd_convictions_of (convictions the node made, and of it).
#ifndef DSIM_SIM_KV_WORLD_H_
#define DSIM_SIM_KV_WORLD_H_

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/clock.h"
#include "sim/core/scheduler.h"
#include "sim/fault_schedule.h"
#include "sim/kv/cluster.h"
#include "sim/kv/coordinator.h"
#include "sim/kv/failure_detector.h"
#include "sim/kv/kv_workload.h"
#include "sim/kv/node_faults.h"
#include "sim/kv/ring.h"
#include "sim/kv/window_recorder.h"
#include "sim/net/network.h"
#include "sim/oracle/ledger.h"
#include "sim/oracle/oracle.h"
#include "sim/repair/repair_service.h"
#include "sim/run_output.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class Sampler;

class KvWorld {
 public:
  // Errors: InvalidArgument when the topology, ring or drop_mutations keys are invalid.
  // REQUIRES: scenario.workload.kind == kKv.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KvWorld>> Create(const Scenario& scenario);
  ~KvWorld();

  // Schedules the time-0 events, in this order: samples, faults, commit-log syncs, periodic
  // repairs, the workload, then (phi failure detector) heartbeat ticks. Errors: InvalidArgument
  // from the fault schedule's checks.
  [[nodiscard]] absl::Status Start();

  // The final sample, the oracle's end-of-run checks, and every metric into out->metrics and
  // out->timeseries (the caller fills the run fields). Call once, at the end.
  void Finish(RunOutput* out);

  const Scenario& scenario() const { return scenario_; }
  Scheduler& scheduler() { return scheduler_; }
  Network& network() { return *network_; }
  const Ring& ring() const { return *ring_; }
  Oracle& oracle() { return *oracle_; }
  Cluster& cluster() { return *cluster_; }
  Coordinator& coordinator() { return *coordinator_; }
  RepairService& repair() { return *repair_; }
  KvWorkload& workload() { return *workload_; }
  // The phi failure detector; null with cluster.failure_detector = "perfect".
  FailureDetector* failure_detector() { return failure_detector_.get(); }

 private:
  explicit KvWorld(const Scenario& scenario);
  void FillNodeTable(NodeTable* t) const;

  Scenario scenario_;
  Scheduler scheduler_;
  std::unique_ptr<Network> network_;
  std::vector<NodeClock> clocks_;
  std::optional<Ring> ring_;
  std::unique_ptr<Oracle> oracle_;
  std::unique_ptr<Ledger> ledger_;  // [checks] ledger
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<FailureDetector> failure_detector_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<RepairService> repair_;
  std::unique_ptr<KvWorkload> workload_;
  std::unique_ptr<NodeFaults> node_faults_;
  std::unique_ptr<FaultSchedule> faults_;
  std::unique_ptr<Sampler> sampler_;
  std::unique_ptr<WindowRecorder> windows_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_WORLD_H_
