#include "sim/kv/coordinator.h"

#include <algorithm>
#include <utility>

#include "engine/check.h"
#include "engine/token.h"
#include "sim/kv/kv_data.h"

namespace dsim::sim {
namespace {

// A digest of a partition for the trace (its content digest, folded to 64 bits).
uint64_t TraceDigest(const engine::Partition& p) {
  const engine::Digest128 d = p.Digest();
  return d.low ^ (d.high * 0x9e3779b97f4a7c15ULL);
}

uint32_t WireBytes(const engine::Partition& p) {
  return Coordinator::kHeaderBytes + static_cast<uint32_t>(p.ByteSize());
}

}  // namespace

Coordinator::Coordinator(const Scenario& scenario, Cluster* cluster, Network* network,
                         Scheduler* scheduler)
    : scenario_(scenario),
      cluster_(cluster),
      network_(network),
      scheduler_(scheduler),
      value_bytes_(scenario.workload.kv.value_bytes),
      columns_(scenario.workload.kv.columns),
      hints_by_node_(cluster->size()),
      hint_replay_scheduled_(cluster->size(), false),
      last_heard_(cluster->size(), 0) {
  const uint32_t r = cluster_->ring().replicas_per_segment();
  write_needed_ = Needed(scenario.cluster.write_consistency, r);
  read_needed_ = Needed(scenario.cluster.read_consistency, r);
  for (MessageCategory c :
       {MessageCategory::kWrite, MessageCategory::kWriteAck, MessageCategory::kRead,
        MessageCategory::kReadResponse, MessageCategory::kHint}) {
    network_->SetSink(c, this);
  }
  scheduler_->SetHandler(EventKind::kOpTimeout, this);
  scheduler_->SetHandler(EventKind::kHintReplay, this);
}

uint32_t Coordinator::Needed(ConsistencyLevel cl, uint32_t replicas) {
  switch (cl) {
    case ConsistencyLevel::kOne:
      return 1;
    case ConsistencyLevel::kQuorum:
      return replicas / 2 + 1;
    case ConsistencyLevel::kAll:
      return replicas;
  }
  return replicas;
}

PoolRef Coordinator::NewOp(OpKind kind, NodeId coordinator, uint64_t key, uint32_t needed) {
  const PoolRef ref = ops_.Alloc();
  Op& op = ops_[ref];
  op.kind = kind;
  op.coordinator = coordinator;
  op.incarnation = cluster_->node(coordinator).incarnation();
  op.key = key;
  op.start = scheduler_->now();
  op.refs = 0;
  op.open = false;
  op.done = false;
  op.replied = 0;
  op.replies = 0;
  op.needed = needed;
  op.timeout = 0;
  op.digest = 0;
  op.key_str = KvKey(key);
  const absl::Span<const NodeId> replicas =
      cluster_->ring().Replicas(cluster_->oracle().SegmentOfKey(key));
  op.replicas_n = static_cast<uint32_t>(replicas.size());
  std::copy(replicas.begin(), replicas.end(), op.replicas.begin());
  return ref;
}

bool Coordinator::Available(NodeId coordinator, const Op& op) const {
  uint32_t alive = 0;
  for (uint32_t i = 0; i < op.replicas_n; ++i) {
    const NodeId r = op.replicas[i];
    if (cluster_->node(r).up() && network_->Reachable(coordinator, r)) ++alive;
  }
  return alive >= op.needed;
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
  const PoolRef ref = NewOp(OpKind::kWrite, coordinator, key, write_needed_);
  Op& op = ops_[ref];
  if (!Available(coordinator, op)) {
    ++write_.failed_unavailable;
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
    oracle.OnWriteIssued(key, c, VersionOf(cell));
    op.mutation.partition.Put(KvColumn(c), cell);
  }
  op.digest = TraceDigest(op.mutation.partition);
  op.open = true;
  op.timeout = scheduler_->ScheduleAfter(scenario_.cluster.request_timeout, EventKind::kOpTimeout,
                                         coordinator, ref.Pack());
  SendToReplicas(ref, MessageCategory::kWrite, WireBytes(op.mutation.partition),
                 (1u << op.replicas_n) - 1);
}

void Coordinator::Read(NodeId coordinator, uint64_t key) {
  DSIM_CHECK(cluster_->node(coordinator).up());
  ++read_.attempted;
  const PoolRef ref = NewOp(OpKind::kRead, coordinator, key, read_needed_);
  Op& op = ops_[ref];
  if (!Available(coordinator, op)) {
    ++read_.failed_unavailable;
    ops_.Free(ref);
    return;
  }
  op.responses.resize(op.replicas_n);
  for (auto& r : op.responses) r.reset();
  op.open = true;
  op.timeout = scheduler_->ScheduleAfter(scenario_.cluster.request_timeout, EventKind::kOpTimeout,
                                         coordinator, ref.Pack());
  SendToReplicas(ref, MessageCategory::kRead,
                 kHeaderBytes + static_cast<uint32_t>(op.key_str.size()),
                 (1u << op.replicas_n) - 1);
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
      OnHint(d);
      break;
    default:
      DSIM_CHECK_MSG(false, "unexpected message category for the coordinator");
  }
}

