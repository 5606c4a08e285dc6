// RangeSyncStrategy ("range_sync"): repair by range-based set reconciliation (Negentropy style,
// engine/range_reconcile.h). The master (replicas[0]) and each follower compare fingerprints
// of ranges of their rows, recursively splitting the ranges that differ, until they know
// exactly which rows differ; then (row_sync.h) they exchange per-row summaries of those rows
// and move exactly the rows one side lacks or holds in a losing version, in both directions,
// the master forwarding between followers.
//
// The narrowing, with every follower in parallel:
//  1. Items. Each replica reads its rows of the range (a snapshot) and validates them
//     (repair.validation_throughput). A row is the item {key: its offset within the session's
//     range (TokenRange::Offset), so that the item order is the ring order even in a wrapping
//     range; id: its row digest (Partition::Digest, which covers the key)}. At once the master
//     sends each follower a start request (kRequestBytes, no reply), so that both validations
//     run at the same time.
//  2. Exchange. When its validation is done the master starts one initiator RangeReconciler
//     per follower and sends its first message (kRequestBytes + the message's serialized
//     bytes); the follower, once it has validated and the message has arrived, answers from
//     its responder (the same framing), and so on until the initiator has nothing more to
//     send. Only message sizes cross the network; the messages themselves wait in the
//     session's state, one in flight per follower and direction.
//  3. The filter. A key differs with a follower when the master holds a row the follower lacks
//     (the initiator's have(), through the master's digest -> key map) or the follower holds
//     one the master lacks (need(), resolved by the follower's responder, through its own map).
//     The filter's keys are the union over the followers (none: the session completes).
// Round trips: each exchange (an initiator message and its answer) is one; the followers run
// in parallel, so the narrowing counts the most exchanges any follower needed, added when the
// last follower is done (the start request overlaps the first exchange and counts nothing).
// Equal replicas: one round trip. Options: the engine's defaults (B = 16 ranges per split,
// IdLists from T = 32 rows), so a range of n rows takes about ceil((ceil(log_B(n / T)) + 1) / 2)
// round trips whatever the number of differences.
//
// Metrics, over the completed follower exchanges: repair.range_sync.{rounds (summed),
// rounds_max (most in one exchange), bytes (serialized messages, both directions, without
// the framing), differences (have + need), fingerprints (computed, both sides)}, plus
// row_sync's.
#ifndef DSIM_SIM_REPAIR_RANGE_SYNC_STRATEGY_H_
#define DSIM_SIM_REPAIR_RANGE_SYNC_STRATEGY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/hash.h"
#include "engine/partition.h"
#include "engine/range_reconcile.h"
#include "sim/repair/row_sync.h"

namespace dsim::sim {

class RangeSyncStrategy : public RowSyncStrategy {
 public:
  static constexpr std::string_view kName = "range_sync";

  // REQUIRES: context outlives the strategy.
  explicit RangeSyncStrategy(RepairContext* context) : RowSyncStrategy(context) {}

  std::string_view name() const override { return kName; }
  void ExportTo(MetricSet* metrics) const override;

 private:
  enum Message : uint32_t { kToFollower = 0, kToMaster = 1 };
  // A replica's rows as items, and its digest -> key map (sorted by digest).
  struct Rows {
    std::vector<engine::RangeItem> items;
    std::vector<std::pair<engine::Digest128, std::string>> keys;
  };
  // The exchange with one follower.
  struct Peer {
    std::optional<engine::RangeReconciler> initiator;             // the master's side
    std::optional<engine::RangeReconciler> responder;             // the follower's side
    std::vector<std::pair<engine::Digest128, std::string>> keys;  // the follower's map
    engine::RangeMessage to_follower;                             // the message in flight, each way
    engine::RangeMessage to_master;
    uint32_t arrivals = 0;  // messages arrived at the follower (the start request included)
    bool validated = false;
    bool done = false;
  };
  struct State {
    Rows master;
    std::vector<Peer> peers;  // by replica position (0 unused)
    uint32_t awaiting = 0;    // followers not done
  };

  void BeginNarrowing(SessionRef s) override;
  void OnNarrowingMessage(SessionRef s, const Delivery& d, uint32_t type, uint32_t pos) override;
  void OnNarrowingWork(SessionRef s, NodeId node, uint32_t pos) override;
  void EndNarrowing(SessionRef s) override { states_.Close(s); }

  // A replica's rows of the session's range as items; *bytes: what reading them costs.
  Rows ReadItems(SessionRef s, NodeId node, uint64_t* bytes) const;
  // The master's validation is done: it opens every follower's exchange.
  void Initiate(SessionRef s);
  // Sends the message in flight of follower `pos` (to it, or from it); false: the session is
  // gone.
  bool Send(SessionRef s, uint32_t pos, bool to_follower);
  void Respond(SessionRef s, uint32_t pos);
  void Reconcile(SessionRef s, uint32_t pos);
  // Every exchange is done: the filter is the union of the differing keys.
  void Conclude(SessionRef s);

  SessionTable<State> states_;
  uint64_t rounds_ = 0;
  uint64_t rounds_max_ = 0;
  uint64_t bytes_ = 0;
  uint64_t differences_ = 0;
  uint64_t fingerprints_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_RANGE_SYNC_STRATEGY_H_
