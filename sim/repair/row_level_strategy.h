// RowLevelStrategy ("row_level"): ScyllaDB's row-level repair. The master (replicas[0]) and
// its followers compare hashes of sets of rows, narrow the comparison to the sets that differ,
// exchange per-row summaries there, and then move exactly the rows one side lacks or holds in
// a losing version, in both directions, the master forwarding between followers.
//
// A session over range r:
//  1. Sets. The master reads its rows of r (a snapshot) and cuts them, in ring order, into sets
//     of repair.row_set_rows rows (a set ends at a row's token, so rows sharing a token stay
//     together; the last set runs to the end of r; a master without rows has one set). It
//     sends each follower the sets' upper bounds (kRequestBytes + 8 per set) and validates its
//     own rows (repair.validation_throughput).
//  2. Set hashes. Each follower reads its rows of r, validates them, and answers with each
//     set's hash (kRequestBytes + 16 per set): engine::RowSetHash of the row digests (order
//     independent, so equal sets hash equal whatever their storage).
//  3. Row summaries. For the sets whose hash differs from the master's, the master asks the
//     follower (kRequestBytes + 16 per set) for its rows there; the follower answers with one
//     summary per row: the key, and per cell the column-name hash, timestamp, tombstone flag
//     and cell digest (kRequestBytes + key + 4 + 25 per cell, see kCellSummaryBytes).
//  4. Pull. From the summaries the master decides, column by column, which version wins and
//     where it is (its own version first, then each follower's in turn); it pulls from
//     follower f (a key stream, f -> master) every row where f holds a winning cell the master
//     lacks, a winner held by several followers from the first. A tie on timestamp and flag
//     with another digest cannot be decided without the values: every tied follower's version
//     is pulled (the master merges them).
//  5. Push. When every pull has arrived, the master reads its (now merged) versions of the rows
//     of the differing sets and pushes to each follower (a key stream, master -> f) every row
//     where f's summary lacks a column or holds a cell that loses to the master's.
// The session completes when the pushes have arrived (nothing differing: after step 2).
// Until the first stream opens, a replica going down fails the session; afterwards the
// streams handle crashes themselves (streaming.h).
//
// Round trips: set hashes; row summaries (if a set differs); the pulls (if any); the pushes
// (if any). Metrics: repair.row_level.{sets,sets_differing,rows_summarised,rows_pulled,
// rows_pushed}, repair.validations, repair.validation_bytes.
#ifndef DSIM_SIM_REPAIR_ROW_LEVEL_STRATEGY_H_
#define DSIM_SIM_REPAIR_ROW_LEVEL_STRATEGY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hash.h"
#include "engine/partition.h"
#include "sim/repair/repair_strategy.h"

namespace dsim::sim {

class RowLevelStrategy : public RepairStrategy {
 public:
  static constexpr std::string_view kName = "row_level";
  static constexpr uint32_t kRequestBytes = 64;
  // Column-name hash 8, timestamp 8, flags 1, cell digest 8.
  static constexpr uint32_t kCellSummaryBytes = 25;

  // REQUIRES: context outlives the strategy.
  explicit RowLevelStrategy(RepairContext* context);

  std::string_view name() const override { return kName; }
  void Begin(SessionRef s) override;
  void OnMessage(SessionRef s, const Delivery& delivery, uint32_t lane) override;
  void OnWorkDone(SessionRef s, NodeId node, uint32_t lane) override;
  void OnStreamDone(SessionRef s) override;
  bool FailsOnReplicaDown(SessionRef s) const override;
  void End(SessionRef s, bool ok) override;
  void ExportTo(MetricSet* metrics) const override;

  // What a follower tells the master of one cell (step 3).
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
  // Whether `a` (absent: nullptr) loses to `b` as far as summaries can tell: older, or a tie
  // on timestamp and flag with another digest (the value would decide).
  static bool MayLose(const CellSummary* a, const CellSummary& b);

 private:
  enum Message : uint32_t { kSetsRequest = 0, kSetHashes = 1, kRowsRequest = 2, kRows = 3 };
  struct Follower {
    std::vector<engine::Digest128> set_hashes;
    std::vector<RowSummary> rows;  // of the differing sets, in ring order
    bool hashes_in = false;
    bool rows_in = false;
  };
  struct State {
    std::vector<engine::Partition> master_rows;  // the snapshot of step 1
    std::vector<uint64_t> set_ends;              // inclusive offsets within the range
    std::vector<engine::Digest128> master_hashes;
    bool master_validated = false;
    std::vector<Follower> followers;  // by replica position (0 unused)
    std::vector<uint32_t> differing;  // set indexes
    uint32_t awaiting = 0;            // replies of the current step
    bool streaming = false;
    bool pushing = false;
    uint32_t streams_pending = 0;
  };

  static uint32_t Lane(Message m, uint32_t pos) { return m * 15 + (pos - 1); }
  uint32_t SetOf(const State& st, uint64_t offset) const;
  std::vector<engine::Digest128> SetHashes(const engine::TokenRange& range, const State& st,
                                           const std::vector<engine::Partition>& rows) const;
  bool InDiffering(const State& st, const engine::TokenRange& range,
                   const engine::Partition& p) const;
  void OnSetsRequest(SessionRef s, NodeId follower, uint32_t pos);
  void OnSetHashes(SessionRef s);
  void CompareSets(SessionRef s);
  void OnRowsRequest(SessionRef s, NodeId follower, uint32_t pos);
  void Pull(SessionRef s);
  void Push(SessionRef s);
  // Streams of the pull (request: the master sends sync requests) or of the push.
  void Start(SessionRef s, std::vector<StreamRef> streams, bool request);

  RepairContext* context_;
  SessionTable<State> states_;

  uint64_t validations_ = 0;
  uint64_t validation_bytes_ = 0;
  uint64_t sets_ = 0;
  uint64_t sets_differing_ = 0;
  uint64_t rows_summarised_ = 0;
  uint64_t rows_pulled_ = 0;
  uint64_t rows_pushed_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_ROW_LEVEL_STRATEGY_H_
