// Streaming: repair's data path. A stream moves, from one node to another on behalf of a repair
// session, every partition the sender holds in a list of token ranges (a range stream) or the
// sender's versions of a list of partition keys (a key stream, for strategies that know the
// rows that differ); the receiver ingests what arrives as new SSTables (Cluster::Ingest), so
// streamed data merges like any other (under repair.incremental, pending for the session).
//
// A stream's life:
//  1. Open (the session's strategy names session, sender, receiver and ranges), then either
//     Request (a peer, usually the session's initiator, sends the sender a sync request:
//     kControl, kRequestBytes + 16 per range, lane kLaneRequest) or Start (the sender
//     begins at once). A request that cannot reach the sender ends the stream. A key stream's
//     request names each key by its 16-byte row hash (kRequestBytes + 16 per key).
//  2. When the request arrives (or at Start), the sender reads the ranges or the keys (a
//     snapshot; a key the sender does not hold is skipped; under repair.incremental, only the
//     session's claim: its pending data, as Cassandra 4.0 streams only pending SSTables) and cuts
//     the partitions, in ring order (key streams: the keys' order), into batches of at most
//     kMaxBatchBytes (BatchPacker; a larger partition travels alone). A sender that is down streams
//     nothing.
//  3. Each batch waits for the sender's outgoing throttle: one per node, shared by all its
//     streams, repair.stream_throughput (QueueTransfer on Node::stream_busy_until), then goes
//     out as one kStream message through the RepairChannel (lost: resent).
//  4. Drop rules (repair.stream.batches_dropped): a batch whose sender crashed since it was
//     read (it is down, or up in a later incarnation) is not sent; one whose receiver is
//     unreachable when sending, or down on arrival, is lost.
//     A batch that arrives corrupted (a `corrupt` fault) fails its checksum: it is discarded,
//     counted (repair.stream.batches_corrupt) and sent again, so nothing corrupted is ingested.
//  5. The stream ends when every batch was delivered or dropped (or it had none); streaming
//     then frees it and tells its StreamListener (the repair service), which tells the
//     session's strategy.
//
// Ownership: streaming owns its streams and batches (PayloadPools; messages and events carry
// PoolRef words) and the stream log. It is the sink of kStream messages and the handler of
// kStreamSend events; the repair service routes sync requests (kControl, lane kLaneRequest)
// and the resends of streaming's payloads to it (Owns). It draws no randomness.
//
// Accounting: repair.streamed.* counts what was sent (partitions, cells, bytes), both
// directions added; repair.stream.batches / batches_dropped. An optional log
// (set_record_streams) keeps one StreamRecord per (stream, range) for tests and analysis.
#ifndef DSIM_SIM_REPAIR_STREAMING_H_
#define DSIM_SIM_REPAIR_STREAMING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/partition.h"
#include "engine/token.h"
#include "sim/core/metrics.h"
#include "sim/core/payload_pool.h"
#include "sim/core/scheduler.h"
#include "sim/kv/cluster.h"
#include "sim/net/message.h"
#include "sim/net/network.h"
#include "sim/repair/repair_channel.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

// What one stream sent of one of its ranges.
struct StreamRecord {
  uint64_t session = 0;
  engine::TokenRange range{0, 0};  // a key stream: unused (keyed is set)
  bool keyed = false;
  NodeId from = 0;
  NodeId to = 0;
  uint64_t partitions = 0;
  uint64_t cells = 0;
  uint64_t bytes = 0;
};

// Cuts a sequence of partitions, in order, into batches of at most `max_bytes`: a partition
// opens a new batch when no batch is open or when it does not fit in the open one; a
// partition larger than max_bytes therefore travels alone. Pure bookkeeping.
class BatchPacker {
 public:
  explicit BatchPacker(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  // Places the next partition of `bytes`. Returns true when it opens a new batch.
  bool Add(uint64_t bytes) {
    const bool opens = batches_ == 0 || open_bytes_ + bytes > max_bytes_;
    if (opens) {
      ++batches_;
      open_bytes_ = 0;
    }
    open_bytes_ += bytes;
    return opens;
  }

  uint64_t batches() const { return batches_; }
  uint64_t open_bytes() const { return open_bytes_; }

 private:
  uint64_t max_bytes_;
  uint64_t batches_ = 0;
  uint64_t open_bytes_ = 0;  // of the last batch opened (never empty once opened)
};

// Told when a stream ended (every batch delivered or dropped, or there was nothing to send).
class StreamListener {
 public:
  virtual ~StreamListener() = default;
  // `session` as given to Streaming::Open; the stream is already freed.
  virtual void OnStreamDone(PoolRef session) = 0;
};

class Streaming : public MessageSink, public EventHandler {
 public:
  static constexpr uint64_t kMaxBatchBytes = 1 << 20;
  // A sync request's size before its ranges (16 bytes each).
  static constexpr uint32_t kRequestBytes = 64;
  // The lane of sync requests (kControl): the repair service routes them here. Strategies use
  // the other lanes for their own control messages.
  static constexpr uint32_t kLaneRequest = PoolRef::kMaxLane;

