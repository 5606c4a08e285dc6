// ReplicaDifference: what actually differs between replicas' data over one token range,
// counted exactly by comparing their partitions cell by cell.
//
// MinimumRepair is the minimum a repair must move, the yardstick every repair strategy is
// measured against: at the start of each repair session the repair service reads every
// replica's data in the session's range and adds MinimumRepair's counts to
// repair.minimum.{partitions,cells,bytes}; over-streaming is what a strategy streamed divided
// by these. The comparison belongs to the oracle's side of the simulation: it is exact, draws
// no randomness, schedules nothing and never steers the run.
//
//   std::vector<std::vector<engine::Partition>> data = ...;  // per replica, ring order
//   RepairMinimum m = MinimumRepair(range, data);
//   minimum_cells += m.cells;
//
// The minimum: the replicas converge on the last-write-wins merge of all their versions (the
// same merge reads and compaction apply). Replica r must receive, for each partition, the cells
// of the merge that it lacks or holds in another (losing) version: those cells, once each. So
// m.cells = sum over replicas and partitions of such cells, m.partitions = the (replica,
// partition) pairs with at least one, and m.bytes = the Partition::ByteSize of each such
// partition cut down to those cells (key + 8, plus name + value + 17 per cell), the unit
// repair.streamed.bytes counts in. A cell present on one replica only costs RF - 1 transfers.
//
// CompareReplicas counts a pair of replicas' differences symmetrically: a partition differs
// when it is present on one side only, or present on both with different contents; a cell
// differs when present on one side only or with different contents (so a partition present on
// one side only contributes all its cells). Cost of either: linear in the partitions read,
// plus the cells of the partitions that differ.
#ifndef DSIM_SIM_ORACLE_REPLICA_DIFFERENCE_H_
#define DSIM_SIM_ORACLE_REPLICA_DIFFERENCE_H_

#include <cstdint>
#include <vector>

#include "engine/partition.h"
#include "engine/token.h"

namespace dsim::sim {

// How two replicas' data over a range differ (partitions present on one side only, or with
// different digests; cells different or present on one side only).
struct ReplicaDifference {
  uint64_t partitions = 0;
  uint64_t cells = 0;
};

// Cells that differ between two replicas' partition lists of one range. REQUIRES: each list is
// in the order Store::ForEachPartitionInRange yields, i.e. ring order within `range` (offset
// from the range's start, then key).
ReplicaDifference CompareReplicas(const engine::TokenRange& range,
                                  const std::vector<engine::Partition>& a,
                                  const std::vector<engine::Partition>& b);

// What the replicas lack of the merge of all their data (see the header comment).
struct RepairMinimum {
  uint64_t partitions = 0;
  uint64_t cells = 0;
  uint64_t bytes = 0;
};

// REQUIRES: each replica's list is in ring order within `range`, as for CompareReplicas.
RepairMinimum MinimumRepair(const engine::TokenRange& range,
                            const std::vector<std::vector<engine::Partition>>& replicas);

}  // namespace dsim::sim

#endif  // DSIM_SIM_ORACLE_REPLICA_DIFFERENCE_H_
