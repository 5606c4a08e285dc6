// RepairService: anti-entropy repair over the simulated network: jobs of sessions, one session
// per token range, each run by the RepairStrategy repair.strategy names (repair_strategy.h;
// strategy_factory.h lists them) on top of repair's channel (repair_channel.h: reliable sends)
// and streaming (streaming.h: throttled batches, ingest).
//
// Jobs. A repair job covers token ranges: a full repair every ring segment (each once,
// initiated by the segment's primary owner), or one node's repair every segment the node
// replicates (initiated by that node), or explicit ranges (tests). With repair.subranges = k a
// ring job cuts each segment into k ranges of equal width (TokenRange::SplitEven), one session
// each, in ring order. A job runs
// `repair.concurrency` sessions at once, one per range, and starts the next as one ends; it
// starts its first sessions from a kRepairStart event, so a job started inside another
// handler (a fault, a tick) begins after it, in a fixed order. Jobs come from the fault
// schedule (`repair` faults) and, when repair.interval > 0, periodically from repair.start (a
// periodic job is skipped while the previous periodic one still runs).
//
// Sessions. A session for range r with replicas R and initiator i = R[0] starts with the
// service's checks: if i or any replica is down, or unreachable from i, it fails at once
// (Cassandra refuses to repair with a replica down). Then the oracle's accounting reads every
// replica's data in r and counts what each replica lacks of the merge of all of them
// (MinimumRepair, sim/oracle/replica_difference.h: repair.minimum.*, the minimum every
// strategy is measured against). Then the strategy runs the protocol until it finishes the
// session. The service fails a session on its own when a control message's destination is
// unreachable, and when a replica goes down while its strategy says FailsOnReplicaDown.
//
// Routing. The service is the sink of kControl, kMerkleTree and kChunk messages and the handler of
// kRepairTick, kRepairStart, kRepairValidated (a strategy's charged work finished) and
// kRepairResend. A control message's payload is its session's PoolRef and a lane; the lane
// Streaming::kLaneRequest marks a sync request, which goes to streaming, as do resends of
// streaming's payloads; everything else goes to the session's strategy if the session still
// lives (a late message of a finished session is dropped). Duplicates are dropped (TCP).
//
// Metrics (ExportTo): repair.jobs.*, repair.sessions.*, repair.duration.*,
// repair.minimum.{partitions,cells,bytes}, repair.over_streaming.* (moved / minimum: streamed,
// plus whole SSTables ingested),
// repair.control_bytes, repair.resends, repair.round_trips.{total,max} (as the strategies count
// them, over completed sessions), plus streaming's and the strategy's.
#ifndef DSIM_SIM_REPAIR_REPAIR_SERVICE_H_
#define DSIM_SIM_REPAIR_REPAIR_SERVICE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/token.h"
#include "sim/core/metrics.h"
#include "sim/core/payload_pool.h"
#include "sim/core/scheduler.h"
#include "sim/kv/cluster.h"
#include "sim/kv/ring.h"
#include "sim/net/message.h"
#include "sim/net/network.h"
#include "sim/oracle/replica_difference.h"
#include "sim/repair/repair_channel.h"
#include "sim/repair/repair_strategy.h"
#include "sim/repair/streaming.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class RepairService : public EventHandler,
                      public MessageSink,
                      public NodeStateListener,
                      public StreamListener,
                      public RepairContext {
 public:
  // Registers its sinks (kMerkleTree, kControl; streaming registers kStream), handlers and
  // node listener, with the scenario's repair.strategy. Pointers must outlive it.
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

  void set_record_streams(bool on) { streaming_.set_record_streams(on); }
  const std::vector<StreamRecord>& stream_log() const { return streaming_.stream_log(); }

  void OnMessage(const Delivery& delivery) override;
  void OnEvent(const Event& event) override;
  void OnNodeDown(NodeId node) override;
  void OnStreamDone(PoolRef session) override;

  const RepairStrategy& strategy() const { return *strategy_; }
  uint64_t sessions_active() const { return sessions_.live(); }
  uint64_t jobs_active() const;
  uint64_t streamed_partitions() const { return streaming_.streamed_partitions(); }
  uint64_t streamed_bytes() const { return streaming_.streamed_bytes(); }
  uint64_t sessions_completed() const { return sessions_completed_; }
  uint64_t sessions_failed() const { return sessions_failed_; }

  // repair.* metrics.
  void ExportTo(MetricSet* metrics) const;

  // RepairContext (for the strategy; see repair_strategy.h).
  const RepairSession& session(SessionRef s) const override { return sessions_[s].info; }
  const RepairConfig& config() const override { return config_; }
  const Cluster& cluster() const override { return *cluster_; }
  Nanos now() const override { return scheduler_->now(); }
  void MixTrace(uint64_t digest) override { scheduler_->MixTrace(digest); }
  void ReadRange(NodeId node, const engine::TokenRange& range,
                 absl::FunctionRef<void(const engine::Partition&)> fn) override;
  bool SendControl(SessionRef s, NodeId from, NodeId to, MessageCategory category, uint32_t bytes,
                   uint32_t lane) override;
  void ChargeValidation(SessionRef s, NodeId node, uint64_t bytes, uint32_t lane) override;
  StreamRef OpenStream(SessionRef s, NodeId from, NodeId to,
                       std::vector<engine::TokenRange> ranges) override;
  StreamRef OpenKeyStream(SessionRef s, NodeId from, NodeId to,
                          std::vector<std::string> keys) override;
  void RequestStream(StreamRef stream, NodeId requester) override;
  void StartStream(StreamRef stream) override;
  IncrementalClaim PrepareIncremental(SessionRef s, NodeId node) override;
  void ReadPendingRange(SessionRef s, NodeId node,
                        absl::FunctionRef<void(const engine::Partition&)> fn) override;
  void FinalizeIncremental(SessionRef s, NodeId node) override;
  void ReleaseIncremental(SessionRef s, NodeId node) override;
  void FlushMemtable(NodeId node) override { cluster_->Flush(node); }
  void ForEachSSTable(NodeId node, absl::FunctionRef<void(const engine::SSTable&)> fn) override;
  std::string ReadSSTableFile(NodeId node, const engine::SSTable& table) override;
  void ChargeUpload(SessionRef s, NodeId node, uint64_t bytes, uint32_t lane) override;
  bool SendChunks(SessionRef s, NodeId from, NodeId to, uint32_t bytes, uint32_t lane) override;
  Cluster::FileIngest IngestSSTableFile(SessionRef s, NodeId node, const std::string& file,
                                        uint64_t wire_bytes) override;
  void CountRoundTrip(SessionRef s) override { ++sessions_[s].round_trips; }
  void Finish(SessionRef s, bool ok) override { FinishSession(s, ok); }

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
    // FillJob is on the stack (a session that fails at once must not recurse).
    bool filling = false;
    bool done = false;
    uint32_t subranges = 1;  // ring jobs: sessions per segment
    size_t total() const { return specs.empty() ? segments.size() * subranges : specs.size(); }
  };
  struct Session {
    RepairSession info;
    uint32_t job = 0;
    bool begun = false;  // handed to the strategy
    uint32_t round_trips = 0;
  };

  void StartJob(Job job);
  void FillJob(uint32_t job);
  void StartSession(uint32_t job, const engine::TokenRange& range,
                    const std::vector<NodeId>& replicas);
  // The oracle's view at session start: what the replicas lack of their merge.
  void AccountDifference(const engine::TokenRange& range, const std::vector<NodeId>& replicas);
  void FinishSession(PoolRef ref, bool ok);
  // `bytes` of work for s on a node's serial resource `busy_until` at `bytes_per_sec`; a
  // kRepairValidated event (the strategy's OnWorkDone) when it is done.
  void QueueWork(SessionRef s, NodeId node, Nanos* busy_until, uint64_t bytes,
                 uint64_t bytes_per_sec, uint32_t lane);
  void OnTick(const Event& event);
  void OnResend(const Event& event);

  const RepairConfig& config_;
  Cluster* cluster_;
  Network* network_;
  Scheduler* scheduler_;
  RepairChannel channel_;
  Streaming streaming_;
  std::unique_ptr<RepairStrategy> strategy_;
  Nanos until_ = 0;

  std::vector<Job> jobs_;
  PayloadPool<Session> sessions_;
  std::optional<uint32_t> periodic_job_;
  uint64_t next_session_id_ = 1;

  uint64_t jobs_started_ = 0;
  uint64_t jobs_completed_ = 0;
  uint64_t jobs_skipped_ = 0;
  uint64_t sessions_started_ = 0;
  uint64_t sessions_completed_ = 0;
  uint64_t sessions_failed_ = 0;
  RepairMinimum minimum_;
  // Moved outside streaming (whole SSTables): added to streaming's in repair.over_streaming.*.
  uint64_t moved_partitions_ = 0;
  uint64_t moved_cells_ = 0;
  uint64_t moved_bytes_ = 0;
  uint64_t round_trips_total_ = 0;
  uint64_t round_trips_max_ = 0;
  Nanos duration_total_ = 0;
  Nanos duration_max_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_REPAIR_SERVICE_H_
