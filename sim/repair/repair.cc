#include "sim/repair/repair.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/check.h"
#include "sim/oracle/replica_difference.h"

namespace dsim::sim {
namespace {

// ceil(bytes * 1e9 / rate) nanoseconds; 0 for an unlimited (0) rate.
Nanos TransferTime(uint64_t bytes, uint64_t bytes_per_sec) {
  if (bytes_per_sec == 0) return 0;
  const unsigned __int128 num = static_cast<unsigned __int128>(bytes) * 1'000'000'000u;
  return static_cast<Nanos>((num + bytes_per_sec - 1) / bytes_per_sec);
}

// The deepest tree the range can hold (a leaf needs at least one token).
int MaxDepthFor(const engine::TokenRange& range) {
  if (range.IsFullRing()) return engine::MerkleTree::kMaxDepth;
  const uint64_t width_minus_one = range.WidthMinusOne();
  int depth = 0;
  // 2^(depth+1) <= width  <=>  2^(depth+1) - 1 <= width - 1
  while (depth < engine::MerkleTree::kMaxDepth &&
         ((uint64_t{1} << (depth + 1)) - 1) <= width_minus_one) {
    ++depth;
  }
  return depth;
}

uint64_t Fold(const engine::Digest128& d) { return d.low ^ (d.high * 0x9e3779b97f4a7c15ULL); }

}  // namespace

RepairService::RepairService(const Scenario& scenario, Cluster* cluster, Network* network,
                             Scheduler* scheduler)
    : scenario_(scenario),
      config_(scenario.repair),
      cluster_(cluster),
      network_(network),
      scheduler_(scheduler) {
  for (MessageCategory c :
       {MessageCategory::kMerkleTree, MessageCategory::kStream, MessageCategory::kControl}) {
    network_->SetSink(c, this);
  }
  for (EventKind k : {EventKind::kRepairTick, EventKind::kRepairValidated, EventKind::kStreamSend,
                      EventKind::kRepairResend, EventKind::kRepairStart}) {
    scheduler_->SetHandler(k, this);
  }
  cluster_->AddListener(this);
}

void RepairService::Start(Nanos until) {
  until_ = until;
  if (config_.interval <= 0) return;
  if (until_ > 0) {
    if (config_.start < until_) scheduler_->Schedule(config_.start, EventKind::kRepairTick, 0);
  } else {
    scheduler_->ScheduleDaemon(config_.start, EventKind::kRepairTick, 0);
  }
}

uint64_t RepairService::jobs_active() const {
  uint64_t n = 0;
  for (const Job& j : jobs_) n += j.done ? 0 : 1;
  return n;
}

void RepairService::StartFullRepair() {
  Job job;
  job.segments.resize(cluster_->ring().segments());
  for (uint32_t s = 0; s < job.segments.size(); ++s) job.segments[s] = s;
  StartJob(std::move(job));
}

void RepairService::StartNodeRepair(NodeId node) {
  Job job;
  job.segments = cluster_->ring().SegmentsOf(node);
  job.by_node = true;
  job.node = node;
  StartJob(std::move(job));
}

void RepairService::StartCustomRepair(const std::vector<engine::TokenRange>& ranges,
                                      const std::vector<NodeId>& replicas, int depth) {
  DSIM_CHECK(!replicas.empty() && replicas.size() <= Ring::kMaxReplicas);
  Job job;
  job.depth = depth;
  for (const engine::TokenRange& r : ranges) job.specs.push_back({r, replicas});
  StartJob(std::move(job));
}

void RepairService::StartJob(Job job) {
  job.start = scheduler_->now();
  ++jobs_started_;
  jobs_.push_back(std::move(job));
  const uint32_t index = static_cast<uint32_t>(jobs_.size() - 1);
  // Sessions start from an event, so a job started inside another handler (a fault, a tick)
  // begins after it, in a fixed order.
  scheduler_->Schedule(scheduler_->now(), EventKind::kRepairStart, 0, index);
}

void RepairService::FillJob(uint32_t index) {
  if (jobs_[index].filling) return;
  jobs_[index].filling = true;
  const uint32_t concurrency = std::max<uint32_t>(1, config_.concurrency);
  while (!jobs_[index].done && jobs_[index].active < concurrency &&
         jobs_[index].next < jobs_[index].total()) {
    Job& job = jobs_[index];
    const size_t i = job.next++;
    ++job.active;
    if (!job.specs.empty()) {
      const SessionSpec spec = job.specs[i];
      StartSession(index, spec.range, spec.replicas);
      continue;
    }
    const uint32_t seg = job.segments[i];
    const absl::Span<const NodeId> reps = cluster_->ring().Replicas(seg);
    std::vector<NodeId> replicas(reps.begin(), reps.end());
    const NodeId initiator = job.by_node ? job.node : cluster_->ring().owner(seg);
    // The initiator first.
    auto it = std::find(replicas.begin(), replicas.end(), initiator);
    DSIM_CHECK(it != replicas.end());
    std::rotate(replicas.begin(), it, it + 1);
    StartSession(index, cluster_->ring().SegmentRange(seg), replicas);
  }
  Job& job = jobs_[index];
  job.filling = false;
  if (!job.done && job.active == 0 && job.next >= job.total()) {
    job.done = true;
    ++jobs_completed_;
    const Nanos d = scheduler_->now() - job.start;
    duration_total_ += d;
    duration_max_ = std::max(duration_max_, d);
    if (periodic_job_ && *periodic_job_ == index) periodic_job_.reset();
  }
}

bool RepairService::SendReliable(NodeId from, NodeId to, MessageCategory category, uint32_t bytes,
                                 uint64_t payload) {
  const Network::SendResult r = network_->Send(
      {.from = from, .to = to, .category = category, .bytes = bytes, .payload = payload});
  switch (r.outcome) {
    case Network::SendResult::Outcome::kInFlight:
      return true;
    case Network::SendResult::Outcome::kLost:
      ++resends_;
      scheduler_->Schedule(r.arrival, EventKind::kRepairResend, from, payload, to, bytes,
                           static_cast<uint16_t>(category));
      return true;
    case Network::SendResult::Outcome::kUnreachable:
      return false;
  }
  return false;
}

void RepairService::StartSession(uint32_t job, const engine::TokenRange& range,
                                 const std::vector<NodeId>& replicas) {
  ++sessions_started_;
  const PoolRef ref = sessions_.Alloc();
  Session& s = sessions_[ref];
  s.id = next_session_id_++;
  s.job = job;
  s.range = range;
  s.replicas = replicas;
  s.start = scheduler_->now();
  s.comparing = false;
  s.trees_received = 0;
  s.tasks_pending = 0;
  s.trees.assign(replicas.size(), std::nullopt);
  const NodeId initiator = replicas[0];
  for (NodeId r : replicas) {
    if (!cluster_->node(r).up() || !network_->Reachable(initiator, r)) {
      FinishSession(ref, false);
      return;
    }
  }
  int requested;
  if (jobs_[job].depth >= 0) {
    requested = jobs_[job].depth;
  } else if (config_.merkle_depth > 0) {
    requested = static_cast<int>(config_.merkle_depth);
  } else {
    // Cassandra's rule on the initiator's estimate of the partitions in the range. The node
    // holds data only for the ranges it replicates, so its sketch is scaled by the range's
    // share of those (Store::EstimatePartitions alone assumes data over the whole ring).
    const engine::Store& store = cluster_->node(initiator).store();
    const double held = cluster_->ring().ReplicatedFraction(initiator);
    const double estimate = store.EstimatePartitions(engine::TokenRange::FullRing()) *
                            std::min(1.0, range.RingFraction() / held);
    requested = engine::MerkleDepthFor(static_cast<uint64_t>(std::llround(estimate)),
                                       store.options().merkle_max_depth);
  }
  s.depth = std::min({requested, MaxDepthFor(range), engine::MerkleTree::kMaxDepth});
  depth_min_ = depth_min_ < 0 ? s.depth : std::min(depth_min_, s.depth);
  depth_max_ = std::max(depth_max_, s.depth);

  // The oracle's view: what differs between each pair right now.
  std::vector<std::vector<engine::Partition>> data(replicas.size());
  for (size_t i = 0; i < replicas.size(); ++i) {
    cluster_->ForEachInRange(replicas[i], range,
                             [&](const engine::Partition& p) { data[i].push_back(p); });
  }
  for (size_t a = 0; a < replicas.size(); ++a) {
    for (size_t b = a + 1; b < replicas.size(); ++b) {
      const ReplicaDifference d = CompareReplicas(range, data[a], data[b]);
      differing_partitions_ += d.partitions;
      differing_cells_ += d.cells;
    }
  }

  for (uint32_t pos = 0; pos < replicas.size(); ++pos) {
    control_bytes_ += kRequestBytes;
    if (!SendReliable(initiator, replicas[pos], MessageCategory::kControl, kRequestBytes,
                      ref.Pack(pos))) {
      FinishSession(ref, false);
      return;
    }
  }
}

void RepairService::FinishSession(PoolRef ref, bool ok) {
  Session& s = sessions_[ref];
  const uint32_t job = s.job;
  if (ok) {
    ++sessions_completed_;
  } else {
    ++sessions_failed_;
  }
  s.trees.clear();
  sessions_.Free(ref);
  DSIM_CHECK(jobs_[job].active > 0);
  --jobs_[job].active;
  FillJob(job);
}

void RepairService::OnNodeDown(NodeId node) {
  // Sessions still validating lose a replica: they fail (streams handle crashes themselves).
  std::vector<PoolRef> doomed;
  for (uint32_t i = 0; i < sessions_.capacity(); ++i) {
    if (!sessions_.LiveIndex(i)) continue;
    const PoolRef ref = sessions_.RefAt(i);
    const Session& s = sessions_[ref];
    if (s.comparing) continue;
    if (std::find(s.replicas.begin(), s.replicas.end(), node) != s.replicas.end()) {
      doomed.push_back(ref);
    }
  }
  for (PoolRef ref : doomed) {
    if (sessions_.Live(ref)) FinishSession(ref, false);
  }
}

void RepairService::OnMessage(const Delivery& d) {
  if (d.duplicate) return;  // TCP delivers once
  switch (d.message.category) {
    case MessageCategory::kControl:
      if (PoolRef::UnpackLane(d.message.payload) == kLaneSync) {
        OnSyncRequest(d);
      } else {
        OnValidationRequest(d);
      }
      break;
    case MessageCategory::kMerkleTree:
      OnTree(d);
      break;
    case MessageCategory::kStream:
      OnStream(d);
      break;
    default:
      DSIM_CHECK_MSG(false, "unexpected message category for repair");
  }
}

void RepairService::OnValidationRequest(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  const uint32_t pos = PoolRef::UnpackLane(d.message.payload);
  if (!sessions_.Live(ref)) return;
  Session& s = sessions_[ref];
  const NodeId replica = d.message.to;
  DSIM_CHECK(pos < s.replicas.size() && s.replicas[pos] == replica);
  Node& node = cluster_->node(replica);
  if (!node.up()) return;  // OnNodeDown failed the session already
  engine::MerkleTree tree(s.range, s.depth);
  uint64_t bytes = 0;
  cluster_->ForEachInRange(replica, s.range, [&](const engine::Partition& p) {
    tree.Add(p.token(), p.Digest());
    bytes += static_cast<uint64_t>(p.ByteSize());
  });
  tree.Finalize();
  s.trees[pos] = std::move(tree);
  ++validations_;
  validation_bytes_ += bytes;
  const Nanos begin = std::max(scheduler_->now(), node.validation_busy_until);
  const Nanos done = begin + TransferTime(bytes, config_.validation_bytes_per_sec);
  node.validation_busy_until = done;
  scheduler_->Schedule(done, EventKind::kRepairValidated, replica, ref.Pack(pos), 0, 0,
                       static_cast<uint16_t>(pos));
}

void RepairService::OnValidated(const Event& e) {
  const PoolRef ref = PoolRef::Unpack(e.a);
  const uint32_t pos = PoolRef::UnpackLane(e.a);
  if (!sessions_.Live(ref)) return;
  Session& s = sessions_[ref];
  if (!cluster_->node(e.node).up()) return;
  const engine::MerkleTree& tree = *s.trees[pos];
  scheduler_->MixTrace(Fold(tree.root()) + pos);
  const uint32_t bytes = static_cast<uint32_t>(tree.SerializedSizeBytes());
  ++trees_;
  tree_bytes_ += bytes;
  control_bytes_ += bytes;
  if (!SendReliable(e.node, s.replicas[0], MessageCategory::kMerkleTree, bytes, e.a)) {
    FinishSession(ref, false);
  }
}

void RepairService::OnTree(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  const uint32_t pos = PoolRef::UnpackLane(d.message.payload);
  if (!sessions_.Live(ref)) return;
  Session& s = sessions_[ref];
  if (s.comparing || !cluster_->node(s.replicas[0]).up()) return;
  s.trees_received |= 1u << pos;
  if (s.trees_received == (1u << s.replicas.size()) - 1) Compare(ref);
}

void RepairService::Compare(PoolRef ref) {
  Session& s = sessions_[ref];
  s.comparing = true;
  const size_t n = s.replicas.size();
  std::vector<PoolRef> tasks;
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a + 1; b < n; ++b) {
      std::vector<engine::TokenRange> diff =
          engine::MerkleTree::Difference(*s.trees[a], *s.trees[b]);
      if (diff.empty()) continue;
      differing_ranges_ += diff.size();
      for (int dir = 0; dir < 2; ++dir) {
        const PoolRef t = tasks_.Alloc();
        Task& task = tasks_[t];
        task.session = ref;
        task.from = s.replicas[dir == 0 ? a : b];
        task.to = s.replicas[dir == 0 ? b : a];
        task.ranges = diff;
        task.batches_pending = 0;
        tasks.push_back(t);
      }
    }
  }
  s.trees.clear();
  s.tasks_pending = static_cast<uint32_t>(tasks.size());
  if (tasks.empty()) {
    FinishSession(ref, true);
    return;
  }
  const NodeId initiator = s.replicas[0];
  for (PoolRef t : tasks) {
    const uint32_t bytes = kRequestBytes + 16 * static_cast<uint32_t>(tasks_[t].ranges.size());
    control_bytes_ += bytes;
    if (!SendReliable(initiator, tasks_[t].from, MessageCategory::kControl, bytes,
                      t.Pack(kLaneSync))) {
      TaskDone(t);
    }
  }
}

