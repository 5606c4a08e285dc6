// RepairStrategy: the reconciliation protocol one repair session runs over one token range,
// behind the repair service (repair_service.h). The service decides when and where sessions
// run (jobs, concurrency, the periodic schedule), checks that every replica is up and
// reachable, measures what differs (the oracle's minimum, repair.minimum.*), and then hands
// the session to the strategy, which exchanges whatever summaries it needs and moves data until
// it calls Finish. Strategies are chosen by name (repair.strategy, MakeRepairStrategy,
// strategy_factory.h): merkle (Cassandra's validation trees), row_level, riblt and range_sync
// (the last three on row_sync.h). A new strategy is one file
// implementing this interface, plus its engine structures (e.g. an IBLT in engine/).
//
// What a strategy gets (RepairContext, implemented by the service):
//   - the session: its range, replicas (replicas[0] initiates) and requested resolution;
//   - reads of any replica's data (ReadRange, a snapshot now; the cluster's node states);
//   - control messages: SendControl sends `bytes` from one node to another reliably (repair's
//     TCP: lost copies are resent) and the message comes back through OnMessage at its
//     destination, with the lane (0..kMaxControlLane) the strategy chose: lanes name the
//     message's role (e.g. a replica position), the session is the payload;
//   - simulated work: ChargeValidation occupies a node's validation queue (reading and hashing
//     data at repair.validation_throughput) and calls OnWorkDone when it is done;
//   - streaming (streaming.h): OpenStream + RequestStream (a sync request) or StartStream
//     move every partition a node holds in some ranges to another node through its throttle
//     (OpenKeyStream: the node's versions of named partitions);
//     OnStreamDone reports the end of each stream;
//   - incremental repair (repair.incremental, merkle only; engine/incremental_repair.h):
//     PrepareIncremental claims a replica's unrepaired data in the session's range for the
//     session, ReadPendingRange reads only that claim (and what the session's streams brought:
//     they land pending for it), FinalizeIncremental marks it repaired, ReleaseIncremental
//     returns it to unrepaired;
//   - whole SSTables (sstable_dag): FlushMemtable, ForEachSSTable lists a replica's
//     SSTables, ReadSSTableFile reads one's bytes, ChargeUpload queues bytes on a node's
//     outgoing stream throttle (shared with streams) and calls OnWorkDone when they are out,
//     SendChunks sends chunk data (kChunk), IngestSSTableFile ingests a fetched SSTable
//     (counted as moved data);
//   - CountRoundTrip: one request/response exchange on the session's critical path ended (a
//     request sent to several replicas at once and all their answers count once; a sync
//     request and its stream count one): repair.round_trips.*;
//   - Finish(ok) ends the session; the common counters (control bytes, resends, streamed
//     partitions / cells / bytes, batches) are kept by the service, channel and streaming.
//
// Contract, hook by hook (every hook runs inside a scheduler event; `s` is live in each):
//   Begin(s)               once, after the service's checks; the strategy opens its state.
//   OnMessage(s, d, lane)  a control message of the session arrived at d.message.to (never a
//                          duplicate; only while the session lives).
//   OnWorkDone(s, n, lane) work charged on node n finished, n is up, the session lives.
//   OnStreamDone(s)        one of the session's streams ended.
//   FailsOnReplicaDown(s)  a replica (or the initiator) went down: true = the service fails
//                          the session (pure; called for every live session of that node).
//   OnReplicaDown(s, n)    replica n of s went down and FailsOnReplicaDown(s) said false: the
//                          strategy may carry on without it (default: nothing).
//   End(s, ok)             once per Begin, when the session finishes (by Finish, or failed by
//                          the service): the strategy releases its state.
// Ownership: the service owns sessions; the strategy owns its per-session state (SessionTable
// below) and its own counters (exported by ExportTo). A context call can end the session and
// re-enter the strategy (a finished session lets its job start the next one: Begin of another
// session): after SendControl returns false, or after Finish, the strategy must return without
// touching the session; it must not hold references into its state across such calls.
// Failures the service applies: a control message whose destination is unreachable (when sent
// or resent) fails the session (SendControl returns false: the session is already gone); a
// node going down fails the sessions whose strategy says FailsOnReplicaDown. A session that
// finishes with streams open lets them run out; their OnStreamDone is then dropped.
// A strategy must not: touch the scheduler or the network directly (all events and messages
// go through the context, so the service can route them), write replica data other than by
// streaming, draw randomness other than from its own named stream
// (StreamSeed(seed, "repair.<name>", ...), to be added to the context with the first strategy
// that draws), iterate unordered containers or order by pointer, or read the oracle.
#ifndef DSIM_SIM_REPAIR_REPAIR_STRATEGY_H_
#define DSIM_SIM_REPAIR_REPAIR_STRATEGY_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/check.h"
#include "engine/partition.h"
#include "engine/token.h"
#include "sim/core/ids.h"
#include "sim/core/metrics.h"
#include "sim/core/payload_pool.h"
#include "sim/core/time.h"
#include "sim/kv/cluster.h"
#include "sim/net/message.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

