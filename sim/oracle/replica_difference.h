// ReplicaDifference: what actually differs between two replicas' data over one token range,
// counted exactly by comparing their partitions cell by cell.
//
// This is the minimum a repair must move, the yardstick every repair strategy is measured
// against: at the start of each repair session, the repair service reads every replica's data
// in the session's range and adds, over each replica pair, CompareReplicas' counts to
// repair.differing.partitions / repair.differing.cells; over-streaming is what a strategy
// streamed divided by these. The comparison belongs to the oracle's side of the simulation: it
// is exact, draws no randomness, schedules nothing and never steers the run.
//
//   std::vector<engine::Partition> a = ..., b = ...;  // each in ring order within `range`
//   ReplicaDifference d = CompareReplicas(range, a, b);
//   differing_partitions += d.partitions;
//
// Counting rule: a partition differs when it is present on one side only, or present on both
// with different contents; a cell differs when it is present on one side only, or present on
// both with different contents (so a partition present on one side only contributes all its
// cells). Cost: O(|a| + |b|) partitions plus the cells of the partitions present on both sides
// that differ.
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

}  // namespace dsim::sim

#endif  // DSIM_SIM_ORACLE_REPLICA_DIFFERENCE_H_
