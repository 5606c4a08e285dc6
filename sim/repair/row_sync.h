// RowSyncStrategy: the half that row-level repair and the set-reconciliation strategies share.
// Each finds, in its own way, which rows of the session's range may differ between the master
// (replicas[0]) and its followers (the narrowing: row-set hashes, coded symbols, range
// fingerprints); then this core moves exactly the rows that some replica lacks or holds in a
// losing version, in both directions, the master forwarding between followers:
//
//  A. Row summaries. The master asks every follower for its rows inside the narrowing's filter
//     (a RowFilter: token ranges and/or keys; kRequestBytes + 16 per range + 8 per key); each
//     answers with one summary per row: the key, and per cell the column-name hash, timestamp,
//     tombstone flag and cell digest (kRequestBytes + per row key + 4 + kCellSummaryBytes per
//     cell). The master reads its own rows inside the filter at step B.
//  B. Pull. Column by column, the master decides from the summaries which version wins and
//     where it is (its own version first, then each follower's in turn), and pulls from each
//     follower (a key stream, follower -> master) every row where that follower holds a winning
//     cell the master lacks; a winner held by several followers comes from the first. A tie on
//     timestamp and flag with another digest cannot be decided without the values: every tied
//     follower's version is pulled (the master merges them).
//  C. Push. When every pull has arrived, the master reads its (merged) rows inside the filter
//     and pushes to each follower (a key stream, master -> follower) every row where the
//     follower's summary lacks a column or holds a cell that may lose to the master's.
// The session completes when the pushes have arrived, or at once when the filter is empty.
// Until the first stream opens a replica going down fails the session; afterwards the streams
// handle crashes themselves (streaming.h). Because every follower summarises the union of
// what differs with any of them, a row only one follower holds reaches every other replica.
//
// A subclass implements the narrowing (BeginNarrowing, OnNarrowingMessage, OnNarrowingWork,
// EndNarrowing), sends its messages with NarrowingLane types 0 and 1, counts its own round
// trips, and calls Narrowed(s, filter) once, on the master, when it knows the filter. Steps A,
// B and C count one round trip each (B and C only when they move something).
//
// Metrics (with the subclass's): repair.rows.{summarised,pulled,pushed}.
#ifndef DSIM_SIM_REPAIR_ROW_SYNC_H_
#define DSIM_SIM_REPAIR_ROW_SYNC_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/partition.h"
#include "engine/token.h"
#include "sim/repair/repair_strategy.h"

namespace dsim::sim {

// The rows that may differ: those whose token lies in one of `ranges`, or whose key is in
// `keys`.
struct RowFilter {
  std::vector<engine::TokenRange> ranges;
  std::set<std::string> keys;

  bool empty() const { return ranges.empty() && keys.empty(); }
  bool Contains(const engine::Partition& p) const;
  // What naming the filter costs in a request.
  uint64_t RequestBytes() const { return 16 * ranges.size() + 8 * keys.size(); }
};

class RowSyncStrategy : public RepairStrategy {
 public:
  static constexpr uint32_t kRequestBytes = 64;
  // Column-name hash 8, timestamp 8, flags 1, cell digest 8.
  static constexpr uint32_t kCellSummaryBytes = 25;

  // What a follower tells the master of one cell (step A).
  struct CellSummary {
    uint64_t column_hash = 0;
    int64_t timestamp_us = 0;
    bool tombstone = false;
    uint64_t digest = 0;
  };
  struct RowSummary {
    std::string key;
    std::vector<CellSummary> cells;  // in column order
  };
  static CellSummary Summarise(std::string_view column, const engine::Cell& cell);
  // Whether `a` (absent: nullptr) may lose to `b` as far as summaries tell: older, or a tie on
  // timestamp and flag with another digest (the value would decide).
  static bool MayLose(const CellSummary* a, const CellSummary& b);

  // REQUIRES: context outlives the strategy.
  explicit RowSyncStrategy(RepairContext* context);

  void Begin(SessionRef s) final;
  void OnMessage(SessionRef s, const Delivery& delivery, uint32_t lane) final;
  void OnWorkDone(SessionRef s, NodeId node, uint32_t lane) final;
  void OnStreamDone(SessionRef s) final;
  bool FailsOnReplicaDown(SessionRef s) const final;
  void End(SessionRef s, bool ok) final;
  void ExportTo(MetricSet* metrics) const override;

 protected:
  // The narrowing's lanes: type 0 or 1, to or from the follower at replica position pos >= 1.
  static uint32_t NarrowingLane(uint32_t type, uint32_t pos) { return Lane(type, pos); }

  // Hooks (see the header comment); `pos` is the follower's replica position.
  virtual void BeginNarrowing(SessionRef s) = 0;
  virtual void OnNarrowingMessage(SessionRef s, const Delivery& d, uint32_t type, uint32_t pos) = 0;
  virtual void OnNarrowingWork(SessionRef s, NodeId node, uint32_t pos) = 0;
  virtual void EndNarrowing(SessionRef s) = 0;
  // The narrowing is over: step A begins (empty filter: the session completes).
  void Narrowed(SessionRef s, RowFilter filter);

  RepairContext* context() const { return context_; }
  uint32_t followers(SessionRef s) const { return states_[s].followers; }

  // A replica's rows in the session's range, and what reading them costs (ByteSize summed).
  std::vector<engine::Partition> ReadRows(SessionRef s, NodeId node, uint64_t* bytes) const;
  // Charges `node` a validation of `bytes` (counted in repair.validation*), lane `pos`.
  void Validate(SessionRef s, NodeId node, uint64_t bytes, uint32_t pos);

 private:
  enum Core : uint32_t { kRowsRequest = 2, kRows = 3 };
  struct State {
    uint32_t followers = 0;  // replicas - 1
    RowFilter filter;
    std::vector<std::vector<RowSummary>> rows;  // by replica position (0 unused)
    uint32_t awaiting = 0;
    bool streaming = false;
    bool pushing = false;
    uint32_t streams_pending = 0;
  };

  static uint32_t Lane(uint32_t type, uint32_t pos) { return type * 15 + (pos - 1); }
  void OnRowsRequest(SessionRef s, NodeId follower, uint32_t pos);
  void Pull(SessionRef s);
  void Push(SessionRef s);
  // Opens the pull's streams (request: the master sends sync requests) or the push's.
  void Start(SessionRef s, std::vector<StreamRef> streams, bool request);

  RepairContext* context_;
  SessionTable<State> states_;

  uint64_t validations_ = 0;
  uint64_t validation_bytes_ = 0;
  uint64_t rows_summarised_ = 0;
  uint64_t rows_pulled_ = 0;
  uint64_t rows_pushed_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_ROW_SYNC_H_