  // Registers the kStream sink and the kStreamSend handler. Pointers must outlive it.
  Streaming(const RepairConfig& config, Cluster* cluster, Network* network, Scheduler* scheduler,
            RepairChannel* channel, StreamListener* listener);

  // A stream of `from`'s partitions in `ranges` to `to`, for `session` (`session_id` names it
  // in the stream log). It sends nothing until Request or Start.
  PoolRef Open(PoolRef session, uint64_t session_id, NodeId from, NodeId to,
               std::vector<engine::TokenRange> ranges);
  // A stream of `from`'s versions of the partitions `keys`, in that order (see the header).
  PoolRef OpenKeys(PoolRef session, uint64_t session_id, NodeId from, NodeId to,
                   std::vector<std::string> keys);
  // `requester` asks the sender to begin (a sync request). REQUIRES: the stream is open and not
  // started.
  void Request(PoolRef stream, NodeId requester);
  // The sender begins now: reads its ranges and queues the batches behind its throttle.
  void Start(PoolRef stream);

  // A sync request arrived (routed by the repair service).
  void OnRequest(const Delivery& delivery);
  // Whether the message a kRepairResend event describes is streaming's (a batch or a sync
  // request), and its handling: resent while its stream lives; unreachable ends it.
  static bool Owns(MessageCategory category, uint64_t payload) {
    return category == MessageCategory::kStream ||
           (category == MessageCategory::kControl && PoolRef::UnpackLane(payload) == kLaneRequest);
  }
  void OnResend(const Event& resend);

  void OnMessage(const Delivery& delivery) override;  // kStream
  void OnEvent(const Event& event) override;          // kStreamSend

  void set_record_streams(bool on) { record_streams_ = on; }
  const std::vector<StreamRecord>& stream_log() const { return stream_log_; }

  uint64_t streamed_partitions() const { return streamed_partitions_; }
  uint64_t streamed_cells() const { return streamed_cells_; }
  uint64_t streamed_bytes() const { return streamed_bytes_; }

  // repair.streamed.*, repair.stream.*.
  void ExportTo(MetricSet* metrics) const;

 private:
  struct Stream {
    PoolRef session;
    uint64_t session_id = 0;
    NodeId from = 0;
    NodeId to = 0;
    std::vector<engine::TokenRange> ranges;
    std::vector<std::string> keys;  // a key stream (ranges empty)
    bool keyed = false;
    uint32_t batches_pending = 0;
  };
  struct Batch {
    PoolRef stream;
    NodeId from = 0;
    NodeId to = 0;
    uint64_t from_incarnation = 0;
    std::vector<engine::Partition> partitions;
    uint64_t cells = 0;
    uint32_t bytes = 0;
    uint64_t digest = 0;
  };

  // Reads the stream's ranges or keys on its sender and cuts them into batches (appended to
  // `out`).
  void ReadBatches(PoolRef stream, std::vector<PoolRef>* out);
  // Appends p to the open batch of `packer`, opening one (into `out`) when needed.
  void AddToBatch(PoolRef stream, const engine::Partition& p, BatchPacker* packer, PoolRef* current,
                  std::vector<PoolRef>* out, StreamRecord* rec);
  void OnSend(PoolRef batch);
  void BatchDone(PoolRef batch);
  void StreamDone(PoolRef stream);

  const RepairConfig& config_;
  Cluster* cluster_;
  Scheduler* scheduler_;
  RepairChannel* channel_;
  StreamListener* listener_;

  PayloadPool<Stream> streams_;
  PayloadPool<Batch> batches_;
  bool record_streams_ = false;
  std::vector<StreamRecord> stream_log_;

  uint64_t streamed_partitions_ = 0;
  uint64_t streamed_cells_ = 0;
  uint64_t streamed_bytes_ = 0;
  uint64_t batches_sent_ = 0;
  uint64_t batches_dropped_ = 0;
  uint64_t batches_corrupt_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_STREAMING_H_
