// RowLevelStrategy ("row_level"): ScyllaDB's row-level repair. The master (replicas[0]) and its
// followers compare hashes of sets of rows, narrow the comparison to the sets that differ, and
// then (row_sync.h) exchange per-row summaries there and move exactly the rows one side lacks
// or holds in a losing version, in both directions, the master forwarding between followers.
//
// The narrowing:
//  1. Sets. The master reads its rows of the range (a snapshot) and cuts them, in ring order,
//     into sets of repair.row_set_rows rows (a set ends at a row's token, so rows sharing a
//     token stay together; the last set runs to the end of the range; a master without rows
//     has one set). It sends each follower the sets' upper bounds (kRequestBytes + 8 per set)
//     and validates its own rows (repair.validation_throughput).
//  2. Set hashes. Each follower reads its rows of the range, validates them, and answers with
//     each set's hash (kRequestBytes + 16 per set): engine::RowSetHash of the row digests
//     (order independent, so equal sets hash equal whatever their storage).
// The filter is the sets whose hash differs from the master's at any follower (adjacent sets
// joined into one token range); none: the session completes after one round trip.
//
// Metrics: repair.row_level.{sets,sets_differing}, plus row_sync's.
#ifndef DSIM_SIM_REPAIR_ROW_LEVEL_STRATEGY_H_
#define DSIM_SIM_REPAIR_ROW_LEVEL_STRATEGY_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/hash.h"
#include "engine/partition.h"
#include "sim/repair/row_sync.h"

namespace dsim::sim {

class RowLevelStrategy : public RowSyncStrategy {
 public:
  static constexpr std::string_view kName = "row_level";

  // REQUIRES: context outlives the strategy.
  explicit RowLevelStrategy(RepairContext* context) : RowSyncStrategy(context) {}

  std::string_view name() const override { return kName; }
  void ExportTo(MetricSet* metrics) const override;

 private:
  enum Message : uint32_t { kSetsRequest = 0, kSetHashes = 1 };
  struct State {
    std::vector<uint64_t> set_ends;  // inclusive offsets within the range
    std::vector<engine::Digest128> master_hashes;
    std::vector<std::vector<engine::Digest128>> hashes;  // by replica position (0 unused)
    bool master_validated = false;
    uint32_t awaiting = 0;
  };

  void BeginNarrowing(SessionRef s) override;
  void OnNarrowingMessage(SessionRef s, const Delivery& d, uint32_t type, uint32_t pos) override;
  void OnNarrowingWork(SessionRef s, NodeId node, uint32_t pos) override;
  void EndNarrowing(SessionRef s) override { states_.Close(s); }

  uint32_t SetOf(const State& st, uint64_t offset) const;
  std::vector<engine::Digest128> SetHashes(const engine::TokenRange& range, const State& st,
                                           const std::vector<engine::Partition>& rows) const;
  void CompareSets(SessionRef s);

  SessionTable<State> states_;
  uint64_t sets_ = 0;
  uint64_t sets_differing_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_ROW_LEVEL_STRATEGY_H_
