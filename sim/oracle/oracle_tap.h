// OracleTap: a copy of everything the oracle is told, in the order it is told, for tests that
// recount the oracle's figures from the full history with their own (slow, simple) bookkeeping.
// A tap only listens: it must not change the run (no scheduling, no randomness, no writes to a
// replica); it may read replicas through the cluster's read-only views. The oracle calls each
// method at the start of the matching hook (oracle.h), so a tap reading replicas sees the data
// the hook is about. Without a tap the oracle pays one null check per hook.
//
//   class Recount : public OracleTap { ... };
//   world->oracle().SetTap(&recount);  // before Start
#ifndef DSIM_SIM_ORACLE_ORACLE_TAP_H_
#define DSIM_SIM_ORACLE_ORACLE_TAP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compaction.h"
#include "engine/partition.h"
#include "sim/core/ids.h"
#include "sim/core/time.h"
#include "sim/kv/kv_data.h"

namespace dsim::sim {

class OracleTap {
 public:
  virtual ~OracleTap() = default;
  virtual void Issued(uint64_t key, uint32_t column, const CellVersion& v, Nanos now) = 0;
  virtual void Acked(uint64_t key, uint32_t column, const CellVersion& v) = 0;
  virtual void Applied(NodeId node, const engine::Partition& incoming, Nanos now) = 0;
  virtual void Lost(NodeId node, const std::vector<std::string>& keys, Nanos now) = 0;
  virtual void Wiped(NodeId node, Nanos now) = 0;
  virtual void Compacted(NodeId node, const engine::CompactionRecord& record, Nanos now) = 0;
  virtual void Fault(Nanos now) = 0;  // NoteFault
  virtual void Mark(Nanos now) = 0;
  virtual void Finished(Nanos end) = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_ORACLE_ORACLE_TAP_H_
