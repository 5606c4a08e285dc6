// ReplicaReader: the oracle's read-only window onto the replicas' data.
//
// The oracle decides what to re-read (after a crash lost data, a replace wiped a node, a
// compaction purged tombstones, and at the end of the run); whoever holds the replicas (the
// Cluster) implements this interface and answers. A read shows a replica's current merged data,
// up or down (a down node holds its durable state), and changes nothing: no statistics, no
// simulated time, no randomness, so the oracle still never steers the run.
//
//   class Cluster : public ReplicaReader { ... };
//   oracle.SetReplicaReader(&cluster);
//   std::optional<engine::Partition> p = reader->ReadReplica(node, "k42");
#ifndef DSIM_SIM_ORACLE_REPLICA_READER_H_
#define DSIM_SIM_ORACLE_REPLICA_READER_H_

#include <optional>
#include <string_view>

#include "engine/partition.h"
#include "sim/core/ids.h"

namespace dsim::sim {

class ReplicaReader {
 public:
  virtual ~ReplicaReader() = default;
  // `node`'s current partition `key`, merged across its memtable and SSTables (nullopt: it
  // holds nothing for the key). Non-const only because a store's read path is.
  virtual std::optional<engine::Partition> ReadReplica(NodeId node, std::string_view key) = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_ORACLE_REPLICA_READER_H_
