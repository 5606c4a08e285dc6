// Network: the simulated message network between nodes. Send() decides, at send time, whether
// a message is dropped (unreachable, lost), when it arrives, and whether a duplicate copy
// follows; arrival is a kNetworkDeliver event, dispatched to the MessageSink registered for the
// message's category. Every message and byte is counted per category (NetworkStats).
//
//   Network net(&sched, std::move(topology), seed);
//   net.SetSink(MessageCategory::kWrite, &replica_layer);
//   Network::SendResult r = net.Send({.from = 0, .to = 4, .category = MessageCategory::kWrite,
//                                     .bytes = 300, .payload = mutation_id});
//   FaultHandle p = net.AddPartition({{0, 1}, {2, 3, 4}}, /*one_way=*/false);
//   net.Heal(p);
//
// The path of one message (all draws from the sender's own stream ("network", from), so other
// components' draws never change network outcomes):
//  1. Unreachable (a partition or cut separates the pair, or no datacenter route): dropped.
//  2. For each hop (one inside a datacenter; the DC route's edges between datacenters):
//     serialisation (if the hop has a bandwidth: the link is busy while sending, FIFO), then
//     Chance(loss), Chance(duplicate), Chance(reorder) (zero ratios draw nothing), then a latency
//     draw. Bandwidth state is per directed node pair inside a datacenter, and per DC-level
//     edge between datacenters (a shared trunk).
//  3. Lost on any hop: dropped (after occupying the bandwidth of the hops it crossed).
//  4. FIFO per directed node pair: arrival = max(computed arrival, last arrival on the pair),
//     unless a hop reordered the message, which then keeps its own arrival and leaves the FIFO
//     state alone.
//  5. Duplicated on any hop: an extra copy arrives one more latency draw (of the last hop)
//     after the original; it does not move the FIFO state.
// Faults are checked at send time only: a message already in flight when a partition starts is
// delivered. Messages to oneself are delivered at once, never lost.
//
// Reachability: faults (partitions, one-way partitions, link cuts, degradations, DC-level cuts)
// are compiled when the fault set changes into O(1) per-message state: a partition label per
// node (equal labels = same side of every symmetric partition), a bit per node per one-way
// partition, hash sets of cut and degraded node pairs (looked up only when non-empty), and DC
// routes recomputed with Dijkstra over the Boost.Graph of datacenters. No graph search runs per
// message, and nothing per node pair is materialised except the FIFO clock (8 bytes per
// directed pair; a hash map above 2,048 nodes) and, if some class has a bandwidth, its busy
// clock.
//
// Costs: Send O(hops) plus one scheduler push; delivery O(1) plus one virtual call; any fault
// change O(N log N + D * E log D).
#ifndef DSIM_SIM_NETWORK_H_
#define DSIM_SIM_NETWORK_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "sim/core/random.h"
#include "sim/core/scheduler.h"
#include "sim/net/message.h"
#include "sim/net/network_stats.h"
#include "sim/net/topology.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

// A Nanos per directed node pair, 0 until set: dense for small clusters, hashed above.
class PairClock {
 public:
  static constexpr uint32_t kDenseMaxNodes = 2048;
  explicit PairClock(uint32_t nodes);
  Nanos& At(NodeId from, NodeId to) {
    const uint64_t key = uint64_t{from} * nodes_ + to;
    if (!dense_.empty()) return dense_[key];
    return sparse_[key];
  }

 private:
  uint32_t nodes_;
  std::vector<Nanos> dense_;
  absl::flat_hash_map<uint64_t, Nanos> sparse_;
};

class Network : public EventHandler {
 public:
  using FaultHandle = uint32_t;

  struct SendResult {
    enum class Outcome { kInFlight, kLost, kUnreachable };
    Outcome outcome;
    // kInFlight: when it arrives. kLost: when it would have arrived. kUnreachable: now plus a
    // latency draw of the pair's nominal class (so a sender can model a timeout).
    Nanos arrival;
  };

  // Registers itself as the scheduler's kNetworkDeliver handler. `scheduler` must outlive it.
  Network(Scheduler* scheduler, Topology topology, uint64_t root_seed);

  // Deliveries of `category` go to `sink` (null: none may be sent). The sink must outlive
  // the run.
  void SetSink(MessageCategory category, MessageSink* sink);

  // REQUIRES: from, to < nodes; a sink is registered for the category.
  SendResult Send(const Message& message);

  // Whether a message from -> to would pass the fault state right now.
  bool Reachable(NodeId from, NodeId to) const;

