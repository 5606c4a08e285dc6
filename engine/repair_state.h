// SSTableRepairState: where an SSTable stands in incremental repair (Cassandra 4.0's
// repairedAt and pendingRepair): unrepaired, pending (claimed by one session) or repaired.
// The store keeps it beside each SSTable (it is not in the file); incremental_repair.h says
// how it changes, how it persists and how it groups compaction.
#ifndef DSIM_ENGINE_REPAIR_STATE_H_
#define DSIM_ENGINE_REPAIR_STATE_H_

#include <cstdint>

#include "engine/check.h"

namespace dsim::engine {

enum class RepairStatus : uint8_t { kUnrepaired, kPending, kRepaired };

struct SSTableRepairState {
  RepairStatus status = RepairStatus::kUnrepaired;
  uint64_t pending_session = 0;  // kPending: the claiming session's id (> 0)
  int64_t repaired_at_us = 0;    // kRepaired: when its session completed (local clock)

  static SSTableRepairState Pending(uint64_t session) {
    return {RepairStatus::kPending, session, 0};
  }
  static SSTableRepairState Repaired(int64_t at_us) { return {RepairStatus::kRepaired, 0, at_us}; }

  // The compaction group: SSTables merge only with SSTables of the same key. Unrepaired is 0,
  // repaired 1, pending session s is 2 + s.
  uint64_t GroupKey() const {
    switch (status) {
      case RepairStatus::kUnrepaired:
        return 0;
      case RepairStatus::kRepaired:
        return 1;
      case RepairStatus::kPending:
        break;
    }
    DSIM_CHECK(pending_session > 0 && pending_session < UINT64_MAX - 2);
    return 2 + pending_session;
  }

  friend bool operator==(const SSTableRepairState&, const SSTableRepairState&) = default;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_REPAIR_STATE_H_
