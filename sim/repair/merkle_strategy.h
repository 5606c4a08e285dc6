// MerkleStrategy ("merkle"): Cassandra-style anti-entropy with Merkle trees, one session per
// token range r, replicas R, initiator i = R[0] (see repair_strategy.h for the hooks).
//  1. Begin: the tree depth is the custom job's request, else repair.merkle_depth (> 0), else
//     Cassandra's rule, min(merkle_max_depth, ceil(log2 n)), on the initiator's estimate n of
//     the partitions in r (its HLL estimate of all its partitions times r's share of the ring
//     fraction it replicates), and never more than r's width allows. i sends each replica a
//     validation request (kControl, kValidationRequestBytes, lane = the replica's position).
//  2. Validation: the replica builds the tree from its merged data at once (a snapshot) and is
//     busy for bytes / validation_throughput (ChargeValidation: validations on a node queue
//     behind each other), then sends the tree to i (kMerkleTree, its serialised size).
//  3. Comparison: with every tree in, i compares each pair (MerkleTree::Difference: differing
//     leaf ranges, contiguous ones merged) and, for each pair with differences, opens two
//     streams of those ranges, one each way, and sends both senders a sync request: both
//     directions, as Cassandra does.
//  4. The session completes when every stream ended (none: at once).
// Until the comparison, a replica going down fails the session (Cassandra's validation needs
// every replica); afterwards the streams handle crashes themselves (streaming.h).
//
// With both directions streamed, a partition missing on one replica is streamed once (from the
// holder), while every identical partition of the same leaf is streamed twice (once each way):
// over-streaming = streamed / minimum (repair.minimum.*, measured by the service). Round trips:
// two (trees, then the sync requests and their streams), one when nothing differs.
//
// Metrics: repair.validations, repair.validation_bytes, repair.trees.{count,bytes},
// repair.depth.{min,max} (null before any session), repair.differing_ranges.
#ifndef DSIM_SIM_REPAIR_MERKLE_STRATEGY_H_
#define DSIM_SIM_REPAIR_MERKLE_STRATEGY_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/merkle_tree.h"
#include "sim/repair/repair_strategy.h"

namespace dsim::sim {

class MerkleStrategy : public RepairStrategy {
 public:
  static constexpr std::string_view kName = "merkle";
  static constexpr uint32_t kValidationRequestBytes = 64;

  // REQUIRES: context outlives the strategy.
  explicit MerkleStrategy(RepairContext* context);

  std::string_view name() const override { return kName; }
  void Begin(SessionRef s) override;
  void OnMessage(SessionRef s, const Delivery& delivery, uint32_t lane) override;
  void OnWorkDone(SessionRef s, NodeId node, uint32_t lane) override;
  void OnStreamDone(SessionRef s) override;
  bool FailsOnReplicaDown(SessionRef s) const override;
  void End(SessionRef s, bool ok) override;
  void ExportTo(MetricSet* metrics) const override;

 private:
  struct State {
    int depth = 0;
    bool comparing = false;                                // trees compared; streaming
    uint32_t trees_received = 0;                           // bit per replica position
    std::vector<std::optional<engine::MerkleTree>> trees;  // per replica position
    uint32_t streams_pending = 0;
  };

  int DepthFor(const RepairSession& session) const;
  void OnValidationRequest(SessionRef s, const Delivery& d, uint32_t pos);
  void OnTree(SessionRef s, uint32_t pos);
  void Compare(SessionRef s);

  RepairContext* context_;
  SessionTable<State> states_;

  uint64_t validations_ = 0;
  uint64_t validation_bytes_ = 0;
  uint64_t trees_ = 0;
  uint64_t tree_bytes_ = 0;
  uint64_t differing_ranges_ = 0;
  int depth_min_ = -1;
  int depth_max_ = -1;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_MERKLE_STRATEGY_H_
