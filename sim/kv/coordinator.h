// Coordinator: client operations on the cluster. Any node coordinates; the Coordinator object
// plays that role for all of them, and owns the two things coordinators do besides: hinted
// handoff (hints.h) and read repair (read_repair.h).
//
// A write (insert, update or delete of some columns of one partition) takes its timestamp from
// the coordinator (Cluster::NewTimestamp), goes to every replica of the key as a kWrite message
// and succeeds once `write_consistency` replicas acknowledged (kWriteAck). A read goes to every
// replica (kRead), each answers with its whole partition (kReadResponse), and it succeeds once
// `read_consistency` responses arrived; its result is their CRDT merge. Both count replies with
// a QuorumTracker (quorum.h: ONE = 1, QUORUM = floor(R / 2) + 1, ALL = R, with R the replicas
// per partition). An operation fails
//   - at once ("unavailable") when fewer replicas than its consistency level are alive at the
//     start (Cassandra's UnavailableException). Alive: with cluster.failure_detector =
//     "perfect", up and reachable from the coordinator (the simulator's truth, standing in for
//     gossip); with "phi", the coordinator itself while up, or a replica its own failure
//     detector (failure_detector.h) has not convicted: an unconvicted replica that is down or
//     unreachable is sent to, and the operation times out; or
//   - after request_timeout without enough replies ("timeout"); a write that timed out leaves a
//     hint for each replica that did not acknowledge (cluster.hinted_handoff).
// Latency is from issue to the reply that met the consistency level. Replicas that are down,
// or drop the mutation (drop_mutations), do not answer; replies to a coordinator that crashed
// since (another incarnation) are ignored, so its operations time out. A read that meets its
// level sends read repair's mutations (cluster.read_repair) as operations of their own.
//
// Payloads: operations live in a PayloadPool; a message carries the operation's reference and
// the replica position (lane). An operation is freed when its timeout has passed (or every
// replica answered) and no message referring to it is in flight, so a late reply never reads a
// reused slot. Duplicate deliveries (network duplication) of any key-value message, hints
// included, are ignored and counted here: applying a mutation twice changes nothing, and a reply
// counts once. Each delivery folds a digest of its payload into the trace hash.
//
//   Coordinator coordinator(scenario, &cluster, &network, &scheduler);
//   coordinator.Write(/*coordinator=*/0, /*key=*/42, /*first_column=*/0, /*count=*/2, false);
//   coordinator.Read(/*coordinator=*/3, /*key=*/42);
#ifndef DSIM_SIM_COORDINATOR_H_
#define DSIM_SIM_COORDINATOR_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/mutation.h"
#include "engine/partition.h"
#include "sim/core/histogram.h"
#include "sim/core/metrics.h"
#include "sim/core/payload_pool.h"
#include "sim/core/scheduler.h"
#include "sim/kv/cluster.h"
#include "sim/kv/failure_detector.h"
#include "sim/kv/hints.h"
#include "sim/kv/quorum.h"
#include "sim/kv/read_repair.h"
#include "sim/kv/ring.h"
#include "sim/net/message.h"
#include "sim/net/network.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class Coordinator : public EventHandler, public MessageSink {
 public:
  // Registers the sinks of kWrite, kWriteAck, kRead, kReadResponse, kHint and the handlers of
  // kOpTimeout and (through its hints) kHintReplay. Pointers must outlive it.
  Coordinator(const Scenario& scenario, Cluster* cluster, Network* network, Scheduler* scheduler);

  // A client write of columns [first_column, first_column + count) of key `key`, coordinated by
  // `coordinator`: live values, or tombstones when `remove`.
  // REQUIRES: the coordinator is up; key < keys; the columns exist.
  void Write(NodeId coordinator, uint64_t key, uint32_t first_column, uint32_t count, bool remove);
  // A client read of the whole partition `key`.
  void Read(NodeId coordinator, uint64_t key);

  void OnMessage(const Delivery& delivery) override;
  void OnEvent(const Event& event) override;

  // Liveness from `detector` (cluster.failure_detector = "phi"; null: the simulator's truth),
  // for the operations and for hint replay. It must outlive the coordinator.
  void set_failure_detector(const FailureDetector* detector) {
    detector_ = detector;
    hints_.set_failure_detector(detector);
  }

  uint64_t writes_succeeded() const { return write_.succeeded; }
  uint64_t writes_failed() const { return write_.failed_timeout + write_.failed_unavailable; }
  uint64_t reads_succeeded() const { return read_.succeeded; }
  uint64_t reads_failed() const { return read_.failed_timeout + read_.failed_unavailable; }
  uint64_t hints_pending() const { return hints_.pending(); }
  const LatencyHistogram& write_latency() const { return write_.latency; }
  const LatencyHistogram& read_latency() const { return read_.latency; }
  size_t ops_in_flight() const { return ops_.live(); }

  // Client operations (reads and writes) by coordinating node: attempted, succeeded, failed
  // because too few replicas were up and reachable, failed by time-out.
  struct NodeOps {
    uint64_t coordinated = 0;
    uint64_t succeeded = 0;
    uint64_t failed_unavailable = 0;
    uint64_t failed_timeout = 0;
  };
  const std::vector<NodeOps>& per_node() const { return per_node_; }

  // ops.*, hints.*, read_repair.* metrics.
  void ExportTo(MetricSet* metrics) const;

 private:
  enum class OpKind : uint8_t { kWrite, kRead, kReadRepair };
  struct Op {
    OpKind kind = OpKind::kWrite;
    NodeId coordinator = 0;
    uint64_t incarnation = 0;  // of the coordinator at issue
    uint64_t key = 0;
    Nanos start = 0;
    uint32_t refs = 0;  // messages in flight that refer to it
    bool open = false;  // the timeout (or the last reply) has not closed it yet
    uint32_t replicas_n = 0;
    std::array<NodeId, Ring::kMaxReplicas> replicas{};
    std::array<int64_t, Ring::kMaxReplicas> reply_hlc{};  // replica HLC at reply (hlc mode)
    QuorumTracker quorum;  // the replies counted, and whether the operation is decided
    EventId timeout = 0;
    uint64_t digest = 0;
    std::string key_str;
    engine::Mutation mutation;                                // writes and read repairs
    std::vector<std::optional<engine::Partition>> responses;  // reads, per position
    // Reads: the oracle's acknowledged versions of the key's columns at issue (stale reads).
    std::vector<std::optional<CellVersion>> acked_at_issue;
  };
  struct Counters {
    uint64_t attempted = 0;
    uint64_t succeeded = 0;
    uint64_t failed_timeout = 0;
    uint64_t failed_unavailable = 0;
    LatencyHistogram latency;
  };

  std::vector<NodeOps> per_node_;  // by NodeId

  // Allocates an operation for `key` with its replica list, needing `required` replies.
  PoolRef NewOp(OpKind kind, NodeId coordinator, uint64_t key, uint32_t required);
  // Whether enough replicas are alive for the level (see the header comment).
  bool Available(NodeId coordinator, const Op& op) const;
  // Arms the request timeout and sends op's request to every replica.
  void Issue(PoolRef ref, MessageCategory category, uint32_t bytes);
  // Sends op's request to every replica in `mask` with `category`.
  void SendToReplicas(PoolRef ref, MessageCategory category, uint32_t bytes, uint32_t mask);
  // Sends on the op's behalf; counts a ref when the message is in flight.
  void SendForOp(PoolRef ref, uint32_t pos, NodeId from, NodeId to, MessageCategory category,
                 uint32_t bytes);
  void Release(PoolRef ref);  // drops one message ref and frees the op when unused
  void Close(PoolRef ref);    // the timeout passed or everyone answered

  // A reply from position `pos` reached the coordinator: whether it counts (the coordinator
  // still listens and had not counted pos), and then whether it met the level.
  enum class Reply { kIgnored, kCounted, kMet };
  Reply CountReply(Op& op, uint32_t pos);
  // Once every replica answered, the timeout has nothing left to wait for.
  void CloseIfAllReplied(PoolRef ref);
  // A reply from a replica: whether the coordinator can count it.
  bool CoordinatorListening(const Op& op) const;

  void OnWriteRequest(const Delivery& d);
  void OnWriteAck(const Delivery& d);
  void OnReadRequest(const Delivery& d);
  void OnReadResponse(const Delivery& d);
  void OnTimeout(PoolRef ref);
  // Sends the read's repair mutations, if its responses disagree; `merged`: the merge of the
  // counted responses (ReadRepair::Merge), what the read returned.
  void StartReadRepair(const Op& read, std::optional<engine::Partition> merged);

  const Scenario& scenario_;
  Cluster* cluster_;
  Network* network_;
  Scheduler* scheduler_;
  const FailureDetector* detector_ = nullptr;
  uint32_t value_bytes_;
  uint32_t columns_;
  uint32_t write_required_;
  uint32_t read_required_;

  PayloadPool<Op> ops_;
  HintedHandoff hints_;
  ReadRepair read_repair_;

  uint64_t next_write_id_ = 1;
  Counters write_;
  Counters read_;
  uint64_t duplicates_ignored_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_COORDINATOR_H_
