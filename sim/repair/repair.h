// RepairService: Cassandra-style Merkle-tree anti-entropy repair over the simulated network.
//
// A repair job covers token ranges: a full repair every ring segment (each once, initiated by
// the segment's primary owner), or one node's repair every segment the node replicates
// (initiated by that node). A job runs `repair.concurrency` sessions at once, one per range, and
// starts the next as one ends. Jobs come from the fault schedule (`repair` faults) and, when
// repair.interval > 0, periodically from repair.start (a periodic job is skipped while the
// previous periodic one still runs).
//
// A session for range r with replicas R and initiator i:
//  1. Start: if i or any replica is down, or unreachable from i, the session fails at once
//     (Cassandra refuses to repair with a replica down). The tree depth is fixed
//     (repair.merkle_depth > 0) or Cassandra's rule, min(merkle_max_depth, ceil(log2 n)), on the
//     initiator's estimate n of the partitions in r (its HLL estimate of all its partitions
//     times r's share of the ring fraction it replicates), and never more than r's width
//     allows. The oracle's accounting reads every replica's data in r now and counts, for
//     each replica pair, the partitions and cells that differ (repair.differing.*).
//  2. Validation: i sends each replica a request (kControl); the replica builds the tree from
//     its merged data at once (a snapshot) and is busy for bytes / validation_throughput
//     (validations on a node queue behind each other), then sends the tree to i (kMerkleTree,
//     its serialised size).
//  3. Comparison: with every tree in, i compares each pair (MerkleTree::Difference: differing
//     leaf ranges, contiguous ones merged) and, for each pair with differences, asks both nodes
//     (kControl sync requests) to stream to each other every partition they hold in those
//     ranges: both directions, as Cassandra does.
//  4. Streaming: a node reads the partitions when the request arrives (a snapshot), cuts them
//     into batches of at most kMaxBatchBytes, and sends them through its outgoing stream
//     throttle (stream_throughput; one throttle per node shared by all its streams) as kStream
//     messages; the receiver ingests each batch as a new SSTable (Cluster::Ingest).
//  5. The session ends when every stream task finished; its job then starts the next session.
// Messages of a repair run over TCP in Cassandra: a message the network loses is resent when it
// would have arrived (retransmission); a destination that is unreachable when sending fails the
// session (validation phase) or drops the batch (streaming). A replica that crashes during
// validation fails the session; a batch whose sender crashed since it was read, or whose
// receiver is down on arrival, is dropped (repair.stream.batches_dropped).
//
// Accounting: repair.streamed.* counts what was sent (partitions, cells, bytes, both directions
// added); over-streaming = streamed / differing. With both directions streamed, a partition
// missing on one replica is streamed once (from the holder), while every identical partition of
// the same leaf is streamed twice (once each way). An optional log (set_record_streams) keeps
// one StreamRecord per (task, differing range) for tests and analysis.
#ifndef DSIM_SIM_REPAIR_H_
#define DSIM_SIM_REPAIR_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/merkle_tree.h"
#include "engine/partition.h"
#include "engine/token.h"
#include "sim/core/metrics.h"
#include "sim/core/payload_pool.h"
#include "sim/core/scheduler.h"
#include "sim/kv/cluster.h"
#include "sim/kv/ring.h"
#include "sim/net/message.h"
#include "sim/net/network.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

// One stream of one differing range between two replicas.
struct StreamRecord {
  uint64_t session = 0;
  engine::TokenRange range{0, 0};
  NodeId from = 0;
  NodeId to = 0;
  uint64_t partitions = 0;
  uint64_t cells = 0;
  uint64_t bytes = 0;
};

class RepairService : public EventHandler, public MessageSink, public NodeStateListener {
 public:
  static constexpr uint64_t kMaxBatchBytes = 1 << 20;
  static constexpr uint32_t kRequestBytes = 64;

  // Registers its sinks (kMerkleTree, kStream, kControl), handlers and node listener. Pointers
  // must outlive it.
  RepairService(const Scenario& scenario, Cluster* cluster, Network* network, Scheduler* scheduler);

  // Schedules the periodic repairs (repair.interval > 0): at start, start + interval, ...
  // strictly before `until`, the run's duration (0: no duration; the ticks are then daemon
  // events that do not keep the run alive).
  void Start(Nanos until);

  // A full repair job (every segment), or one of `node`'s segments.
  void StartFullRepair();
  void StartNodeRepair(NodeId node);
  // A job of explicit sessions (tests): each range repaired among `replicas`, initiated by the
  // first. `depth` < 0: the configured rule.
  void StartCustomRepair(const std::vector<engine::TokenRange>& ranges,
                         const std::vector<NodeId>& replicas, int depth);

  void set_record_streams(bool on) { record_streams_ = on; }
  const std::vector<StreamRecord>& stream_log() const { return stream_log_; }

