// FailureDetector: who each node believes alive when cluster.failure_detector = "phi". Every up
// node heartbeats every other node, and keeps a phi-accrual ArrivalWindow (phi_accrual.h) per
// peer; a coordinator (coordinator.h) and hint replay (hints.h) then contact the replicas their
// own detector has not convicted, so a replica that is down or unreachable but not yet convicted
// is sent to and times out, as in Cassandra, instead of failing the request at once.
//
// What is simulated, and what is simplified:
//   - Heartbeats. Each node ticks every heartbeat_interval (I), at a fixed phase of its own,
//     node * I / nodes, so the nodes do not tick at the same instant (no randomness drawn). At
//     each tick an up node sends a kGossip message of kHeartbeatBytes carrying its heartbeat
//     version (a counter) to every other node, over the simulated network like any message
//     (latency, loss, duplication, partitions, cuts, datacenter routes), so heartbeats appear in
//     network.gossip.*. Cassandra's gossip instead sends digests to one to three random peers a
//     second and spreads heartbeat versions epidemically, so a peer can learn of a node through
//     a third; here only direct heartbeats count, which is the all-to-all limit of that protocol.
//   - Arrivals. A heartbeat reaching an up observer with a version above the last it saw from
//     that peer is an arrival (duplicates and reordered older copies are not). A convicted peer
//     is believed alive again at its next arrival (Cassandra's markAlive on a newer heartbeat).
//   - Checks. At each of its ticks, after sending, an up observer convicts every peer whose phi
//     exceeds phi_convict_threshold (Cassandra's gossiper status check, once a gossip round).
//   - Start and restarts. At the start every observer believes every peer alive, with one
//     virtual arrival at time 0 (the cluster was up before the run), so a peer that never
//     heartbeats is still convicted. A restarted node's detector starts the same way, from its
//     restart instant (its old windows are dropped). A down node sends, checks and hears nothing.
//
// When a conviction happens (T = phi_convict_threshold, I = heartbeat_interval). After n arrivals
// of a peer the window holds Cassandra's initial 2I and n - 1 intervals, which without loss
// add up to (last - first arrival), so mean = (2I + last - first) / n: about I (n + 1) / n when
// the arrivals are I apart, I + phase / n here (the first is the virtual arrival at 0), -> I
// as n grows (with loss, the lost heartbeats' gaps, up to 2I each, raise it). The peer's
// last heartbeat before a cut (or crash) at c was sent in (c - I, c] and arrives at
// a = sent + latency; phi exceeds T once now - a > T ln(10) mean, and the observer notices at
// its next check tick, at most I later:
//   convict in (a + T ln(10) mean, a + T ln(10) mean + I]
//   convict - c in (T ln(10) mean - I + latency_min, T ln(10) mean + I + latency_max]
// so about 18.42 I after the cut for T = 8 (1.84 s with I = 100 ms). Recovery: the peer's first
// heartbeat after the heal is sent within I of it and arrives a latency later.
//
// Metrics (ExportTo; phi only). A pair's path is bad while the peer is down or the network does
// not pass peer -> observer (Network::Reachable), tracked at every fault change and node state
// change. A conviction while the path is fine is false (loss or latency alone made phi climb);
// the others measure time to convict (from the path going bad) and, once they end, time to
// recover (from the path becoming fine again to the arrival that un-convicts).
//
//   FailureDetector fd(scenario.cluster, &cluster, &network, &scheduler);
//   fd.Start();
//   bool alive = fd.BelievesAlive(/*observer=*/2, /*peer=*/0);
//
// Costs: a tick O(nodes) sends and checks; an arrival O(1); a fault change O(nodes^2) (path
// states); memory per (observer, peer) pair: the window, up to 8 KB after 1,000 heartbeats.
#ifndef DSIM_SIM_KV_FAILURE_DETECTOR_H_
#define DSIM_SIM_KV_FAILURE_DETECTOR_H_

#include <cstdint>
#include <vector>

