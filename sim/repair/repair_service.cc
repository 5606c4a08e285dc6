#include "sim/repair/repair_service.h"

#include <algorithm>
#include <utility>

#include "engine/check.h"
#include "sim/net/transfer_time.h"
#include "sim/oracle/replica_difference.h"
#include "sim/repair/strategy_factory.h"

namespace dsim::sim {
namespace {

// moved / minimum, or null when nothing differed.
void SetRatio(MetricSet* metrics, const std::string_view name, uint64_t moved, uint64_t minimum) {
  if (minimum == 0) {
    metrics->SetNull(name, "ratio");
    return;
  }
  metrics->Set(name, static_cast<double>(moved) / static_cast<double>(minimum), "ratio");
}

}  // namespace

RepairService::RepairService(const Scenario& scenario, Cluster* cluster, Network* network,
                             Scheduler* scheduler)
    : config_(scenario.repair),
      cluster_(cluster),
      network_(network),
      scheduler_(scheduler),
      channel_(network, scheduler),
      streaming_(scenario.repair, cluster, network, scheduler, &channel_, this) {
  // The loader accepts only kRepairStrategyNames, which the factory builds.
  absl::StatusOr<std::unique_ptr<RepairStrategy>> strategy =
      MakeRepairStrategy(scenario.repair.strategy, this);
  DSIM_CHECK_MSG(strategy.ok(), "the scenario's repair strategy is unknown");
  strategy_ = *std::move(strategy);
  for (MessageCategory c :
       {MessageCategory::kMerkleTree, MessageCategory::kControl, MessageCategory::kChunk}) {
    network_->SetSink(c, this);
  }
  for (EventKind k : {EventKind::kRepairTick, EventKind::kRepairValidated, EventKind::kRepairResend,
                      EventKind::kRepairStart}) {
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
  if (job.specs.empty()) job.subranges = std::max<uint32_t>(1, config_.subranges);
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
    const uint32_t seg = job.segments[i / job.subranges];
    const absl::Span<const NodeId> reps = cluster_->ring().Replicas(seg);
    std::vector<NodeId> replicas(reps.begin(), reps.end());
    const NodeId initiator = job.by_node ? job.node : cluster_->ring().owner(seg);
    // The initiator first.
    auto it = std::find(replicas.begin(), replicas.end(), initiator);
    DSIM_CHECK(it != replicas.end());
    std::rotate(replicas.begin(), it, it + 1);
    engine::TokenRange range = cluster_->ring().SegmentRange(seg);
    if (job.subranges > 1) {
      // A segment narrower than the subranges (tokens) gets one per token.
      const uint64_t part = i % job.subranges, width_minus_one = range.WidthMinusOne();
      const uint64_t parts =
          width_minus_one < job.subranges - 1 ? width_minus_one + 1 : uint64_t{job.subranges};
      if (part >= parts) {
        --job.active;
        continue;
      }
      range = range.EvenPart(parts, part);
    }
    StartSession(index, range, replicas);
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

void RepairService::StartSession(uint32_t job, const engine::TokenRange& range,
                                 const std::vector<NodeId>& replicas) {
  ++sessions_started_;
  const PoolRef ref = sessions_.Alloc();
  Session& s = sessions_[ref];
  s.info.id = next_session_id_++;
  s.info.range = range;
  s.info.replicas = replicas;
  s.info.depth = jobs_[job].depth;
  s.info.start = scheduler_->now();
  s.job = job;
  s.begun = false;
  s.round_trips = 0;
  const NodeId initiator = replicas[0];
  for (NodeId r : replicas) {
    if (!cluster_->node(r).up() || !network_->Reachable(initiator, r)) {
      FinishSession(ref, false);
      return;
    }
  }
  AccountDifference(range, replicas);
  s.begun = true;
  strategy_->Begin(ref);
}

void RepairService::AccountDifference(const engine::TokenRange& range,
                                      const std::vector<NodeId>& replicas) {
  std::vector<std::vector<engine::Partition>> data(replicas.size());
  for (size_t i = 0; i < replicas.size(); ++i) {
    cluster_->ForEachInRange(replicas[i], range,
                             [&](const engine::Partition& p) { data[i].push_back(p); });
  }
  const RepairMinimum m = MinimumRepair(range, data);
  minimum_.partitions += m.partitions;
  minimum_.cells += m.cells;
  minimum_.bytes += m.bytes;
}

void RepairService::FinishSession(PoolRef ref, bool ok) {
  Session& s = sessions_[ref];
  const uint32_t job = s.job;
  if (ok) {
    ++sessions_completed_;
    round_trips_total_ += s.round_trips;
    round_trips_max_ = std::max<uint64_t>(round_trips_max_, s.round_trips);
  } else {
    ++sessions_failed_;
  }
  if (s.begun) strategy_->End(ref, ok);
  sessions_.Free(ref);
  DSIM_CHECK(jobs_[job].active > 0);
  --jobs_[job].active;
  FillJob(job);
}

void RepairService::OnNodeDown(NodeId node) {
  // The sessions whose strategy cannot lose a replica now fail (first all found, then failed:
  // failing one may start others, which check their replicas themselves).
  // The others hear of it afterwards (it may end them too).
  std::vector<PoolRef> doomed, told;
  for (uint32_t i = 0; i < sessions_.capacity(); ++i) {
    if (!sessions_.LiveIndex(i)) continue;
    const PoolRef ref = sessions_.RefAt(i);
    const Session& s = sessions_[ref];
    DSIM_CHECK(s.begun);
    if (std::find(s.info.replicas.begin(), s.info.replicas.end(), node) == s.info.replicas.end()) {
      continue;
    }
    (strategy_->FailsOnReplicaDown(ref) ? doomed : told).push_back(ref);
  }
  for (PoolRef ref : doomed) {
    if (sessions_.Live(ref)) FinishSession(ref, false);
  }
  for (PoolRef ref : told) {
    if (sessions_.Live(ref)) strategy_->OnReplicaDown(ref, node);
  }
}

void RepairService::OnMessage(const Delivery& d) {
  if (d.duplicate) return;  // TCP delivers once
  const MessageCategory category = d.message.category;
  DSIM_CHECK_MSG(category == MessageCategory::kControl ||
                     category == MessageCategory::kMerkleTree ||
                     category == MessageCategory::kChunk,
                 "unexpected message category for repair");
  const uint32_t lane = PoolRef::UnpackLane(d.message.payload);
  if (category == MessageCategory::kControl && lane == Streaming::kLaneRequest) {
    streaming_.OnRequest(d);
    return;
  }
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  if (!sessions_.Live(ref)) return;
  strategy_->OnMessage(ref, d, lane);
}

void RepairService::OnStreamDone(PoolRef session) {
  // A session that failed with streams open let them run out (see repair_strategy.h).
  if (!sessions_.Live(session)) return;
  strategy_->OnStreamDone(session);
}

void RepairService::OnEvent(const Event& event) {
  switch (event.kind) {
    case EventKind::kRepairStart:
      FillJob(static_cast<uint32_t>(event.a));
      break;
    case EventKind::kRepairTick:
      OnTick(event);
      break;
    case EventKind::kRepairValidated: {
      const PoolRef ref = PoolRef::Unpack(event.a);
      if (!sessions_.Live(ref)) break;
      if (!cluster_->node(event.node).up()) break;  // the work is lost with the node
      strategy_->OnWorkDone(ref, event.node, PoolRef::UnpackLane(event.a));
      break;
    }
    case EventKind::kRepairResend:
      OnResend(event);
      break;
    default:
      DSIM_CHECK_MSG(false, "unexpected event kind for repair");
  }
}

void RepairService::OnTick(const Event& event) {
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
}

void RepairService::OnResend(const Event& event) {
  // A retransmission; the payload's owner may be gone (the session failed): then drop it.
  if (Streaming::Owns(RepairChannel::CategoryOf(event), event.a)) {
    streaming_.OnResend(event);
    return;
  }
  const PoolRef ref = PoolRef::Unpack(event.a);
  if (!sessions_.Live(ref)) return;
  if (!channel_.Resend(event)) FinishSession(ref, false);
}

void RepairService::ReadRange(NodeId node, const engine::TokenRange& range,
                              absl::FunctionRef<void(const engine::Partition&)> fn) {
  cluster_->ForEachInRange(node, range, fn);
}

bool RepairService::SendControl(SessionRef s, NodeId from, NodeId to, MessageCategory category,
                                uint32_t bytes, uint32_t lane) {
  DSIM_CHECK(lane <= kMaxControlLane);
  DSIM_CHECK(category == MessageCategory::kControl || category == MessageCategory::kMerkleTree);
  if (channel_.SendControl(from, to, category, bytes, s.Pack(lane))) return true;
  FinishSession(s, false);
  return false;
}

void RepairService::QueueWork(SessionRef s, NodeId node, Nanos* busy_until, uint64_t bytes,
                              uint64_t bytes_per_sec, uint32_t lane) {
  DSIM_CHECK(lane <= kMaxControlLane && sessions_.Live(s));
  const Nanos done = QueueTransfer(busy_until, scheduler_->now(), bytes, bytes_per_sec);
  scheduler_->Schedule(done, EventKind::kRepairValidated, node, s.Pack(lane), 0, 0,
                       static_cast<uint16_t>(lane));
}

void RepairService::ChargeValidation(SessionRef s, NodeId node, uint64_t bytes, uint32_t lane) {
  QueueWork(s, node, &cluster_->node(node).validation_busy_until, bytes,
            config_.validation_bytes_per_sec, lane);
}

StreamRef RepairService::OpenStream(SessionRef s, NodeId from, NodeId to,
                                    std::vector<engine::TokenRange> ranges) {
  return streaming_.Open(s, sessions_[s].info.id, from, to, std::move(ranges));
}

StreamRef RepairService::OpenKeyStream(SessionRef s, NodeId from, NodeId to,
                                       std::vector<std::string> keys) {
  return streaming_.OpenKeys(s, sessions_[s].info.id, from, to, std::move(keys));
}

RepairContext::IncrementalClaim RepairService::PrepareIncremental(SessionRef s, NodeId node) {
  const RepairSession& info = sessions_[s].info;
  DSIM_CHECK(config_.incremental);
  const engine::Store::PrepareReport r = cluster_->PrepareIncremental(node, info.range, info.id);
  return IncrementalClaim{r.bytes_read + r.bytes_written,
                          cluster_->node(node).store().EstimatePendingPartitions(info.id)};
}

void RepairService::ReadPendingRange(SessionRef s, NodeId node,
                                     absl::FunctionRef<void(const engine::Partition&)> fn) {
  const RepairSession& info = sessions_[s].info;
  cluster_->ForEachPendingInRange(node, info.range, info.id, fn);
}

void RepairService::FinalizeIncremental(SessionRef s, NodeId node) {
  cluster_->FinalizeIncremental(node, sessions_[s].info.id);
}

void RepairService::ReleaseIncremental(SessionRef s, NodeId node) {
  cluster_->ReleaseIncremental(node, sessions_[s].info.id);
}

void RepairService::ForEachSSTable(NodeId node,
                                   absl::FunctionRef<void(const engine::SSTable&)> fn) {
  for (const auto& t : cluster_->node(node).store().sstables()) fn(*t);
}

std::string RepairService::ReadSSTableFile(NodeId node, const engine::SSTable& table) {
  absl::StatusOr<std::string> bytes = cluster_->node(node).store().ReadSSTableFile(table);
  DSIM_CHECK_MSG(bytes.ok(), "an SSTable file could not be read");
  return *std::move(bytes);
}

void RepairService::ChargeUpload(SessionRef s, NodeId node, uint64_t bytes, uint32_t lane) {
  QueueWork(s, node, &cluster_->node(node).stream_busy_until, bytes, config_.stream_bytes_per_sec,
            lane);
}

bool RepairService::SendChunks(SessionRef s, NodeId from, NodeId to, uint32_t bytes,
                               uint32_t lane) {
  DSIM_CHECK(lane <= kMaxControlLane);
  if (channel_.SendData(from, to, MessageCategory::kChunk, bytes, s.Pack(lane))) return true;
  FinishSession(s, false);
  return false;
}

Cluster::FileIngest RepairService::IngestSSTableFile(SessionRef s, NodeId node,
                                                     const std::string& file, uint64_t wire_bytes) {
  DSIM_CHECK(sessions_.Live(s));
  const Cluster::FileIngest r = cluster_->IngestSSTableFile(node, file, sessions_[s].info.range);
  moved_partitions_ += r.partitions;
  moved_cells_ += r.cells;
  moved_bytes_ += wire_bytes;
  return r;
}

void RepairService::RequestStream(StreamRef stream, NodeId requester) {
  streaming_.Request(stream, requester);
}

void RepairService::StartStream(StreamRef stream) { streaming_.Start(stream); }

void RepairService::ExportTo(MetricSet* metrics) const {
  metrics->Set("repair.jobs.started", jobs_started_, "count");
  metrics->Set("repair.jobs.completed", jobs_completed_, "count");
  metrics->Set("repair.jobs.skipped", jobs_skipped_, "count");
  metrics->Set("repair.sessions.started", sessions_started_, "count");
  metrics->Set("repair.sessions.completed", sessions_completed_, "count");
  metrics->Set("repair.sessions.failed", sessions_failed_, "count");
  metrics->Set("repair.control_bytes", channel_.control_bytes(), "bytes");
  metrics->Set("repair.resends", channel_.resends(), "messages");
  metrics->Set("repair.minimum.partitions", minimum_.partitions, "partitions");
  metrics->Set("repair.minimum.cells", minimum_.cells, "cells");
  metrics->Set("repair.minimum.bytes", minimum_.bytes, "bytes");
  SetRatio(metrics, "repair.over_streaming.partitions",
           streaming_.streamed_partitions() + moved_partitions_, minimum_.partitions);
  SetRatio(metrics, "repair.over_streaming.cells", streaming_.streamed_cells() + moved_cells_,
           minimum_.cells);
  SetRatio(metrics, "repair.over_streaming.bytes", streaming_.streamed_bytes() + moved_bytes_,
           minimum_.bytes);
  metrics->Set("repair.round_trips.total", round_trips_total_, "round trips");
  metrics->Set("repair.round_trips.max", round_trips_max_, "round trips");
  metrics->Set("repair.duration.total", ToSeconds(duration_total_), "s");
  metrics->Set("repair.duration.max", ToSeconds(duration_max_), "s");
  streaming_.ExportTo(metrics);
  strategy_->ExportTo(metrics);
}

}  // namespace dsim::sim