// A session, as the service passes it to its strategy (a PoolRef into the service's sessions).
using SessionRef = PoolRef;
// A stream, as streaming names it.
using StreamRef = PoolRef;

// What the service knows of a session; read-only to strategies.
struct RepairSession {
  uint64_t id = 0;  // 1, 2, ... in start order
  engine::TokenRange range{0, 0};
  std::vector<NodeId> replicas;  // replicas[0] initiates
  // A custom job's resolution request (Merkle: the tree depth); < 0: the configured rule.
  int depth = -1;
  Nanos start = 0;
};

// The services a strategy may use (see the header comment). Implemented by RepairService.
class RepairContext {
 public:
  // Lanes 0..kMaxControlLane are the strategy's; the last lane is streaming's sync request.
  static constexpr uint32_t kMaxControlLane = PoolRef::kMaxLane - 1;

  virtual ~RepairContext() = default;

  // REQUIRES (all calls naming s): s is live.
  virtual const RepairSession& session(SessionRef s) const = 0;
  virtual const RepairConfig& config() const = 0;
  virtual const Cluster& cluster() const = 0;
  virtual Nanos now() const = 0;
  // Folds a digest of what the strategy computed into the run's trace hash.
  virtual void MixTrace(uint64_t digest) = 0;

  // Calls fn for each of `node`'s partitions in `range`, in ring order (a snapshot now).
  virtual void ReadRange(NodeId node, const engine::TokenRange& range,
                         absl::FunctionRef<void(const engine::Partition&)> fn) = 0;

  // Sends a control message of s (category kControl, or kMerkleTree for trees) of `bytes`.
  // Returns false when `to` is unreachable from `from`: the session has then failed and is
  // gone. REQUIRES: lane <= kMaxControlLane.
  virtual bool SendControl(SessionRef s, NodeId from, NodeId to, MessageCategory category,
                           uint32_t bytes, uint32_t lane) = 0;

  // `node` reads and hashes `bytes` of its data for s: it queues behind the node's other
  // validations at repair.validation_throughput; OnWorkDone(s, node, lane) follows when done.
  virtual void ChargeValidation(SessionRef s, NodeId node, uint64_t bytes, uint32_t lane) = 0;

  // A stream of `from`'s partitions in `ranges` to `to`, for s (see streaming.h); it sends
  // nothing until RequestStream (`requester` sends `from` a sync request) or StartStream.
  virtual StreamRef OpenStream(SessionRef s, NodeId from, NodeId to,
                               std::vector<engine::TokenRange> ranges) = 0;
  // A stream of `from`'s versions of the partitions `keys` to `to` (a key the sender does not
  // hold is skipped); started like OpenStream's.
  virtual StreamRef OpenKeyStream(SessionRef s, NodeId from, NodeId to,
                                  std::vector<std::string> keys) = 0;
  virtual void RequestStream(StreamRef stream, NodeId requester) = 0;
  virtual void StartStream(StreamRef stream) = 0;

  // Incremental repair, for s on `node` (up). Prepare returns the node's anticompaction I/O
  // (bytes read plus written: work the strategy charges) and its estimate of the partitions
  // it claimed.
  struct IncrementalClaim {
    uint64_t io_bytes = 0;
    double estimated_partitions = 0;
  };
  virtual IncrementalClaim PrepareIncremental(SessionRef s, NodeId node) = 0;
  virtual void ReadPendingRange(SessionRef s, NodeId node,
                                absl::FunctionRef<void(const engine::Partition&)> fn) = 0;
  virtual void FinalizeIncremental(SessionRef s, NodeId node) = 0;
  virtual void ReleaseIncremental(SessionRef s, NodeId node) = 0;

