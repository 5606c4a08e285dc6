// NodeFaults: the cluster layer's handler of the fault schedule's node faults, repairs and
// marks (FaultSchedule::set_node_fault_handler).
//
//   crash           Cluster::Crash: the memtable and the unsynced commit log are lost, the node
//                   is down (a crash of a node that is down is ignored and counted)
//   restart         Cluster::Restart: the node serves again with its durable data
//   replace         Cluster::Replace: the node comes back with an empty disk (crashing it first
//                   if it was up)
//   drop_mutations  from `at` (for `duration`, or to the end) the node silently drops incoming
//                   mutations (client writes, hints, read repairs; not repair streams): those
//                   of the listed keys always, any other with probability `fraction`
//   repair          a full repair job, or one of `node`'s ranges (RepairService)
//   mark            the oracle measures convergence from here
// Every fault activity instant (see fault_schedule.h) moves the oracle's convergence reference.
//
//   NodeFaults handler(scenario, &cluster, &repair);
//   RETURN_IF_ERROR(handler.Validate());
//   fault_schedule.set_node_fault_handler(&handler);
#ifndef DSIM_SIM_NODE_FAULTS_H_
#define DSIM_SIM_NODE_FAULTS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "sim/fault_schedule.h"
#include "sim/kv/cluster.h"
#include "sim/repair/repair_service.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class NodeFaults : public NodeFaultHandler {
 public:
  // Pointers must outlive it.
  NodeFaults(const Scenario& scenario, Cluster* cluster, RepairService* repair);

  // Checks drop_mutations keys: each must be a workload key "k<index>" with index < keys.
  // Errors: InvalidArgument naming the fault.
  [[nodiscard]] absl::Status Validate() const;

  void ApplyNodeFault(size_t index, const FaultConfig& fault) override;
  void UndoNodeFault(size_t index, const FaultConfig& fault) override;
  void OnFaultActivity(Nanos now) override;

 private:
  const Scenario& scenario_;
  Cluster* cluster_;
  RepairService* repair_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_NODE_FAULTS_H_
