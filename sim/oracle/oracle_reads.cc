// The oracle's stale-read check (oracle.h, AckedVersions and OnReadMet): what a read returned
// against what had been acknowledged to clients before it began, and the reads.* metrics.
#include <optional>
#include <vector>

#include "engine/check.h"
#include "sim/kv/kv_data.h"
#include "sim/oracle/oracle.h"

namespace dsim::sim {

void Oracle::AckedVersions(uint64_t key, std::vector<std::optional<CellVersion>>* acked) const {
  acked->assign(columns_, std::nullopt);
  if (key >= keys_) return;
  for (uint32_t c = 0; c < columns_; ++c) {
    const CellState& s = cells_[key * columns_ + c];
    if (s.flags & kAcked) {
      (*acked)[c] = CellVersion{s.acked_ts, (s.flags & kAckedTomb) != 0, s.acked_tag};
    }
  }
}

void Oracle::OnReadMet(uint64_t key, const std::vector<std::optional<CellVersion>>& acked_at_issue,
                       const std::optional<engine::Partition>& result) {
  if (key >= keys_) return;
  DSIM_CHECK(acked_at_issue.size() == columns_);
  ++reads_checked_;
  uint64_t stale_cells = 0;
  for (uint32_t c = 0; c < columns_; ++c) {
    if (!acked_at_issue[c]) continue;
    const CellVersion& acked = *acked_at_issue[c];
    std::optional<CellVersion> got;
    if (result) {
      const auto it = result->cells().find(KvColumn(c));
      if (it != result->cells().end()) got = VersionOf(it->second);
    }
    bool stale;
    if (got) {
      stale = VersionLess(*got, acked);
    } else {
      // Absence reads as a deletion: fine against an acknowledged tombstone, or against a live
      // version that a tombstone winner supersedes (the deletion was purged since).
      const CellState& s = cells_[key * columns_ + c];
      const bool tomb_winner_covers =
          (s.flags & kExists) && (s.flags & kWinnerTomb) && !VersionLess(Winner(s), acked);
      stale = !acked.tombstone && !tomb_winner_covers;
    }
    if (stale) ++stale_cells;
  }
  if (stale_cells > 0) ++stale_reads_;
  stale_read_cells_ += stale_cells;
}

}  // namespace dsim::sim
