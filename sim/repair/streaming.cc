#include "sim/repair/streaming.h"

#include <optional>
#include <utility>

#include "engine/check.h"
#include "sim/net/transfer_time.h"
#include "sim/repair/trace_digest.h"

namespace dsim::sim {

Streaming::Streaming(const RepairConfig& config, Cluster* cluster, Network* network,
                     Scheduler* scheduler, RepairChannel* channel, StreamListener* listener)
    : config_(config),
      cluster_(cluster),
      scheduler_(scheduler),
      channel_(channel),
      listener_(listener) {
  DSIM_CHECK(cluster_ != nullptr && channel_ != nullptr && listener_ != nullptr);
  network->SetSink(MessageCategory::kStream, this);
  scheduler_->SetHandler(EventKind::kStreamSend, this);
}

PoolRef Streaming::Open(PoolRef session, uint64_t session_id, NodeId from, NodeId to,
                        std::vector<engine::TokenRange> ranges) {
  const PoolRef ref = streams_.Alloc();
  Stream& s = streams_[ref];
  s.session = session;
  s.session_id = session_id;
  s.from = from;
  s.to = to;
  s.ranges = std::move(ranges);
  s.batches_pending = 0;
  return ref;
}

PoolRef Streaming::OpenKeys(PoolRef session, uint64_t session_id, NodeId from, NodeId to,
                            std::vector<std::string> keys) {
  const PoolRef ref = Open(session, session_id, from, to, {});
  Stream& s = streams_[ref];
  s.keys = std::move(keys);
  s.keyed = true;
  return ref;
}

void Streaming::Request(PoolRef stream, NodeId requester) {
  const Stream& s = streams_[stream];
  DSIM_CHECK(s.batches_pending == 0);
  // The request names each range (two tokens) or each key (its 16-byte row hash).
  const uint64_t named = s.keyed ? s.keys.size() : s.ranges.size();
  const uint32_t bytes = kRequestBytes + static_cast<uint32_t>(16 * named);
  if (!channel_->SendControl(requester, s.from, MessageCategory::kControl, bytes,
                             stream.Pack(kLaneRequest))) {
    StreamDone(stream);
  }
}

void Streaming::OnRequest(const Delivery& d) {
  DSIM_CHECK(PoolRef::UnpackLane(d.message.payload) == kLaneRequest);
  const PoolRef stream = PoolRef::Unpack(d.message.payload);
  if (!streams_.Live(stream)) return;
  DSIM_CHECK(streams_[stream].from == d.message.to);
  Start(stream);
}

void Streaming::Start(PoolRef stream) {
  Stream& s = streams_[stream];
  Node& from = cluster_->node(s.from);
  if (!from.up()) {
    StreamDone(stream);
    return;
  }
  std::vector<PoolRef> batches;
  ReadBatches(stream, &batches);
  if (batches.empty()) {
    StreamDone(stream);
    return;
  }
  s.batches_pending = static_cast<uint32_t>(batches.size());
  for (PoolRef b : batches) {
    const Nanos depart = QueueTransfer(&from.stream_busy_until, scheduler_->now(),
                                       batches_[b].bytes, config_.stream_bytes_per_sec);
    scheduler_->Schedule(depart, EventKind::kStreamSend, s.from, b.Pack());
  }
}

void Streaming::AddToBatch(PoolRef stream, const engine::Partition& p, BatchPacker* packer,
                           PoolRef* current, std::vector<PoolRef>* out, StreamRecord* rec) {
  const Stream& s = streams_[stream];
  const uint64_t size = static_cast<uint64_t>(p.ByteSize());
  if (packer->Add(size)) {
    *current = batches_.Alloc();
    Batch& b = batches_[*current];
    b.stream = stream;
    b.from = s.from;
    b.to = s.to;
    b.from_incarnation = cluster_->node(s.from).incarnation();
    b.partitions.clear();
    b.cells = 0;
    b.bytes = 0;
    b.digest = 0;
    out->push_back(*current);
  }
  Batch& b = batches_[*current];
  b.partitions.push_back(p);
  b.cells += p.cell_count();
  b.bytes += static_cast<uint32_t>(size);
  b.digest += FoldDigest(p.Digest());
  ++rec->partitions;
  rec->cells += p.cell_count();
  rec->bytes += size;
}

void Streaming::ReadBatches(PoolRef stream, std::vector<PoolRef>* out) {
  const Stream& s = streams_[stream];
  BatchPacker packer(kMaxBatchBytes);
  PoolRef current{};
  // Everything is read now (a snapshot); batches continue across the stream's ranges.
  if (s.keyed) {
    StreamRecord rec{.session = s.session_id, .keyed = true, .from = s.from, .to = s.to};
    for (const std::string& key : s.keys) {
      const std::optional<engine::Partition> p = cluster_->View(s.from, key);
      if (p.has_value() && !p->empty()) AddToBatch(stream, *p, &packer, &current, out, &rec);
    }
    if (record_streams_) stream_log_.push_back(rec);
  }
  for (const engine::TokenRange& range : s.ranges) {
    StreamRecord rec{.session = s.session_id, .range = range, .from = s.from, .to = s.to};
    auto add = [&](const engine::Partition& p) {
      AddToBatch(stream, p, &packer, &current, out, &rec);
    };
    if (config_.incremental) {
      cluster_->ForEachPendingInRange(s.from, range, s.session_id, add);  // only the claim
    } else {
      cluster_->ForEachInRange(s.from, range, add);
    }
    if (record_streams_) stream_log_.push_back(rec);
  }
  DSIM_CHECK(out->size() == packer.batches());
}

void Streaming::OnEvent(const Event& event) {
  DSIM_CHECK_MSG(event.kind == EventKind::kStreamSend, "unexpected event kind for streaming");
  OnSend(PoolRef::Unpack(event.a));
}

void Streaming::OnSend(PoolRef ref) {
  Batch& b = batches_[ref];
  const Node& from = cluster_->node(b.from);
  if (!from.up() || from.incarnation() != b.from_incarnation) {
    ++batches_dropped_;
    BatchDone(ref);
    return;
  }
  ++batches_sent_;
  streamed_partitions_ += b.partitions.size();
  streamed_cells_ += b.cells;
  streamed_bytes_ += b.bytes;
  if (!channel_->SendData(b.from, b.to, MessageCategory::kStream, b.bytes, ref.Pack())) {
    ++batches_dropped_;
    BatchDone(ref);
  }
}

void Streaming::OnMessage(const Delivery& d) {
  if (d.duplicate) return;  // TCP delivers once
  DSIM_CHECK_MSG(d.message.category == MessageCategory::kStream,
                 "unexpected message category for streaming");
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  DSIM_CHECK(batches_.Live(ref));
  Batch& b = batches_[ref];
  if (d.corrupted) {
    // The batch's checksum fails at the receiver: discarded, and the sender sends it again.
    ++batches_corrupt_;
    if (!channel_->SendData(b.from, b.to, MessageCategory::kStream, b.bytes, ref.Pack())) {
      ++batches_dropped_;
      BatchDone(ref);
    }
    return;
  }
  scheduler_->MixTrace(b.digest);
  if (cluster_->node(b.to).up()) {
    // An incremental session's streams land pending for it (repaired when it completes).
    const uint64_t pending = config_.incremental ? streams_[b.stream].session_id : 0;
    cluster_->Ingest(b.to, std::move(b.partitions), pending);
    b.partitions.clear();
  } else {
    ++batches_dropped_;
  }
  BatchDone(ref);
}

void Streaming::OnResend(const Event& resend) {
  const MessageCategory category = RepairChannel::CategoryOf(resend);
  DSIM_CHECK(Owns(category, resend.a));
  const PoolRef ref = PoolRef::Unpack(resend.a);
  if (category == MessageCategory::kStream) {
    if (!batches_.Live(ref)) return;
    if (!channel_->Resend(resend)) {
      ++batches_dropped_;
      BatchDone(ref);
    }
    return;
  }
  if (!streams_.Live(ref)) return;
  if (!channel_->Resend(resend)) StreamDone(ref);
}

void Streaming::BatchDone(PoolRef ref) {
  const PoolRef stream = batches_[ref].stream;
  batches_[ref].partitions.clear();
  batches_.Free(ref);
  Stream& s = streams_[stream];
  DSIM_CHECK(s.batches_pending > 0);
  if (--s.batches_pending == 0) StreamDone(stream);
}

void Streaming::StreamDone(PoolRef stream) {
  const PoolRef session = streams_[stream].session;
  streams_.Free(stream);
  listener_->OnStreamDone(session);
}

void Streaming::ExportTo(MetricSet* metrics) const {
  metrics->Set("repair.streamed.partitions", streamed_partitions_, "partitions");
  metrics->Set("repair.streamed.cells", streamed_cells_, "cells");
  metrics->Set("repair.streamed.bytes", streamed_bytes_, "bytes");
  metrics->Set("repair.stream.batches", batches_sent_, "batches");
  metrics->Set("repair.stream.batches_dropped", batches_dropped_, "batches");
  metrics->Set("repair.stream.batches_corrupt", batches_corrupt_, "batches");
}

}  // namespace dsim::sim
