#include "sim/kv/hints.h"

#include <algorithm>
#include <optional>

#include "engine/check.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/kv_messages.h"

namespace dsim::sim {

HintedHandoff::HintedHandoff(const ClusterConfig& config, Cluster* cluster, Network* network,
                             Scheduler* scheduler)
    : config_(config),
      cluster_(cluster),
      network_(network),
      scheduler_(scheduler),
      by_coordinator_(cluster->size()),
      replay_scheduled_(cluster->size(), false),
      last_heard_(cluster->size(), 0) {
  scheduler_->SetHandler(EventKind::kHintReplay, this);
}

void HintedHandoff::NoteHeard(NodeId node) { last_heard_[node] = scheduler_->now(); }

void HintedHandoff::Store(NodeId coordinator, NodeId target, uint64_t digest,
                          const engine::Mutation& mutation) {
  DSIM_CHECK(enabled());
  if (scheduler_->now() - last_heard_[target] > config_.max_hint_window) {
    ++not_stored_;
    return;
  }
  const PoolRef ref = hints_.Alloc();
  Hint& h = hints_[ref];
  h.coordinator = coordinator;
  h.target = target;
  h.created = scheduler_->now();
  h.sent_at = -1;
  h.digest = digest;
  h.mutation = mutation;
  by_coordinator_[coordinator].push_back(ref);
  ++stored_;
  ScheduleReplay(coordinator);
}

void HintedHandoff::ScheduleReplay(NodeId coordinator) {
  if (replay_scheduled_[coordinator]) return;
  replay_scheduled_[coordinator] = true;
  // A daemon: hints for a replica that never comes back must not keep the run alive.
  scheduler_->ScheduleDaemon(scheduler_->now() + kReplayInterval, EventKind::kHintReplay,
                             coordinator);
}

void HintedHandoff::Replay(NodeId coordinator) {
  replay_scheduled_[coordinator] = false;
  std::vector<PoolRef>& list = by_coordinator_[coordinator];
  // Forget delivered hints (their slots were freed by the acknowledgement).
  list.erase(
      std::remove_if(list.begin(), list.end(), [this](PoolRef r) { return !hints_.Live(r); }),
      list.end());
  if (list.empty()) return;
  const Nanos now = scheduler_->now();
  if (cluster_->node(coordinator).up()) {
    for (PoolRef ref : list) {
      Hint& h = hints_[ref];
      if (h.sent_at >= 0 && now - h.sent_at < config_.request_timeout) continue;
      const bool alive = detector_ != nullptr ? detector_->BelievesAlive(coordinator, h.target)
                                              : cluster_->node(h.target).up() &&
                                                    network_->Reachable(coordinator, h.target);
      if (!alive) continue;
      h.sent_at = now;
      ++sent_;
      network_->Send({.from = coordinator,
                      .to = h.target,
                      .category = MessageCategory::kHint,
                      .bytes = KvWireBytes(h.mutation.partition),
                      .payload = ref.Pack(0)});
    }
  }
  ScheduleReplay(coordinator);
}

void HintedHandoff::OnHint(const Delivery& d) {
  const PoolRef ref = PoolRef::Unpack(d.message.payload);
  const bool ack = PoolRef::UnpackLane(d.message.payload) == 1;
  // A stale reference: an earlier copy of this hint was delivered and acknowledged already.
  if (!hints_.Live(ref)) return;
  Hint& h = hints_[ref];
  scheduler_->MixTrace(h.digest ^ (ack ? 0x4b : 0x48));
  if (ack) {
    NoteHeard(d.message.from);
    ++delivered_;
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
                  .bytes = kKvHeaderBytes,
                  .payload = ref.Pack(1)});
}

void HintedHandoff::OnEvent(const Event& event) {
  DSIM_CHECK_MSG(event.kind == EventKind::kHintReplay, "unexpected event kind for hints");
  Replay(event.node);
}

void HintedHandoff::ExportTo(MetricSet* metrics) const {
  metrics->Set("hints.stored", stored_, "hints");
  metrics->Set("hints.not_stored", not_stored_, "hints");
  metrics->Set("hints.sent", sent_, "messages");
  metrics->Set("hints.delivered", delivered_, "hints");
  metrics->Set("hints.pending_end", uint64_t{hints_.live()}, "hints");
}

}  // namespace dsim::sim