  // Faults. Each returns a handle for Heal. Groups: disjoint node sets; nodes in no group form
  // one extra group. One-way partition: messages from groups[0] to any other node are dropped,
  // the other direction passes. Link cuts and degradations apply to from -> to, and to -> from
  // too unless one_way. DC-level faults apply to every DC-level edge between the two
  // datacenters (REQUIRES: the datacenters exist).
  FaultHandle AddPartition(const std::vector<std::vector<NodeId>>& groups, bool one_way);
  FaultHandle CutLink(NodeId from, NodeId to, bool one_way);
  FaultHandle DegradeLink(NodeId from, NodeId to, const LinkClassConfig& link, bool one_way);
  FaultHandle CutDcLink(uint32_t from_dc, uint32_t to_dc, bool one_way);
  FaultHandle DegradeDcLink(uint32_t from_dc, uint32_t to_dc, const LinkClassConfig& link,
                            bool one_way);
  // While active, a message of one of `categories` (other than to itself) arrives with a byte
  // flipped with probability p (Delivery::corrupted; the duplicate copy a network may make is
  // clean). Later corruptions of a category override earlier ones while both are active.
  FaultHandle CorruptMessages(Ratio p, const std::vector<MessageCategory>& categories);
  // Removes one fault; false if it is not active.
  bool Heal(FaultHandle handle);
  void HealAll();
  // Called after every change of the fault set (a fault added, healed, all healed), once the
  // reachability state above is recompiled, so Reachable() gives the new answer; empty: none.
  // For bookkeeping (the failure detector's metrics): it must not send.
  void set_fault_change_observer(std::function<void()> f) { on_fault_change_ = std::move(f); }
  size_t active_faults() const { return faults_.size(); }

  const NetworkStats& stats() const { return stats_; }
  // Scheduled deliveries not yet made (duplicate copies included).
  uint64_t in_flight() const { return in_flight_; }
  const Topology& topology() const { return topology_; }
  uint32_t nodes() const { return topology_.nodes(); }

  void OnEvent(const Event& event) override;

 private:
  enum class FaultKind { kPartition, kCutLink, kDegradeLink, kCutDcLink, kDegradeDcLink, kCorrupt };
  struct Fault {
    FaultKind kind = FaultKind::kPartition;
    bool one_way = false;
    std::vector<std::vector<NodeId>> groups = {};
    uint32_t from = 0;  // node or datacenter
    uint32_t to = 0;
    uint32_t model = 0;  // degradations
    Ratio corrupt = {};  // kCorrupt, for `categories`
    std::vector<MessageCategory> categories = {};
  };

  static uint64_t PairKey(NodeId from, NodeId to) { return uint64_t{from} << 32 | to; }
  bool BlockedByNodeFaults(NodeId from, NodeId to) const;
  // The class used inside a datacenter or for an explicitly degraded pair, or UINT32_MAX for
  // "route between datacenters".
  uint32_t SingleHopModel(NodeId from, NodeId to) const;
  // Draws one hop; returns the time the message leaves the hop.
  Nanos Hop(const LinkModel& model, Nanos* busy_until, uint32_t bytes, Nanos t, Rng& rng,
            bool* lost, bool* duplicated, bool* reordered);
  FaultHandle AddFault(Fault fault);
  void Recompute();
  void CompilePartition(const Fault& f, std::vector<uint32_t>* group_of, uint32_t* one_way_index);

  Scheduler* scheduler_;
  Topology topology_;
  uint32_t n_;
  std::vector<Rng> rngs_;  // per sending node
  std::array<MessageSink*, kMessageCategoryCount> sinks_{};
  NetworkStats stats_;
  uint64_t in_flight_ = 0;

  PairClock last_arrival_;
  std::unique_ptr<PairClock> busy_until_;  // created when a node-pair class has a bandwidth
  std::vector<Nanos> dc_edge_busy_until_;

  // Faults, by handle (so recompilation is in a fixed order), and their compiled form.
  absl::btree_map<FaultHandle, Fault> faults_;
  std::array<Ratio, kMessageCategoryCount> corrupt_{};  // per category, from the active faults
  FaultHandle next_handle_ = 1;
  bool node_faults_active_ = false;
  bool partition_labels_active_ = false;
  std::vector<uint32_t> partition_label_;  // per node
  uint32_t one_way_words_ = 0;
  std::vector<uint64_t> one_way_bits_;                      // per node, one_way_words_ words
  absl::flat_hash_map<uint64_t, uint32_t> cut_pairs_;       // pair -> number of cuts
  absl::flat_hash_map<uint64_t, uint32_t> degraded_pairs_;  // pair -> model index
  bool dc_routes_dirty_ = false;  // DC-level faults were active at the last Recompute
  std::function<void()> on_fault_change_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_NETWORK_H_
