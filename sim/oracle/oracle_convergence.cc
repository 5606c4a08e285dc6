// The oracle's convergence and replication-lag bookkeeping (oracle.h, "Convergence"): the
// reference instants, the cells they owe, who holds a version or something newer, and the
// convergence.* and replication_lag.* metrics.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "sim/oracle/oracle.h"

namespace dsim::sim {

bool Oracle::HoldsAtLeast(const CellState& s, const std::optional<CellVersion>& held,
                          const CellVersion& v) const {
  if (held) return !VersionLess(*held, v);
  // Absence stands for a tombstone: v itself, or a tombstone winner that supersedes v.
  if (v.tombstone) return true;
  return (s.flags & kExists) && (s.flags & kWinnerTomb) && !VersionLess(Winner(s), v);
}

uint16_t Oracle::HeldAtLeast(uint64_t key, uint32_t column, const CellVersion& v) {
  const CellState& s = cells_[key * columns_ + column];
  const uint16_t full = FullMask();
  if (!(s.flags & kExists)) return v.tombstone ? full : 0;
  const CellVersion w = Winner(s);
  const uint16_t absent = static_cast<uint16_t>(full & ~s.present);
  uint16_t held = 0;
  if (HoldsAtLeast(s, std::nullopt, v)) held |= absent;
  if (!VersionLess(w, v)) held |= s.mask;  // the winner's holders hold >= v
  // v above the winner: no present replica holds it. v below it: a present replica lacking the
  // winner may hold a version between the two, which only its data tells.
  if (held == full || VersionLess(w, v)) return held;
  const std::vector<std::optional<engine::Partition>> views = ReadReplicas(key);
  const std::string name = KvColumn(column);
  for (size_t pos = 0; pos < views.size(); ++pos) {
    if (!views[pos]) continue;
    auto it = views[pos]->cells().find(name);
    if (it != views[pos]->cells().end() && !VersionLess(VersionOf(it->second), v)) {
      held = static_cast<uint16_t>(held | (1u << pos));
    }
  }
  return held;
}

void Oracle::TellHeld(uint64_t index, uint16_t bit, const std::optional<CellVersion>& held,
                      Nanos now) {
  if (!tracker_.Tracks(index)) return;
  const CellState& s = cells_[index];
  tracker_.OnReread(
      index, bit, [&](const CellVersion& v) { return HoldsAtLeast(s, held, v); }, now);
}

void Oracle::NoteFault(Nanos now) {
  if (tap_ != nullptr) tap_->Fault(now);
  if (marked_) return;
  reference_ = std::max(reference_, now);
  rebase_pending_ = true;
}

void Oracle::Mark(Nanos now) {
  if (tap_ != nullptr) tap_->Mark(now);
  marked_ = true;
  reference_ = now;
  rebase_pending_ = true;
}

void Oracle::Rebase() {
  rebase_pending_ = false;
  tracker_.ClearObligations(reference_);
  for (uint64_t i = 0; i < cells_.size(); ++i) {
    const CellState& s = cells_[i];
    if (Divergent(s)) tracker_.Owe(i, Winner(s), s.mask, reference_);
  }
}

void Oracle::ExportConvergence(MetricSet* metrics) const {
  metrics->Set("convergence.divergent_cells_end", divergent_, "cells");
  metrics->Set("convergence.divergent_cells_max", divergent_max_, "cells");
  metrics->Set("convergence.tracked_cells", tracked_, "cells");
  metrics->Set("convergence.divergence_area", area_cell_ns_ / 1e9, "cell*s");
  metrics->Set("convergence.reference_time", ToSeconds(reference_), "s");
  if (tracker_.unmet() == 0) {
    metrics->Set("convergence.time", ToSeconds(tracker_.met_since() - reference_), "s");
  } else {
    metrics->SetNull("convergence.time", "s");
  }
  metrics->Set("convergence.owed_cells", tracker_.obligations(), "cells");
  metrics->Set("convergence.owed_cells_end", tracker_.unmet(), "cells");
  if (divergent_ == 0) {
    metrics->Set("convergence.quiescence_time",
                 ToSeconds(std::max<Nanos>(0, zero_since_ - reference_)), "s");
  } else {
    metrics->SetNull("convergence.quiescence_time", "s");
  }
  const LatencyHistogram& lag = tracker_.lag();
  metrics->Set("replication_lag.writes", lag.count(), "cells");
  metrics->Set("replication_lag.unreplicated", tracker_.UnreplicatedAcked(), "cells");
  for (const auto& [name, num] : {std::pair{"p50", 50}, std::pair{"p99", 99}}) {
    if (lag.count() == 0) {
      metrics->SetNull(absl::StrCat("replication_lag.", name), "s");
    } else {
      metrics->Set(absl::StrCat("replication_lag.", name), ToSeconds(lag.Percentile(num, 100)),
                   "s");
    }
  }
  if (lag.count() == 0) {
    metrics->SetNull("replication_lag.max", "s");
  } else {
    metrics->Set("replication_lag.max", ToSeconds(lag.max()), "s");
  }
}

}  // namespace dsim::sim