  void OnMessage(const Delivery& delivery) override;
  void OnEvent(const Event& event) override;
  void OnNodeDown(NodeId node) override;

  uint64_t sessions_active() const { return sessions_.live(); }
  uint64_t jobs_active() const;
  uint64_t streamed_partitions() const { return streamed_partitions_; }
  uint64_t streamed_bytes() const { return streamed_bytes_; }
  uint64_t sessions_completed() const { return sessions_completed_; }
  uint64_t sessions_failed() const { return sessions_failed_; }

  // repair.* metrics.
  void ExportTo(MetricSet* metrics) const;

 private:
  struct SessionSpec {
    engine::TokenRange range{0, 0};
    std::vector<NodeId> replicas;  // replicas[0] initiates
  };
  struct Job {
    Nanos start = 0;
    bool periodic = false;
    int depth = -1;                  // < 0: the configured rule
    std::vector<SessionSpec> specs;  // custom jobs
    std::vector<uint32_t> segments;  // ring jobs
    bool by_node = false;            // ring job of one node: that node initiates
    NodeId node = 0;
    size_t next = 0;
    uint32_t active = 0;
    bool filling =
        false;  // FillJob is on the stack (a session that fails at once must not recurse)
    bool done = false;
    size_t total() const { return specs.empty() ? segments.size() : specs.size(); }
  };
  struct Session {
    uint64_t id = 0;
    uint32_t job = 0;
    engine::TokenRange range{0, 0};
    std::vector<NodeId> replicas;
    int depth = 0;
    Nanos start = 0;
    bool comparing = false;  // trees compared; streaming
    uint32_t trees_received = 0;
    std::vector<std::optional<engine::MerkleTree>> trees;
    uint32_t tasks_pending = 0;
  };
  struct Task {
    PoolRef session;
    NodeId from = 0;
    NodeId to = 0;
    std::vector<engine::TokenRange> ranges;
    uint32_t batches_pending = 0;
  };
  struct Batch {
    PoolRef task;
    NodeId from = 0;
    NodeId to = 0;
    uint64_t from_incarnation = 0;
    std::vector<engine::Partition> partitions;
    uint64_t cells = 0;
    uint32_t bytes = 0;
    uint64_t digest = 0;
  };

  static constexpr uint32_t kLaneSync = 63;

  void StartJob(Job job);
  void FillJob(uint32_t job);
  void StartSession(uint32_t job, const engine::TokenRange& range,
                    const std::vector<NodeId>& replicas);
  void FinishSession(PoolRef ref, bool ok);
  void Compare(PoolRef ref);
  void TaskDone(PoolRef task);
  void BatchDone(PoolRef batch);
  // Sends; a lost message is resent when it would have arrived. False when unreachable.
  bool SendReliable(NodeId from, NodeId to, MessageCategory category, uint32_t bytes,
                    uint64_t payload);

  void OnValidationRequest(const Delivery& d);
  void OnValidated(const Event& e);
  void OnTree(const Delivery& d);
  void OnSyncRequest(const Delivery& d);
  void OnStreamSend(PoolRef batch);
  void OnStream(const Delivery& d);

  const Scenario& scenario_;
  const RepairConfig& config_;
  Cluster* cluster_;
  Network* network_;
  Scheduler* scheduler_;
  Nanos until_ = 0;

  std::vector<Job> jobs_;
  PayloadPool<Session> sessions_;
  PayloadPool<Task> tasks_;
  PayloadPool<Batch> batches_;
  std::optional<uint32_t> periodic_job_;
  uint64_t next_session_id_ = 1;
  bool record_streams_ = false;
  std::vector<StreamRecord> stream_log_;

  uint64_t jobs_started_ = 0;
  uint64_t jobs_completed_ = 0;
  uint64_t jobs_skipped_ = 0;
  uint64_t sessions_started_ = 0;
  uint64_t sessions_completed_ = 0;
  uint64_t sessions_failed_ = 0;
  uint64_t validations_ = 0;
  uint64_t validation_bytes_ = 0;
  uint64_t trees_ = 0;
  uint64_t tree_bytes_ = 0;
  uint64_t control_bytes_ = 0;
  uint64_t differing_ranges_ = 0;
  uint64_t differing_partitions_ = 0;
  uint64_t differing_cells_ = 0;
  uint64_t streamed_partitions_ = 0;
  uint64_t streamed_cells_ = 0;
  uint64_t streamed_bytes_ = 0;
  uint64_t batches_sent_ = 0;
  uint64_t batches_dropped_ = 0;
  uint64_t resends_ = 0;
  int depth_min_ = -1;
  int depth_max_ = -1;
  Nanos duration_total_ = 0;
  Nanos duration_max_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_H_
