// HintedHandoff: the hints coordinators keep for replicas that missed a write, and their replay
// (cluster.hinted_handoff). The Coordinator owns one and feeds it.
//
// Storing: when a write's timeout expires, the coordinator asks for a hint for each replica that
// did not acknowledge (Store). The max_hint_window rule: no hint is kept for a replica that has
// been silent (sent no reply to any coordinator, see NoteHeard) for longer than max_hint_window;
// such writes are counted as hints.not_stored. Hints survive a coordinator crash (they are on
// disk in Cassandra).
//
// Replay: every kReplayInterval a coordinator with hints sends each one whose target is up and
// reachable (with a failure detector, set_failure_detector: whose target it believes alive)
// (kHint, lane 0); the target applies it (unless it is down or drops the mutation) and
// acknowledges (kHint back, lane 1), which deletes the hint; a hint unacknowledged for
// request_timeout is resent. Replay ticks are daemon events: pending hints do not keep a run
// alive on their own. Each hint delivery folds the write's digest into the trace hash.
//
// Payloads: hints live in a PayloadPool; a kHint message carries the hint's reference, so a copy
// that arrives after the hint was acknowledged (a resend, a network duplicate) is recognised as
// stale and ignored.
//
//   HintedHandoff hints(scenario.cluster, &cluster, &network, &scheduler);
//   hints.NoteHeard(replica);                       // on every reply a coordinator receives
//   hints.Store(coordinator, target, digest, mutation);
//   hints.OnHint(delivery);                         // the coordinator's kHint deliveries
#ifndef DSIM_SIM_KV_HINTS_H_
#define DSIM_SIM_KV_HINTS_H_

#include <cstdint>
#include <vector>

#include "engine/mutation.h"
#include "sim/core/metrics.h"
#include "sim/core/payload_pool.h"
#include "sim/core/scheduler.h"
#include "sim/kv/cluster.h"
#include "sim/kv/failure_detector.h"
#include "sim/net/message.h"
#include "sim/net/network.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class HintedHandoff : public EventHandler {
 public:
  static constexpr Nanos kReplayInterval = kSecond;

  // Registers the kHintReplay handler. Pointers must outlive it.
  HintedHandoff(const ClusterConfig& config, Cluster* cluster, Network* network,
                Scheduler* scheduler);

  bool enabled() const { return config_.hinted_handoff; }
  // Whom replay believes alive (null: up and reachable, the simulator's truth).
  void set_failure_detector(const FailureDetector* detector) { detector_ = detector; }

  // `node` sent a reply that reached its coordinator now (the max_hint_window rule measures
  // silence from the last one).
  void NoteHeard(NodeId node);
  // A write `coordinator` issued timed out without `target`'s acknowledgement: keeps a hint
  // (`digest` is the write's trace digest) unless the max_hint_window rule says no.
  // REQUIRES: enabled().
  void Store(NodeId coordinator, NodeId target, uint64_t digest, const engine::Mutation& mutation);
  // A kHint delivery (not a network duplicate): a hint for its target, or an acknowledgement.
  void OnHint(const Delivery& d);

  void OnEvent(const Event& event) override;

  uint64_t pending() const { return hints_.live(); }

  // hints.* metrics.
  void ExportTo(MetricSet* metrics) const;

 private:
  struct Hint {
    NodeId coordinator = 0;
    NodeId target = 0;
    Nanos created = 0;
    Nanos sent_at = -1;  // -1: not sent since the last replay tick
    uint64_t digest = 0;
    engine::Mutation mutation;
  };

  void Replay(NodeId coordinator);
  void ScheduleReplay(NodeId coordinator);

  const ClusterConfig& config_;
  Cluster* cluster_;
  Network* network_;
  Scheduler* scheduler_;
  const FailureDetector* detector_ = nullptr;

  PayloadPool<Hint> hints_;
  std::vector<std::vector<PoolRef>> by_coordinator_;  // in creation order
  std::vector<bool> replay_scheduled_;
  std::vector<Nanos> last_heard_;  // per node: last time it sent a reply

  uint64_t stored_ = 0;
  uint64_t delivered_ = 0;
  uint64_t not_stored_ = 0;
  uint64_t sent_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_HINTS_H_