#include "sim/core/metrics.h"
#include "sim/core/scheduler.h"
#include "sim/kv/cluster.h"
#include "sim/kv/phi_accrual.h"
#include "sim/net/message.h"
#include "sim/net/network.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class FailureDetector : public EventHandler, public MessageSink, public NodeStateListener {
 public:
  // A heartbeat message: a header, the sender's generation and heartbeat version.
  static constexpr uint32_t kHeartbeatBytes = 64;

  // Registers the kGossip sink, the kHeartbeatTick handler, a node state listener on the
  // cluster and the network's fault change observer. REQUIRES: config.failure_detector == kPhi
  // (heartbeat_interval and phi_convict_threshold set). Pointers must outlive it.
  FailureDetector(const ClusterConfig& config, Cluster* cluster, Network* network,
                  Scheduler* scheduler);

  // Schedules every node's first tick (daemon events) and the time-0 virtual arrivals.
  void Start();

  // Whether `observer` believes `peer` alive: itself while it is up; another node while its
  // detector has not convicted it.
  bool BelievesAlive(NodeId observer, NodeId peer) const;

  Nanos interval() const { return interval_; }
  double threshold() const { return threshold_; }
  // The window `observer` keeps of `peer` (tests). REQUIRES: observer != peer.
  const ArrivalWindow& window(NodeId observer, NodeId peer) const {
    return pairs_[Index(observer, peer)].window;
  }
  // The first tick of `node` (its phase): node * interval / nodes.
  Nanos Phase(NodeId node) const;

  // Per node: convictions it made (as observer), and convictions of it (as peer).
  uint64_t convictions_by(NodeId node) const { return convictions_by_[node]; }
  uint64_t convictions_of(NodeId node) const { return convictions_of_[node]; }

  // Every true conviction, in the order they happened (tests).
  struct Conviction {
    NodeId observer = 0;
    NodeId peer = 0;
    Nanos path_bad_since = 0;  // when the peer went down or peer -> observer was cut
    Nanos at = 0;              // the conviction
  };
  const std::vector<Conviction>& true_convictions() const { return true_convictions_; }

  void OnMessage(const Delivery& delivery) override;
  void OnEvent(const Event& event) override;
  void OnNodeDown(NodeId node) override;
  void OnNodeUp(NodeId node) override;

  // failure_detector.* metrics.
  void ExportTo(MetricSet* metrics) const;

 private:
  struct Pair {
    explicit Pair(Nanos initial) : window(initial) {}
    ArrivalWindow window;
    uint64_t last_version = 0;  // highest heartbeat version heard
    bool convicted = false;
    bool true_conviction = false;  // the path was bad at the conviction
    Nanos convicted_at = 0;
    Nanos bad_since = -1;   // the path is bad since then; -1: fine
    Nanos fine_since = -1;  // a true conviction's path is fine again since then; -1: not
  };
  size_t Index(NodeId observer, NodeId peer) const { return size_t{observer} * n_ + peer; }

  void Tick(NodeId node);
  void Convict(NodeId observer, NodeId peer);
  void Absolve(NodeId observer, NodeId peer);  // a heartbeat un-convicts
  // The observer's detector starts afresh at `now`: every peer alive, one virtual arrival.
  void ResetObserver(NodeId observer, Nanos now);
  // Re-evaluates whether peer -> observer is bad, for one pair / every pair with `peer` / all.
  void RefreshPath(NodeId observer, NodeId peer, Nanos now);
  void RefreshPeer(NodeId peer);
  void RefreshAll();

  Cluster* cluster_;
  Network* network_;
  Scheduler* scheduler_;
  Nanos interval_;
  double threshold_;
  uint32_t n_;
  std::vector<Pair> pairs_;        // by Index(observer, peer); the diagonal is unused
  std::vector<uint64_t> version_;  // per node: its last heartbeat version sent
  std::vector<uint64_t> convictions_by_;
  std::vector<uint64_t> convictions_of_;
  std::vector<Conviction> true_convictions_;

  uint64_t convictions_ = 0;
  uint64_t false_convictions_ = 0;
  uint64_t recoveries_ = 0;
  Nanos convict_time_sum_ = 0, convict_time_max_ = 0;
  Nanos recover_time_sum_ = 0, recover_time_max_ = 0;
  uint64_t heartbeats_heard_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_FAILURE_DETECTOR_H_