void RepairService::OnSyncRequest(const Delivery& d) {
  const PoolRef t = PoolRef::Unpack(d.message.payload);
  if (!tasks_.Live(t)) return;
  Task& task = tasks_[t];
  Node& from = cluster_->node(task.from);
  if (!from.up()) {
    TaskDone(t);
    return;
  }
  const uint64_t session_id = sessions_[task.session].id;
  // Read everything now (a snapshot), then batch it.
  std::vector<PoolRef> batches;
  PoolRef current{};
  bool open = false;
  for (const engine::TokenRange& range : task.ranges) {
    StreamRecord rec;
    rec.session = session_id;
    rec.range = range;
    rec.from = task.from;
    rec.to = task.to;
    cluster_->ForEachInRange(task.from, range, [&](const engine::Partition& p) {
      const uint64_t size = static_cast<uint64_t>(p.ByteSize());
      if (open && batches_[current].bytes + size > kMaxBatchBytes &&
          !batches_[current].partitions.empty()) {
        open = false;
      }
      if (!open) {
        current = batches_.Alloc();
        Batch& b = batches_[current];
        b.task = t;
        b.from = task.from;
        b.to = task.to;
        b.from_incarnation = from.incarnation();
        b.partitions.clear();
        b.cells = 0;
        b.bytes = 0;
        b.digest = 0;
        batches.push_back(current);
        open = true;
      }
      Batch& b = batches_[current];
      b.partitions.push_back(p);
      b.cells += p.cell_count();
      b.bytes += static_cast<uint32_t>(size);
      b.digest += Fold(p.Digest());
      ++rec.partitions;
      rec.cells += p.cell_count();
      rec.bytes += size;
    });
    if (record_streams_) stream_log_.push_back(rec);
  }
  if (batches.empty()) {
    TaskDone(t);
    return;
  }
  task.batches_pending = static_cast<uint32_t>(batches.size());
  for (PoolRef b : batches) {
    const Nanos begin = std::max(scheduler_->now(), from.stream_busy_until);
    const Nanos depart = begin + TransferTime(batches_[b].bytes, config_.stream_bytes_per_sec);
    from.stream_busy_until = depart;
    scheduler_->Schedule(depart, EventKind::kStreamSend, task.from, b.Pack());
  }
}

