// MerkleStrategy ("merkle"): Cassandra-style anti-entropy with Merkle trees, one session per
// token range r, replicas R, initiator i = R[0] (see repair_strategy.h for the hooks).
//  0. Incremental repair only (repair.incremental, Cassandra 4.0): prepare. i sends each
//     replica a prepare request (kControl, kPrepareRequestBytes); the replica flushes and
//     claims its unrepaired data in r for the session (engine/incremental_repair.h: SSTables
//     straddling r are anticompacted), is busy for the anticompaction's bytes read and
//     written / validation_throughput (the validation queue), and acknowledges.
//  1. The tree depth is the custom job's request, else repair.merkle_depth (> 0), else
//     Cassandra's rule on the initiator's estimate n of the partitions the trees will cover
//     (DepthRule below). i sends each replica a validation request (kControl,
//     kValidationRequestBytes).
//  2. Validation: the replica builds the tree from its merged data at once (a snapshot; under
//     incremental repair, from its claim only) and is busy for bytes / validation_throughput
//     (ChargeValidation: validations on a node queue behind each other), then sends the tree
//     to i (kMerkleTree, its serialised size).
//  3. Comparison: with every tree in, i compares each pair (MerkleTree::Difference: differing
//     leaf ranges, contiguous ones merged) and, for each pair with differences, opens two
//     streams of those ranges, one each way, and sends both senders a sync request: both
//     directions, as Cassandra does. (Incremental: the streams land pending for the session.)
//  4. The session completes when every stream ended (none: at once); under incremental repair
//     i first sends each replica a finalize commit (kControl, kFinalizeBytes), on which the
//     replica marks its claim repaired, and the session completes once every commit arrived.
// Until the comparison, a replica going down fails the session (Cassandra's prepare and
// validation need every replica); afterwards the streams handle crashes themselves
// (streaming.h). A failed incremental session releases its claims on the replicas that are up
// (a replica that went down lost its claim with its memory: pending state is not persisted).
//
// Depth rule (no fixed depth): min(ceil(log2 n), merkle_max_depth, the budget depth), where
// n is i's estimate of the partitions in r (its HLL estimate of all its partitions times r's
// share of the ring fraction it replicates; incremental: of its claim), and the budget depth
// is Cassandra 4.0's repair_session_space rule: the deepest tree whose serialised size fits
// session_space / |R| (the initiator holds one tree per replica at once); no budget when
// session_space is 0. Cassandra scales each range's budget and its 3.x cap (20 - log2(1 /
// share)) by the range's share of the partitions validated together in one session; a dsim
// session holds one range, so that share is 1 and neither scaling applies.
// The depth never exceeds what r's width allows.
//
// With both directions streamed, a partition missing on one replica is streamed once (from the
// holder), while every identical partition of the same leaf is streamed twice (once each way):
// over-streaming = streamed / minimum (repair.minimum.*, measured by the service). Round trips:
// two (trees, then the sync requests and their streams), one when nothing differs; incremental
// repair adds one for prepare and one for finalize.
//
// Metrics: repair.validations, repair.validation_bytes, repair.trees.{count,bytes},
// repair.depth.{min,max} (null before any session), repair.differing_ranges,
// repair.incremental.{prepares,anticompaction_io_bytes}.
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
  static constexpr uint32_t kPrepareRequestBytes = 64;
  static constexpr uint32_t kPrepareAckBytes = 32;
  static constexpr uint32_t kFinalizeBytes = 32;

  // The depth rule's budget cap: the deepest tree (<= MerkleTree::kMaxDepth) whose serialised
  // size is at most `bytes`; 0 when even a one-leaf tree does not fit.
  static int BudgetDepth(uint64_t bytes);

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
  // Control lanes: requests to the replica at position p (prepare, validation, finalize, told
  // apart by the phase) on lane p, prepare acknowledgements from it on kAckLane0 + p.
  static constexpr uint32_t kAckLane0 = 31;
  enum class Phase { kPreparing, kValidating, kStreaming, kFinalizing };

  struct State {
    int depth = 0;
    Phase phase = Phase::kValidating;
    bool incremental = false;
    uint32_t acks = 0;            // prepare acks, then finalize commits: bit per position
    double claim_estimate = 0;    // incremental: the initiator's estimate of its claim
    uint32_t trees_received = 0;  // bit per replica position
    std::vector<std::optional<engine::MerkleTree>> trees;  // per replica position
    uint32_t streams_pending = 0;
  };

  // The depth for a session whose initiator estimates `estimate` partitions (< 0: its own
  // estimate of the range).
  int DepthFor(const RepairSession& session, double estimate) const;
  double RangeEstimate(const RepairSession& session) const;
  // Sends every replica a request of `bytes` on its lane; false if the session failed.
  bool SendToAll(SessionRef s, uint32_t bytes);
  void StartValidation(SessionRef s, double estimate);
  void OnPrepareRequest(SessionRef s, const Delivery& d, uint32_t pos);
  void OnPrepared(SessionRef s, uint32_t pos);
  void OnFinalize(SessionRef s, const Delivery& d, uint32_t pos);
  // The streams are done: finalize (incremental) or finish.
  void Complete(SessionRef s);
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
  uint64_t prepares_ = 0;
  uint64_t anticompaction_io_bytes_ = 0;
  int depth_min_ = -1;
  int depth_max_ = -1;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_MERKLE_STRATEGY_H_
