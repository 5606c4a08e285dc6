#include "sim/kv/coordinator.h"

#include <algorithm>
#include <utility>

#include "engine/check.h"
#include "engine/token.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/kv_messages.h"

namespace dsim::sim {

Coordinator::Coordinator(const Scenario& scenario, Cluster* cluster, Network* network,
                         Scheduler* scheduler)
    : scenario_(scenario),
      cluster_(cluster),
      network_(network),
      scheduler_(scheduler),
      value_bytes_(scenario.workload.kv.value_bytes),
      columns_(scenario.workload.kv.columns),
      hints_(scenario.cluster, cluster, network, scheduler) {
  const uint32_t r = cluster_->ring().replicas_per_segment();
  write_required_ = RequiredResponses(scenario.cluster.write_consistency, r);
  read_required_ = RequiredResponses(scenario.cluster.read_consistency, r);
  per_node_.resize(cluster_->size());
  for (MessageCategory c :
       {MessageCategory::kWrite, MessageCategory::kWriteAck, MessageCategory::kRead,
        MessageCategory::kReadResponse, MessageCategory::kHint}) {
    network_->SetSink(c, this);
  }
  scheduler_->SetHandler(EventKind::kOpTimeout, this);
}

PoolRef Coordinator::NewOp(OpKind kind, NodeId coordinator, uint64_t key, uint32_t required) {
  const PoolRef ref = ops_.Alloc();
  Op& op = ops_[ref];
  op.kind = kind;
  op.coordinator = coordinator;
  op.incarnation = cluster_->node(coordinator).incarnation();
  op.key = key;
  op.start = scheduler_->now();
  op.refs = 0;
  op.open = false;
  op.timeout = 0;
  op.digest = 0;
  op.key_str = KvKey(key);
  const absl::Span<const NodeId> replicas =
      cluster_->ring().Replicas(cluster_->oracle().SegmentOfKey(key));
  op.replicas_n = static_cast<uint32_t>(replicas.size());
  std::copy(replicas.begin(), replicas.end(), op.replicas.begin());
  op.quorum.Reset(op.replicas_n, required);
  return ref;
}

bool Coordinator::Available(NodeId coordinator, const Op& op) const {
  uint32_t alive = 0;
  for (uint32_t i = 0; i < op.replicas_n; ++i) {
    const NodeId r = op.replicas[i];
    const bool believed = detector_ != nullptr
                              ? detector_->BelievesAlive(coordinator, r)
                              : cluster_->node(r).up() && network_->Reachable(coordinator, r);
    if (believed) ++alive;
  }
  return alive >= op.quorum.required();
}

void Coordinator::SendForOp(PoolRef ref, uint32_t pos, NodeId from, NodeId to,
                            MessageCategory category, uint32_t bytes) {
  const Network::SendResult r = network_->Send(
      {.from = from, .to = to, .category = category, .bytes = bytes, .payload = ref.Pack(pos)});
  if (r.outcome == Network::SendResult::Outcome::kInFlight) ++ops_[ref].refs;
}

void Coordinator::SendToReplicas(PoolRef ref, MessageCategory category, uint32_t bytes,
                                 uint32_t mask) {
  const Op& op = ops_[ref];
  const NodeId from = op.coordinator;
  const uint32_t n = op.replicas_n;
  for (uint32_t pos = 0; pos < n; ++pos) {
    if (mask & (1u << pos)) SendForOp(ref, pos, from, ops_[ref].replicas[pos], category, bytes);
  }
}

void Coordinator::Issue(PoolRef ref, MessageCategory category, uint32_t bytes) {
  Op& op = ops_[ref];
  op.open = true;
  op.timeout = scheduler_->ScheduleAfter(scenario_.cluster.request_timeout, EventKind::kOpTimeout,
                                         op.coordinator, ref.Pack());
  SendToReplicas(ref, category, bytes, (1u << op.replicas_n) - 1);
}

void Coordinator::Release(PoolRef ref) {
  Op& op = ops_[ref];
  DSIM_CHECK(op.refs > 0);
  if (--op.refs == 0 && !op.open) ops_.Free(ref);
}

void Coordinator::Close(PoolRef ref) {
  Op& op = ops_[ref];
  DSIM_CHECK(op.open);
  op.open = false;
  if (op.refs == 0) ops_.Free(ref);
}

void Coordinator::Write(NodeId coordinator, uint64_t key, uint32_t first_column, uint32_t count,
                        bool remove) {
  DSIM_CHECK(cluster_->node(coordinator).up());
  DSIM_CHECK(count > 0 && first_column + count <= columns_);
  ++write_.attempted;
  ++per_node_[coordinator].coordinated;
  const PoolRef ref = NewOp(OpKind::kWrite, coordinator, key, write_required_);
  Op& op = ops_[ref];
  if (!Available(coordinator, op)) {
    ++write_.failed_unavailable;
    ++per_node_[coordinator].failed_unavailable;
    ops_.Free(ref);
    return;
  }
  const int64_t ts = cluster_->NewTimestamp(coordinator);
  const int64_t ldt = cluster_->LocalMicros(coordinator);
  op.mutation.partition = engine::Partition(op.key_str);
  Oracle& oracle = cluster_->oracle();
  for (uint32_t c = first_column; c < first_column + count; ++c) {
    engine::Cell cell = remove ? engine::Cell::Tombstone(ts, ldt)
                               : engine::Cell::Live(KvValue(next_write_id_++, value_bytes_), ts);
    oracle.OnWriteIssued(key, c, VersionOf(cell), scheduler_->now());
    if (Ledger* ledger = cluster_->ledger()) ledger->OnWriteIssued(key, c, VersionOf(cell));
    op.mutation.partition.Put(KvColumn(c), cell);
  }
  op.digest = KvTraceDigest(op.mutation.partition);
  Issue(ref, MessageCategory::kWrite, KvWireBytes(op.mutation.partition));
}

void Coordinator::Read(NodeId coordinator, uint64_t key) {
  DSIM_CHECK(cluster_->node(coordinator).up());
  ++read_.attempted;
  ++per_node_[coordinator].coordinated;
  const PoolRef ref = NewOp(OpKind::kRead, coordinator, key, read_required_);
  Op& op = ops_[ref];
  if (!Available(coordinator, op)) {
    ++read_.failed_unavailable;
    ++per_node_[coordinator].failed_unavailable;
    ops_.Free(ref);
    return;
  }
  op.responses.resize(op.replicas_n);
  for (auto& r : op.responses) r.reset();
  cluster_->oracle().AckedVersions(key, &op.acked_at_issue);
  Issue(ref, MessageCategory::kRead, kKvHeaderBytes + static_cast<uint32_t>(op.key_str.size()));
}

void Coordinator::OnMessage(const Delivery& d) {
  if (d.duplicate) {
    ++duplicates_ignored_;
    return;
  }
  switch (d.message.category) {
    case MessageCategory::kWrite:
      OnWriteRequest(d);
      break;
    case MessageCategory::kWriteAck:
      OnWriteAck(d);
      break;
    case MessageCategory::kRead:
      OnReadRequest(d);
      break;
    case MessageCategory::kReadResponse:
      OnReadResponse(d);
      break;
    case MessageCategory::kHint:
      hints_.OnHint(d);
      break;
    default:
      DSIM_CHECK_MSG(false, "unexpected message category for the coordinator");
  }
}

bool Coordinator::CoordinatorListening(const Op& op) const {
  const Node& c = cluster_->node(op.coordinator);
  return op.open && c.up() && c.incarnation() == op.incarnation;
}

Coordinator::Reply Coordinator::CountReply(Op& op, uint32_t pos) {
  if (!CoordinatorListening(op) || op.quorum.counted(pos)) return Reply::kIgnored;
  cluster_->ObserveTimestamp(op.coordinator, op.reply_hlc[pos]);
  return op.quorum.Count(pos) ? Reply::kMet : Reply::kCounted;
}

void Coordinator::CloseIfAllReplied(PoolRef ref) {
  Op& op = ops_[ref];
  if (!op.quorum.all_counted()) return;
  scheduler_->Cancel(op.timeout);
  Close(ref);
}

void Coordinator::OnWriteRequest(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  const uint32_t pos = PoolRef::UnpackLane(d.message.payload);
  Op& op = ops_[ref];
  DSIM_CHECK(pos < op.replicas_n && op.replicas[pos] == d.message.to);
  scheduler_->MixTrace(op.digest + pos);
  const NodeId replica = d.message.to;
  Node& node = cluster_->node(replica);
  if (node.up() && !node.DropsMutation(op.key)) {
    cluster_->Apply(replica, op.mutation);
    op.reply_hlc[pos] = node.hlc_us();
    SendForOp(ref, pos, replica, d.message.from, MessageCategory::kWriteAck, kKvHeaderBytes);
  }
  Release(ref);
}

void Coordinator::OnWriteAck(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  const uint32_t pos = PoolRef::UnpackLane(d.message.payload);
  Op& op = ops_[ref];
  hints_.NoteHeard(d.message.from);
  scheduler_->MixTrace(op.digest ^ (uint64_t{pos} << 56) ^ 0xa5);
  // Read repair's writes are acknowledged too, but nobody waits for them.
  const Reply reply = op.kind == OpKind::kWrite ? CountReply(op, pos) : Reply::kIgnored;
  if (reply == Reply::kMet) {
    ++write_.succeeded;
    ++per_node_[op.coordinator].succeeded;
    write_.latency.Record(scheduler_->now() - op.start);
    for (const auto& [name, cell] : op.mutation.partition.cells()) {
      cluster_->oracle().OnWriteAcked(op.key, *ParseKvColumn(name), VersionOf(cell));
      if (Ledger* ledger = cluster_->ledger()) {
        ledger->OnWriteAcked(op.key, *ParseKvColumn(name), VersionOf(cell));
      }
    }
  }
  if (reply != Reply::kIgnored) CloseIfAllReplied(ref);
  Release(ref);
}

void Coordinator::OnReadRequest(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  const uint32_t pos = PoolRef::UnpackLane(d.message.payload);
  Op& op = ops_[ref];
  DSIM_CHECK(op.kind == OpKind::kRead && pos < op.replicas_n);
  const NodeId replica = d.message.to;
  Node& node = cluster_->node(replica);
  if (node.up()) {
    op.responses[pos] = cluster_->Read(replica, op.key_str);
    op.reply_hlc[pos] = node.hlc_us();
    uint32_t bytes = kKvHeaderBytes;
    uint64_t digest = 0x51;
    if (op.responses[pos]) {
      bytes = KvWireBytes(*op.responses[pos]);
      digest = KvTraceDigest(*op.responses[pos]);
    }
    scheduler_->MixTrace(digest + pos);
    SendForOp(ref, pos, replica, d.message.from, MessageCategory::kReadResponse, bytes);
  }
  Release(ref);
}

void Coordinator::OnReadResponse(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  const uint32_t pos = PoolRef::UnpackLane(d.message.payload);
  Op& op = ops_[ref];
  hints_.NoteHeard(d.message.from);
  const Reply reply = CountReply(op, pos);
  if (reply == Reply::kMet) {
    ++read_.succeeded;
    ++per_node_[op.coordinator].succeeded;
    read_.latency.Record(scheduler_->now() - op.start);
    std::optional<engine::Partition> result =
        ReadRepair::Merge(op.responses, op.quorum.counted_mask());
    cluster_->oracle().OnReadMet(op.key, op.acked_at_issue, result);
    if (scenario_.cluster.read_repair) StartReadRepair(op, std::move(result));
  }
  if (reply != Reply::kIgnored) CloseIfAllReplied(ref);
  Release(ref);
}

void Coordinator::StartReadRepair(const Op& read, std::optional<engine::Partition> merged) {
  std::optional<ReadRepair::Plan> plan =
      read_repair_.PlanFor(read.responses, read.quorum.counted_mask(), std::move(merged));
  if (!plan) return;
  const PoolRef rr = NewOp(OpKind::kReadRepair, read.coordinator, read.key, 0);
  Op& repair = ops_[rr];
  repair.mutation.partition = std::move(plan->merged);
  repair.digest = KvTraceDigest(repair.mutation.partition);
  SendToReplicas(rr, MessageCategory::kWrite, KvWireBytes(repair.mutation.partition), plan->stale);
  if (repair.refs == 0) ops_.Free(rr);
}

void Coordinator::OnTimeout(PoolRef ref) {
  Op& op = ops_[ref];
  DSIM_CHECK(op.open);
  Counters& c = op.kind == OpKind::kWrite ? write_ : read_;
  if (op.quorum.Fail()) {
    ++c.failed_timeout;
    ++per_node_[op.coordinator].failed_timeout;
  }
  // A coordinator that crashed since issuing the write has nothing to hint from.
  if (op.kind == OpKind::kWrite && hints_.enabled() && CoordinatorListening(op)) {
    for (uint32_t pos = 0; pos < op.replicas_n; ++pos) {
      if (!op.quorum.counted(pos)) {
        hints_.Store(op.coordinator, op.replicas[pos], op.digest, op.mutation);
      }
    }
  }
  Close(ref);
}

void Coordinator::OnEvent(const Event& event) {
  DSIM_CHECK_MSG(event.kind == EventKind::kOpTimeout, "unexpected event kind for the coordinator");
  OnTimeout(PoolRef::Unpack(event.a));
}

namespace {

void ExportCounters(MetricSet* m, const std::string& prefix, uint64_t attempted, uint64_t ok,
                    uint64_t timeout, uint64_t unavailable, const LatencyHistogram& latency) {
  m->Set(prefix + ".attempted", attempted, "ops");
  m->Set(prefix + ".succeeded", ok, "ops");
  m->Set(prefix + ".failed", timeout + unavailable, "ops");
  m->Set(prefix + ".failed_timeout", timeout, "ops");
  m->Set(prefix + ".failed_unavailable", unavailable, "ops");
  const uint64_t decided = ok + timeout + unavailable;
  if (decided > 0) {
    m->Set(prefix + ".availability", static_cast<double>(ok) / static_cast<double>(decided),
           "ratio");
  } else {
    m->SetNull(prefix + ".availability", "ratio");
  }
  const char* names[] = {"mean", "p50", "p90", "p99", "p999", "max"};
  if (latency.count() == 0) {
    for (const char* n : names) m->SetNull(prefix + ".latency." + n, "s");
    return;
  }
  m->Set(prefix + ".latency.mean", latency.Mean() / 1e9, "s");
  m->Set(prefix + ".latency.p50", ToSeconds(latency.Percentile(50, 100)), "s");
  m->Set(prefix + ".latency.p90", ToSeconds(latency.Percentile(90, 100)), "s");
  m->Set(prefix + ".latency.p99", ToSeconds(latency.Percentile(99, 100)), "s");
  m->Set(prefix + ".latency.p999", ToSeconds(latency.Percentile(999, 1000)), "s");
  m->Set(prefix + ".latency.max", ToSeconds(latency.max()), "s");
}

}  // namespace

void Coordinator::ExportTo(MetricSet* metrics) const {
  ExportCounters(metrics, "ops.write", write_.attempted, write_.succeeded, write_.failed_timeout,
                 write_.failed_unavailable, write_.latency);
  ExportCounters(metrics, "ops.read", read_.attempted, read_.succeeded, read_.failed_timeout,
                 read_.failed_unavailable, read_.latency);
  metrics->Set("ops.in_flight_end", uint64_t{ops_.live()}, "ops");
  metrics->Set("ops.duplicates_ignored", duplicates_ignored_, "messages");
  hints_.ExportTo(metrics);
  read_repair_.ExportTo(metrics);
}

}  // namespace dsim::sim