void RepairService::OnStreamSend(PoolRef ref) {
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
  if (!SendReliable(b.from, b.to, MessageCategory::kStream, b.bytes, ref.Pack())) {
    ++batches_dropped_;
    BatchDone(ref);
  }
}

void RepairService::OnStream(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  DSIM_CHECK(batches_.Live(ref));
  Batch& b = batches_[ref];
  scheduler_->MixTrace(b.digest);
  if (cluster_->node(b.to).up()) {
    cluster_->Ingest(b.to, std::move(b.partitions));
    b.partitions.clear();
  } else {
    ++batches_dropped_;
  }
  BatchDone(ref);
}

void RepairService::BatchDone(PoolRef ref) {
  const PoolRef t = batches_[ref].task;
  batches_[ref].partitions.clear();
  batches_.Free(ref);
  Task& task = tasks_[t];
  DSIM_CHECK(task.batches_pending > 0);
  if (--task.batches_pending == 0) TaskDone(t);
}

void RepairService::TaskDone(PoolRef t) {
  const PoolRef s = tasks_[t].session;
  tasks_.Free(t);
  Session& session = sessions_[s];
  DSIM_CHECK(session.tasks_pending > 0);
  if (--session.tasks_pending == 0) FinishSession(s, true);
}

void RepairService::OnEvent(const Event& event) {
  switch (event.kind) {
    case EventKind::kRepairStart:
      FillJob(static_cast<uint32_t>(event.a));
      break;
    case EventKind::kRepairTick: {
      if (periodic_job_) {
        ++jobs_skipped_;
      } else {
        StartFullRepair();
        jobs_.back().periodic = true;
        periodic_job_ = static_cast<uint32_t>(jobs_.size() - 1);
      }
      const Nanos next = event.time + config_.interval;
      if (until_ > 0) {
        if (next < until_) scheduler_->Schedule(next, EventKind::kRepairTick, 0);
      } else {
        scheduler_->ScheduleDaemon(next, EventKind::kRepairTick, 0);
      }
      break;
    }
    case EventKind::kRepairValidated:
      OnValidated(event);
      break;
    case EventKind::kStreamSend:
      OnStreamSend(PoolRef::Unpack(event.a));
      break;
    case EventKind::kRepairResend: {
      // A retransmission; the payload's owner may be gone (the session failed): then drop it.
      const MessageCategory category = static_cast<MessageCategory>(event.aux);
      const PoolRef ref = PoolRef::Unpack(event.a);
      const bool live =
          category == MessageCategory::kStream ? batches_.Live(ref)
          : category == MessageCategory::kControl && PoolRef::UnpackLane(event.a) == kLaneSync
              ? tasks_.Live(ref)
              : sessions_.Live(ref);
      if (!live) break;
      if (!SendReliable(event.node, static_cast<NodeId>(event.b), category,
                        static_cast<uint32_t>(event.c), event.a)) {
        if (category == MessageCategory::kStream) {
          ++batches_dropped_;
          BatchDone(ref);
        } else if (category == MessageCategory::kControl &&
                   PoolRef::UnpackLane(event.a) == kLaneSync) {
          TaskDone(ref);
        } else {
          FinishSession(ref, false);
        }
      }
      break;
    }
    default:
      DSIM_CHECK_MSG(false, "unexpected event kind for repair");
  }
}

