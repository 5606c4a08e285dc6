// RibltStrategy ("riblt"): repair by rateless set reconciliation. The master (replicas[0])
// learns exactly which rows differ from each follower's by decoding a stream of coded symbols
// (a Rateless IBLT, engine/riblt.h) that the follower computes over its rows, then
// (row_sync.h) exchanges per-row summaries of those rows only and moves exactly the rows one
// side lacks or holds in a losing version, in both directions, the master forwarding between
// followers.
//
// The narrowing, with every follower in parallel:
//  1. The master reads its rows of the range (a snapshot), validates them
//     (repair.validation_throughput) and sends each follower a request (kRequestBytes). Its
//     set holds one item per row: RibltItem::Of(the row's token, its Digest()).
//  2. The follower reads its rows, validates them, and answers with the first batch of coded
//     symbols of its set (kRequestBytes + 40 per symbol).
//  3. The master (once its own validation is done) feeds the batch, symbol by symbol, to its
//     decoder for that follower (its own items added locally). Decoded: that follower is done.
//     Otherwise it asks for more (kRequestBytes) and the follower answers with the next batch.
//     Batches double: kFirstBatch symbols, then 2x, 4x, ... (no estimate of the difference is
//     exchanged first). A follower whose decoding needs m symbols sends k = ceil(log2(m /
//     kFirstBatch + 1)) batches, fewer than 2 m + kFirstBatch symbols; m is about 1.35 d for d
//     differing items. A constant first batch keeps equal replicas at one exchange of 1.3 KB.
//  4. Safety cap: a follower whose symbols reach 2 (master rows + follower rows) + 64 without
//     decoding (batches are cut to the cap) counts a decode failure, and every row of both
//     sides is taken as differing.
// The filter is the keys of the decoded items (the master's own, and the follower's rows it
// names by token: a token shared by several keys names them all) over all followers; none:
// the session completes after one round trip.
//
// Round trips: one per request/batch exchange on the critical path, i.e. the most exchanges
// any one follower needed (exchanges with different followers run in parallel); then
// row_sync's.
//
// Metrics (with row_sync's): repair.riblt.symbols (coded symbols sent), .symbols_needed
// (symbols the decoders consumed until decoded), .differences (items decoded: rows only one
// side holds, or holds in another version, count once per side), .symbols_per_difference
// (needed / differences; null without differences), .decode_failures.
#ifndef DSIM_SIM_REPAIR_RIBLT_STRATEGY_H_
#define DSIM_SIM_REPAIR_RIBLT_STRATEGY_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/partition.h"
#include "engine/riblt.h"
#include "sim/repair/row_sync.h"

namespace dsim::sim {

class RibltStrategy : public RowSyncStrategy {
 public:
  static constexpr std::string_view kName = "riblt";
  // Coded symbols in a follower's first batch; each later batch doubles.
  static constexpr uint64_t kFirstBatch = 32;

  // REQUIRES: context outlives the strategy.
  explicit RibltStrategy(RepairContext* context) : RowSyncStrategy(context) {}

  std::string_view name() const override { return kName; }
  void ExportTo(MetricSet* metrics) const override;

 private:
  enum Message : uint32_t { kRequest = 0, kSymbols = 1 };
  // Item key (a token) -> the partition keys with that token, in key order.
  using KeyMap = std::map<uint64_t, std::vector<std::string>>;
  struct Follower {
    bool requested = false;  // the first request arrived: the encoder holds the follower's set
    KeyMap keys;             // the follower's
    uint64_t rows = 0;
    uint64_t cap = 0;  // symbols before a decode failure
    engine::RibltEncoder encoder;
    uint64_t batches = 0;
    std::vector<engine::RibltSymbol> in_flight;  // the batch on its way to the master
    bool arrived = false;                        // the batch waits for the master's validation
    bool decoder_built = false;
    engine::RibltDecoder decoder;  // the master's, for this follower
    uint32_t exchanges = 0;
    bool done = false;
  };
  struct State {
    KeyMap master_keys;
    std::vector<engine::RibltItem> master_items;
    bool master_validated = false;
    std::vector<Follower> followers;  // by replica position (0 unused)
    uint32_t decoding = 0;            // followers not done
    uint32_t rounds = 0;              // round trips counted
    RowFilter filter;                 // the keys found so far
  };

  void BeginNarrowing(SessionRef s) override;
  void OnNarrowingMessage(SessionRef s, const Delivery& d, uint32_t type, uint32_t pos) override;
  void OnNarrowingWork(SessionRef s, NodeId node, uint32_t pos) override;
  void EndNarrowing(SessionRef s) override { states_.Close(s); }

  // A replica's rows as items, with their keys.
  static std::vector<engine::RibltItem> Items(const std::vector<engine::Partition>& rows,
                                              KeyMap* keys);
  void OnFirstRequest(SessionRef s, NodeId follower, uint32_t pos);
  // The follower at pos sends its next batch.
  void SendBatch(SessionRef s, uint32_t pos);
  // The master decodes pos's batch. Returns false when the session may be gone.
  bool Consume(SessionRef s, uint32_t pos);
  // Follower pos is done: its differing keys join the filter (all of them: failed).
  void Collect(State* st, uint32_t pos, bool failed);

  SessionTable<State> states_;
  uint64_t symbols_ = 0;
  uint64_t symbols_needed_ = 0;
  uint64_t differences_ = 0;
  uint64_t decode_failures_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_RIBLT_STRATEGY_H_
