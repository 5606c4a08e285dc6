// ReadRepair: what a read that met its consistency level writes back (cluster.read_repair).
//
// The responses counted so far are CRDT-merged; each responding replica whose partition differs
// from the merge (or that had none) is stale, and the coordinator sends it the merged partition
// as a mutation (kWrite, through its ordinary write path; the read does not wait for it). This
// file decides the plan and counts it; the Coordinator sends it.
//
//   ReadRepair rr;
//   if (std::optional<ReadRepair::Plan> plan = rr.PlanFor(responses, counted_mask)) {
//     // send plan->merged to every position in plan->stale
//   }
#ifndef DSIM_SIM_KV_READ_REPAIR_H_
#define DSIM_SIM_KV_READ_REPAIR_H_

#include <cstdint>
#include <optional>

#include "absl/types/span.h"
#include "engine/partition.h"
#include "sim/core/metrics.h"

namespace dsim::sim {

class ReadRepair {
 public:
  struct Plan {
    engine::Partition merged;
    uint32_t stale = 0;  // bitmask of the replica positions to send it to
  };

  // The plan for the responses at the positions in `responded` (`responses[pos]`: that
  // replica's partition, nullopt: it had none), or nullopt when no repair is needed: every
  // response equals the merge, or no response holds any data. Counts the plan it returns.
  std::optional<Plan> PlanFor(absl::Span<const std::optional<engine::Partition>> responses,
                              uint32_t responded);
  // The same, given `merged` = Merge(responses, responded), when the caller has it already.
  std::optional<Plan> PlanFor(absl::Span<const std::optional<engine::Partition>> responses,
                              uint32_t responded, std::optional<engine::Partition> merged);

  // The CRDT merge of the responses at the positions in `responded` (nullopt: none had data):
  // what the read returns.
  static std::optional<engine::Partition> Merge(
      absl::Span<const std::optional<engine::Partition>> responses, uint32_t responded);

  // read_repair.* metrics.
  void ExportTo(MetricSet* metrics) const;

 private:
  uint64_t reads_ = 0;      // reads that sent a repair
  uint64_t mutations_ = 0;  // repair mutations sent (one per stale replica)
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_READ_REPAIR_H_