void RepairService::ExportTo(MetricSet* metrics) const {
  metrics->Set("repair.jobs.started", jobs_started_, "count");
  metrics->Set("repair.jobs.completed", jobs_completed_, "count");
  metrics->Set("repair.jobs.skipped", jobs_skipped_, "count");
  metrics->Set("repair.sessions.started", sessions_started_, "count");
  metrics->Set("repair.sessions.completed", sessions_completed_, "count");
  metrics->Set("repair.sessions.failed", sessions_failed_, "count");
  metrics->Set("repair.validations", validations_, "count");
  metrics->Set("repair.validation_bytes", validation_bytes_, "bytes");
  metrics->Set("repair.trees.count", trees_, "trees");
  metrics->Set("repair.trees.bytes", tree_bytes_, "bytes");
  metrics->Set("repair.control_bytes", control_bytes_, "bytes");
  if (depth_min_ >= 0) {
    metrics->Set("repair.depth.min", int64_t{depth_min_}, "levels");
    metrics->Set("repair.depth.max", int64_t{depth_max_}, "levels");
  } else {
    metrics->SetNull("repair.depth.min", "levels");
    metrics->SetNull("repair.depth.max", "levels");
  }
  metrics->Set("repair.differing_ranges", differing_ranges_, "ranges");
  metrics->Set("repair.differing.partitions", differing_partitions_, "partitions");
  metrics->Set("repair.differing.cells", differing_cells_, "cells");
  metrics->Set("repair.streamed.partitions", streamed_partitions_, "partitions");
  metrics->Set("repair.streamed.cells", streamed_cells_, "cells");
  metrics->Set("repair.streamed.bytes", streamed_bytes_, "bytes");
  metrics->Set("repair.stream.batches", batches_sent_, "batches");
  metrics->Set("repair.stream.batches_dropped", batches_dropped_, "batches");
  metrics->Set("repair.resends", resends_, "messages");
  if (differing_partitions_ > 0) {
    metrics->Set(
        "repair.over_streaming.partitions",
        static_cast<double>(streamed_partitions_) / static_cast<double>(differing_partitions_),
        "ratio");
  } else {
    metrics->SetNull("repair.over_streaming.partitions", "ratio");
  }
  if (differing_cells_ > 0) {
    metrics->Set("repair.over_streaming.cells",
                 static_cast<double>(streamed_cells_) / static_cast<double>(differing_cells_),
                 "ratio");
  } else {
    metrics->SetNull("repair.over_streaming.cells", "ratio");
  }
  metrics->Set("repair.duration.total", ToSeconds(duration_total_), "s");
  metrics->Set("repair.duration.max", ToSeconds(duration_max_), "s");
}

}  // namespace dsim::sim
