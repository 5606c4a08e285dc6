#include "sim/kv/failure_detector.h"

#include <algorithm>

#include "engine/check.h"

namespace dsim::sim {

FailureDetector::FailureDetector(const ClusterConfig& config, Cluster* cluster, Network* network,
                                 Scheduler* scheduler)
    : cluster_(cluster),
      network_(network),
      scheduler_(scheduler),
      interval_(config.heartbeat_interval.value_or(0)),
      threshold_(config.phi_convict_threshold.value_or(0)),
      n_(cluster->size()),
      version_(n_, 0),
      convictions_by_(n_, 0),
      convictions_of_(n_, 0) {
  DSIM_CHECK(config.failure_detector == ClusterConfig::FailureDetector::kPhi);
  DSIM_CHECK(interval_ > 0 && threshold_ > 0);
  DSIM_CHECK(network_->nodes() == n_);
  // Cassandra's FD_INITIAL_VALUE (and MAX_INTERVAL): two gossip intervals.
  pairs_.assign(size_t{n_} * n_, Pair(2 * interval_));
  network_->SetSink(MessageCategory::kGossip, this);
  scheduler_->SetHandler(EventKind::kHeartbeatTick, this);
  cluster_->AddListener(this);
  network_->set_fault_change_observer([this] { RefreshAll(); });
}

Nanos FailureDetector::Phase(NodeId node) const {
  // interval <= 1 h (3.6e12 ns) and node < 1e6: the product fits in 63 bits.
  return interval_ * static_cast<Nanos>(node) / static_cast<Nanos>(n_);
}

void FailureDetector::Start() {
  const Nanos now = scheduler_->now();
  for (NodeId o = 0; o < n_; ++o) ResetObserver(o, now);
  RefreshAll();
  // A daemon: heartbeats must not keep the run alive.
  for (NodeId node = 0; node < n_; ++node) {
    scheduler_->ScheduleDaemon(now + Phase(node), EventKind::kHeartbeatTick, node);
  }
}

bool FailureDetector::BelievesAlive(NodeId observer, NodeId peer) const {
  if (observer == peer) return cluster_->node(peer).up();
  return !pairs_[Index(observer, peer)].convicted;
}

void FailureDetector::ResetObserver(NodeId observer, Nanos now) {
  for (NodeId p = 0; p < n_; ++p) {
    if (p == observer) continue;
    Pair& pair = pairs_[Index(observer, p)];
    pair.window.Reset();
    pair.window.Add(now);
    pair.last_version = version_[p];  // what it sent before counts as heard
    pair.convicted = false;           // an open conviction ends unmeasured
    pair.fine_since = -1;
  }
}

void FailureDetector::Tick(NodeId node) {
  const Nanos now = scheduler_->now();
  scheduler_->ScheduleDaemon(now + interval_, EventKind::kHeartbeatTick, node);
  if (!cluster_->node(node).up()) return;
  const uint64_t version = ++version_[node];
  for (NodeId p = 0; p < n_; ++p) {
    if (p == node) continue;
    network_->Send({.from = node,
                    .to = p,
                    .category = MessageCategory::kGossip,
                    .bytes = kHeartbeatBytes,
                    .payload = version});
  }
  for (NodeId p = 0; p < n_; ++p) {
    if (p == node) continue;
    const Pair& pair = pairs_[Index(node, p)];
    if (!pair.convicted && pair.window.Convicts(now, threshold_)) Convict(node, p);
  }
}

void FailureDetector::Convict(NodeId observer, NodeId peer) {
  Pair& pair = pairs_[Index(observer, peer)];
  DSIM_CHECK(!pair.convicted);
  const Nanos now = scheduler_->now();
  pair.convicted = true;
  pair.convicted_at = now;
  pair.fine_since = -1;
  pair.true_conviction = pair.bad_since >= 0;
  ++convictions_;
  ++convictions_by_[observer];
  ++convictions_of_[peer];
  scheduler_->MixTrace(0xfd00'0000'0000'0000ULL ^ (uint64_t{observer} << 24) ^ peer);
  if (!pair.true_conviction) {
    ++false_convictions_;
    return;
  }
  DSIM_CHECK(now >= pair.bad_since);
  const Nanos took = now - pair.bad_since;
  convict_time_sum_ += took;
  convict_time_max_ = std::max(convict_time_max_, took);
  true_convictions_.push_back(
      {.observer = observer, .peer = peer, .path_bad_since = pair.bad_since, .at = now});
}

void FailureDetector::Absolve(NodeId observer, NodeId peer) {
  Pair& pair = pairs_[Index(observer, peer)];
  DSIM_CHECK(pair.convicted);
  pair.convicted = false;
  scheduler_->MixTrace(0xfa00'0000'0000'0000ULL ^ (uint64_t{observer} << 24) ^ peer);
  // A heartbeat sent before the path went bad can arrive after it: then nothing recovered.
  if (!pair.true_conviction || pair.fine_since < 0) return;
  const Nanos took = scheduler_->now() - pair.fine_since;
  DSIM_CHECK(took >= 0);
  ++recoveries_;
  recover_time_sum_ += took;
  recover_time_max_ = std::max(recover_time_max_, took);
}

void FailureDetector::OnMessage(const Delivery& d) {
  DSIM_CHECK(d.message.category == MessageCategory::kGossip);
  const NodeId observer = d.message.to;
  const NodeId peer = d.message.from;
  DSIM_CHECK(observer != peer && observer < n_ && peer < n_);
  if (d.duplicate || !cluster_->node(observer).up()) return;
  Pair& pair = pairs_[Index(observer, peer)];
  if (d.message.payload <= pair.last_version) return;  // an older copy, overtaken
  pair.last_version = d.message.payload;
  ++heartbeats_heard_;
  pair.window.Add(scheduler_->now());
  if (pair.convicted) Absolve(observer, peer);
}

void FailureDetector::OnEvent(const Event& event) {
  DSIM_CHECK_MSG(event.kind == EventKind::kHeartbeatTick,
                 "unexpected event kind for the failure detector");
  Tick(event.node);
}

void FailureDetector::OnNodeDown(NodeId node) { RefreshPeer(node); }

void FailureDetector::OnNodeUp(NodeId node) {
  ResetObserver(node, scheduler_->now());
  RefreshPeer(node);
}

void FailureDetector::RefreshPath(NodeId observer, NodeId peer, Nanos now) {
  Pair& pair = pairs_[Index(observer, peer)];
  const bool bad = !cluster_->node(peer).up() || !network_->Reachable(peer, observer);
  if (bad) {
    if (pair.bad_since < 0) pair.bad_since = now;
    pair.fine_since = -1;
    return;
  }
  pair.bad_since = -1;
  if (pair.convicted && pair.true_conviction && pair.fine_since < 0) pair.fine_since = now;
}

void FailureDetector::RefreshPeer(NodeId peer) {
  const Nanos now = scheduler_->now();
  for (NodeId o = 0; o < n_; ++o) {
    if (o != peer) RefreshPath(o, peer, now);
  }
}

void FailureDetector::RefreshAll() {
  for (NodeId p = 0; p < n_; ++p) RefreshPeer(p);
}

void FailureDetector::ExportTo(MetricSet* m) const {
  const uint64_t true_convictions = convictions_ - false_convictions_;
  uint64_t convicted_end = 0;
  for (const Pair& p : pairs_) convicted_end += p.convicted ? 1 : 0;
  m->Set("failure_detector.convictions", convictions_, "count");
  m->Set("failure_detector.false_convictions", false_convictions_, "count");
  m->Set("failure_detector.recoveries", recoveries_, "count");
  m->Set("failure_detector.convicted_end", convicted_end, "count");
  m->Set("failure_detector.heartbeats_heard", heartbeats_heard_, "messages");
  auto stats = [m](const char* name, uint64_t count, Nanos sum, Nanos max) {
    const std::string base = std::string("failure_detector.") + name;
    if (count == 0) {
      m->SetNull(base + ".mean", "s");
      m->SetNull(base + ".max", "s");
      return;
    }
    m->Set(base + ".mean", ToSeconds(sum) / static_cast<double>(count), "s");
    m->Set(base + ".max", ToSeconds(max), "s");
  };
  stats("convict_time", true_convictions, convict_time_sum_, convict_time_max_);
  stats("recover_time", recoveries_, recover_time_sum_, recover_time_max_);
}

}  // namespace dsim::sim