  // Whole SSTables (sstable_dag). ForEachSSTable: node's live SSTables, oldest first (up or
  // down). ReadSSTableFile: its bytes. ChargeUpload: `bytes` behind node's outgoing stream
  // throttle, then OnWorkDone(s, node, lane). SendChunks: chunk data of `bytes` (kChunk, not
  // control); false when unreachable (the session has failed). IngestSSTableFile: node
  // (up) ingests the rows of a fetched SSTable in s's range (Cluster::IngestSSTableFile); they
  // count as moved, and `wire_bytes` (the chunk bytes fetched for it) as moved bytes, in
  // repair.over_streaming.*.
  // FlushMemtable: node (up) writes its memtable to an SSTable, so all its data is in files.
  virtual void FlushMemtable(NodeId node) = 0;
  virtual void ForEachSSTable(NodeId node, absl::FunctionRef<void(const engine::SSTable&)> fn) = 0;
  virtual std::string ReadSSTableFile(NodeId node, const engine::SSTable& table) = 0;
  virtual void ChargeUpload(SessionRef s, NodeId node, uint64_t bytes, uint32_t lane) = 0;
  virtual bool SendChunks(SessionRef s, NodeId from, NodeId to, uint32_t bytes, uint32_t lane) = 0;
  virtual Cluster::FileIngest IngestSSTableFile(SessionRef s, NodeId node, const std::string& file,
                                                uint64_t wire_bytes) = 0;  // rows in s's range

  // One round trip of s ended (see the header comment).
  virtual void CountRoundTrip(SessionRef s) = 0;

  // Ends s (ok: completed; otherwise failed). The strategy's End follows at once.
  virtual void Finish(SessionRef s, bool ok) = 0;
};

class RepairStrategy {
 public:
  virtual ~RepairStrategy() = default;

  // The repair.strategy name.
  virtual std::string_view name() const = 0;

  virtual void Begin(SessionRef s) = 0;
  virtual void OnMessage(SessionRef s, const Delivery& delivery, uint32_t lane) = 0;
  virtual void OnWorkDone(SessionRef s, NodeId node, uint32_t lane) = 0;
  virtual void OnStreamDone(SessionRef s) = 0;
  virtual bool FailsOnReplicaDown(SessionRef s) const = 0;
  virtual void OnReplicaDown(SessionRef /*s*/, NodeId /*node*/) {}
  virtual void End(SessionRef s, bool ok) = 0;

  // The strategy's own repair.* metrics.
  virtual void ExportTo(MetricSet* metrics) const = 0;
};

// A strategy's per-session state T, indexed by the session's pool slot and checked against its
// generation (so state of a finished session is never read by its slot's next user). Opened
// in Begin, closed in End. References stay valid while other sessions open and close (deque).
template <typename T>
class SessionTable {
 public:
  // REQUIRES: s is not open. Returns a fresh T.
  T& Open(SessionRef s) {
    while (slots_.size() <= s.index) slots_.emplace_back();
    Slot& slot = slots_[s.index];
    DSIM_CHECK_MSG(!slot.open, "session state opened twice");
    slot.open = true;
    slot.generation = s.generation;
    slot.value = T{};
    return slot.value;
  }
  bool IsOpen(SessionRef s) const {
    return s.index < slots_.size() && slots_[s.index].open &&
           slots_[s.index].generation == s.generation;
  }
  // REQUIRES: IsOpen(s).
  T& operator[](SessionRef s) {
    DSIM_CHECK_MSG(IsOpen(s), "session state not open");
    return slots_[s.index].value;
  }
  const T& operator[](SessionRef s) const {
    DSIM_CHECK_MSG(IsOpen(s), "session state not open");
    return slots_[s.index].value;
  }
  // REQUIRES: IsOpen(s).
  void Close(SessionRef s) {
    DSIM_CHECK_MSG(IsOpen(s), "closing session state that is not open");
    slots_[s.index].open = false;
    slots_[s.index].value = T{};
  }

 private:
  struct Slot {
    uint32_t generation = 0;
    bool open = false;
    T value{};
  };
  std::deque<Slot> slots_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_REPAIR_STRATEGY_H_
