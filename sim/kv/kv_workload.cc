#include "sim/kv/kv_workload.h"

#include <cmath>

#include "engine/check.h"

namespace dsim::sim {

KvWorkload::KvWorkload(const KvWorkloadConfig& config, uint64_t root_seed, Cluster* cluster,
                       Coordinator* coordinator, Scheduler* scheduler)
    : config_(config),
      phases_(config.phases),
      cluster_(cluster),
      coordinator_(coordinator),
      scheduler_(scheduler),
      rng_(StreamSeed(root_seed, "workload", 0)) {
  if (phases_.empty()) {
    KvPhaseConfig steady;
    steady.name = "steady";
    phases_.push_back(steady);
  }
  DSIM_CHECK(config_.keys > 0 && config_.columns > 0);
  scheduler_->SetHandler(EventKind::kKvArrival, this);
  scheduler_->SetHandler(EventKind::kKvPhase, this);
}

Nanos KvWorkload::total_duration() const {
  Nanos total = 0;
  for (const KvPhaseConfig& p : phases_) total += p.duration;
  return total;
}

void KvWorkload::Start(Nanos at) { scheduler_->Schedule(at, EventKind::kKvPhase, 0, 0); }

void KvWorkload::OnEvent(const Event& event) {
  switch (event.kind) {
    case EventKind::kKvPhase:
      StartPhase(event.a, event.time);
      break;
    case EventKind::kKvArrival:
      Issue();
      ScheduleNextArrival(event.time);
      break;
    default:
      DSIM_CHECK_MSG(false, "unexpected event kind for the kv workload");
  }
}

void KvWorkload::StartPhase(size_t index, Nanos at) {
  if (on_phase_edge_) on_phase_edge_(at);
  if (index >= phases_.size()) return;  // the workload is over
  phase_ = index;
  phase_end_ = at + phases_[index].duration;
  scheduler_->Schedule(phase_end_, EventKind::kKvPhase, 0, index + 1);
  ScheduleNextArrival(at);
}

void KvWorkload::ScheduleNextArrival(Nanos from) {
  const KvPhaseConfig& p = phases_[phase_];
  if (p.rate_per_sec == 0) return;
  const double mean_ns = 1e9 / static_cast<double>(p.rate_per_sec);
  const Nanos gap = static_cast<Nanos>(std::llround(rng_.Exponential(mean_ns)));
  const Nanos at = from + gap;
  // Arrivals at or after the phase end belong to no phase (the next phase starts its own).
  if (at >= phase_end_) return;
  scheduler_->Schedule(at, EventKind::kKvArrival, 0);
}

NodeId KvWorkload::PickCoordinator() {
  const uint32_t n = cluster_->size();
  const NodeId first = static_cast<NodeId>(rng_.Bounded(n));
  for (uint32_t i = 0; i < n; ++i) {
    const NodeId c = (first + i) % n;
    if (cluster_->node(c).up()) return c;
  }
  return UINT32_MAX;
}

uint64_t KvWorkload::PickWrittenKey() {
  DSIM_CHECK(written_ > 0);
  if (config_.popularity == KvWorkloadConfig::Popularity::kUniform) return rng_.Bounded(written_);
  if (!zipf_ || zipf_n_ != written_) {
    zipf_.emplace(written_, config_.zipf_exponent);
    zipf_n_ = written_;
  }
  return zipf_->Sample(rng_) - 1;
}

void KvWorkload::Issue() {
  const KvPhaseConfig& p = phases_[phase_];
  const uint64_t total = uint64_t{p.insert} + p.update + p.remove + p.read;
  DSIM_CHECK(total > 0);
  // Fixed draw order: coordinator, operation, key, column.
  const NodeId coordinator = PickCoordinator();
  uint64_t pick = rng_.Bounded(total);
  enum { kInsert, kUpdate, kDelete, kRead } kind;
  if (pick < p.insert) {
    kind = kInsert;
  } else if ((pick -= p.insert) < p.update) {
    kind = kUpdate;
  } else if ((pick -= p.update) < p.remove) {
    kind = kDelete;
  } else {
    kind = kRead;
  }
  if (written_ == 0) kind = kInsert;
  uint64_t key;
  if (kind == kInsert) {
    key = written_ < config_.keys ? written_ : rng_.Bounded(config_.keys);
  } else {
    key = PickWrittenKey();
  }
  const uint32_t column =
      kind == kUpdate ? static_cast<uint32_t>(rng_.Bounded(config_.columns)) : 0;
  if (coordinator == UINT32_MAX) {
    ++no_coordinator_;  // every node is down: the client cannot even connect
    return;
  }
  switch (kind) {
    case kInsert:
      if (written_ < config_.keys) ++written_;
      ++inserts_;
      coordinator_->Write(coordinator, key, 0, config_.columns, /*remove=*/false);
      break;
    case kUpdate:
      ++updates_;
      coordinator_->Write(coordinator, key, column, 1, /*remove=*/false);
      break;
    case kDelete:
      ++deletes_;
      coordinator_->Write(coordinator, key, 0, config_.columns, /*remove=*/true);
      break;
    case kRead:
      ++reads_;
      coordinator_->Read(coordinator, key);
      break;
  }
}

void KvWorkload::ExportTo(MetricSet* metrics) const {
  metrics->Set("workload.inserts", inserts_, "ops");
  metrics->Set("workload.updates", updates_, "ops");
  metrics->Set("workload.deletes", deletes_, "ops");
  metrics->Set("workload.reads", reads_, "ops");
  metrics->Set("workload.keys_written", written_, "keys");
  metrics->Set("workload.no_coordinator", no_coordinator_, "ops");
}

}  // namespace dsim::sim