bool Coordinator::CoordinatorListening(const Op& op) const {
  const Node& c = cluster_->node(op.coordinator);
  return op.open && c.up() && c.incarnation() == op.incarnation;
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
    SendForOp(ref, pos, replica, d.message.from, MessageCategory::kWriteAck, kHeaderBytes);
  }
  Release(ref);
}

void Coordinator::OnWriteAck(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  const uint32_t pos = PoolRef::UnpackLane(d.message.payload);
  Op& op = ops_[ref];
  last_heard_[d.message.from] = scheduler_->now();
  scheduler_->MixTrace(op.digest ^ (uint64_t{pos} << 56) ^ 0xa5);
  if (op.kind == OpKind::kWrite && CoordinatorListening(op) && !(op.replied & (1u << pos))) {
    cluster_->ObserveTimestamp(op.coordinator, op.reply_hlc[pos]);
    op.replied |= 1u << pos;
    ++op.replies;
    if (!op.done && op.replies >= op.needed) {
      op.done = true;
      ++write_.succeeded;
      write_.latency.Record(scheduler_->now() - op.start);
      for (const auto& [name, cell] : op.mutation.partition.cells()) {
        cluster_->oracle().OnWriteAcked(op.key, *ParseKvColumn(name), VersionOf(cell));
      }
    }
    if (op.replies == op.replicas_n) {
      scheduler_->Cancel(op.timeout);
      Close(ref);
    }
  }
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
    uint32_t bytes = kHeaderBytes;
    uint64_t digest = 0x51;
    if (op.responses[pos]) {
      bytes = WireBytes(*op.responses[pos]);
      digest = TraceDigest(*op.responses[pos]);
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
  last_heard_[d.message.from] = scheduler_->now();
  if (CoordinatorListening(op) && !(op.replied & (1u << pos))) {
    cluster_->ObserveTimestamp(op.coordinator, op.reply_hlc[pos]);
    op.replied |= 1u << pos;
    ++op.replies;
    if (!op.done && op.replies >= op.needed) {
      op.done = true;
      ++read_.succeeded;
      read_.latency.Record(scheduler_->now() - op.start);
      if (scenario_.cluster.read_repair) {
        // The merge of the responses so far; replicas that answered something else get it.
        std::optional<engine::Partition> merged;
        for (uint32_t i = 0; i < op.replicas_n; ++i) {
          if (!(op.replied & (1u << i)) || !op.responses[i]) continue;
          if (merged) {
            merged->MergeFrom(*op.responses[i]);
          } else {
            merged = op.responses[i];
          }
        }
        uint32_t stale = 0;
        if (merged) {
          for (uint32_t i = 0; i < op.replicas_n; ++i) {
            if ((op.replied & (1u << i)) && !(op.responses[i] && *op.responses[i] == *merged)) {
              stale |= 1u << i;
            }
          }
        }
        if (stale != 0) {
          ++read_repairs_;
          const PoolRef rr = NewOp(OpKind::kReadRepair, op.coordinator, op.key, 0);
          Op& repair = ops_[rr];
          repair.mutation.partition = *std::move(merged);
          repair.digest = TraceDigest(repair.mutation.partition);
          for (uint32_t i = 0; i < repair.replicas_n; ++i) {
            if (stale & (1u << i)) ++read_repair_mutations_;
          }
          SendToReplicas(rr, MessageCategory::kWrite, WireBytes(repair.mutation.partition), stale);
          if (repair.refs == 0) ops_.Free(rr);
        }
      }
    }
    if (op.replies == op.replicas_n) {
      scheduler_->Cancel(op.timeout);
      Close(ref);
    }
  }
  Release(ref);
}

void Coordinator::OnTimeout(PoolRef ref) {
  Op& op = ops_[ref];
  DSIM_CHECK(op.open);
  Counters& c = op.kind == OpKind::kWrite ? write_ : read_;
  if (!op.done) {
    op.done = true;
    ++c.failed_timeout;
  }
  if (op.kind == OpKind::kWrite && scenario_.cluster.hinted_handoff &&
      cluster_->node(op.coordinator).up() &&
      cluster_->node(op.coordinator).incarnation() == op.incarnation) {
    for (uint32_t pos = 0; pos < op.replicas_n; ++pos) {
      if (!(op.replied & (1u << pos))) StoreHint(op, op.replicas[pos]);
    }
  }
  Close(ref);
}

void Coordinator::StoreHint(const Op& op, NodeId target) {
  if (scheduler_->now() - last_heard_[target] > scenario_.cluster.max_hint_window) {
    ++hints_not_stored_;
    return;
  }
  const PoolRef ref = hints_.Alloc();
  Hint& h = hints_[ref];
  h.coordinator = op.coordinator;
  h.target = target;
  h.created = scheduler_->now();
  h.sent_at = -1;
  h.digest = op.digest;
  h.mutation = op.mutation;
  hints_by_node_[op.coordinator].push_back(ref);
  ++hints_stored_;
  ScheduleHintReplay(op.coordinator);
}

void Coordinator::ScheduleHintReplay(NodeId coordinator) {
  if (hint_replay_scheduled_[coordinator]) return;
  hint_replay_scheduled_[coordinator] = true;
  // A daemon: hints for a replica that never comes back must not keep the run alive.
  scheduler_->ScheduleDaemon(scheduler_->now() + kHintReplayInterval, EventKind::kHintReplay,
                             coordinator);
}

void Coordinator::ReplayHints(NodeId coordinator) {
  hint_replay_scheduled_[coordinator] = false;
  std::vector<PoolRef>& list = hints_by_node_[coordinator];
  // Forget delivered hints (their slots were freed by the acknowledgement).
  list.erase(
      std::remove_if(list.begin(), list.end(), [this](PoolRef r) { return !hints_.Live(r); }),
      list.end());
  if (list.empty()) return;
  const Nanos now = scheduler_->now();
  if (cluster_->node(coordinator).up()) {
    for (PoolRef ref : list) {
      Hint& h = hints_[ref];
      if (h.sent_at >= 0 && now - h.sent_at < scenario_.cluster.request_timeout) continue;
      if (!cluster_->node(h.target).up() || !network_->Reachable(coordinator, h.target)) continue;
      h.sent_at = now;
      ++hints_sent_;
      network_->Send({.from = coordinator,
                      .to = h.target,
                      .category = MessageCategory::kHint,
                      .bytes = WireBytes(h.mutation.partition),
                      .payload = ref.Pack(0)});
    }
  }
  ScheduleHintReplay(coordinator);
}

void Coordinator::OnHint(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  const bool ack = PoolRef::UnpackLane(d.message.payload) == 1;
  // A stale reference: an earlier copy of this hint was delivered and acknowledged already.
  if (!hints_.Live(ref)) return;
  Hint& h = hints_[ref];
  scheduler_->MixTrace(h.digest ^ (ack ? 0x4b : 0x48));
  if (ack) {
    last_heard_[d.message.from] = scheduler_->now();
    ++hints_delivered_;
    hints_.Free(ref);
    return;
  }
  Node& node = cluster_->node(d.message.to);
  const std::optional<uint64_t> key = ParseKvKey(h.mutation.key());
  if (!node.up() || node.DropsMutation(key ? *key : UINT64_MAX)) return;
  cluster_->Apply(d.message.to, h.mutation);
  network_->Send({.from = d.message.to,
                  .to = d.message.from,
                  .category = MessageCategory::kHint,
                  .bytes = kHeaderBytes,
                  .payload = ref.Pack(1)});
}

void Coordinator::OnEvent(const Event& event) {
  switch (event.kind) {
    case EventKind::kOpTimeout:
      OnTimeout(PoolRef::Unpack(event.a));
      break;
    case EventKind::kHintReplay:
      ReplayHints(event.node);
      break;
    default:
      DSIM_CHECK_MSG(false, "unexpected event kind for the coordinator");
  }
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
  metrics->Set("hints.stored", hints_stored_, "hints");
  metrics->Set("hints.not_stored", hints_not_stored_, "hints");
  metrics->Set("hints.sent", hints_sent_, "messages");
  metrics->Set("hints.delivered", hints_delivered_, "hints");
  metrics->Set("hints.pending_end", uint64_t{hints_.live()}, "hints");
  metrics->Set("read_repair.reads", read_repairs_, "reads");
  metrics->Set("read_repair.mutations", read_repair_mutations_, "mutations");
}

}  // namespace dsim::sim
