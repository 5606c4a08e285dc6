#include "sim/oracle/oracle.h"

#include <algorithm>
#include <bit>
#include <optional>
#include <string>
#include <vector>

#include "engine/check.h"
#include "engine/token.h"

namespace dsim::sim {

namespace {

uint16_t FullMaskOf(const Ring* ring) {
  DSIM_CHECK(ring != nullptr && ring->replicas_per_segment() <= 16);
  return static_cast<uint16_t>((1u << ring->replicas_per_segment()) - 1);
}

}  // namespace

Oracle::Oracle(uint64_t keys, uint32_t columns, const Ring* ring)
    : keys_(keys), columns_(columns), ring_(ring), tracker_(FullMaskOf(ring)) {
  DSIM_CHECK(columns_ > 0);
  key_segment_.resize(keys_);
  for (uint64_t k = 0; k < keys_; ++k) {
    key_segment_[k] = ring_->SegmentOf(engine::Token(KvKey(k)));
  }
  cells_.resize(keys_ * columns_);
  lagging_.assign(ring_->nodes(), 0);
  lagging_max_.assign(ring_->nodes(), 0);
}

void Oracle::UpdateLagging(const CellState* s, uint16_t before, uint16_t after) {
  if (before == after) return;
  const uint64_t key = static_cast<uint64_t>(s - cells_.data()) / columns_;
  const absl::Span<const NodeId> replicas = ring_->Replicas(key_segment_[key]);
  for (uint16_t changed = before ^ after; changed != 0; changed &= changed - 1) {
    const int pos = std::countr_zero(changed);
    const NodeId node = replicas[pos];
    if (after & (1u << pos)) {
      lagging_max_[node] = std::max(lagging_max_[node], ++lagging_[node]);
    } else {
      DSIM_CHECK(lagging_[node] > 0);
      --lagging_[node];
    }
  }
}

std::vector<uint64_t> Oracle::RecountLagging() const {
  std::vector<uint64_t> out(ring_->nodes(), 0);
  for (uint64_t key = 0; key < keys_; ++key) {
    const absl::Span<const NodeId> replicas = ring_->Replicas(key_segment_[key]);
    for (uint32_t c = 0; c < columns_; ++c) {
      const uint16_t bits = LaggingBits(cells_[key * columns_ + c]);
      for (size_t pos = 0; pos < replicas.size(); ++pos) out[replicas[pos]] += (bits >> pos) & 1u;
    }
  }
  return out;
}

void Oracle::Advance(Nanos now) {
  DSIM_CHECK(now >= last_change_);
  area_cell_ns_ += static_cast<double>(divergent_) * static_cast<double>(now - last_change_);
  last_change_ = now;
}

void Oracle::SetMask(CellState* s, uint16_t mask, Nanos now) {
  const bool was = Divergent(*s);
  const uint16_t before = LaggingBits(*s);
  s->mask = mask;
  UpdateLagging(s, before, LaggingBits(*s));
  const bool is = Divergent(*s);
  if (was == is) return;
  Advance(now);
  if (is) {
    ++divergent_;
    divergent_max_ = std::max(divergent_max_, divergent_);
    span_max_ = std::max(span_max_, divergent_);
  } else {
    DSIM_CHECK(divergent_ > 0);
    if (--divergent_ == 0) zero_since_ = now;
  }
}

int Oracle::PositionOf(NodeId node, uint64_t key) const {
  const int pos = ring_->Position(key_segment_[key], node);
  DSIM_CHECK_MSG(pos >= 0, "a node that is not a replica of the key holds data for it");
  return pos;
}

void Oracle::OnWriteIssued(uint64_t key, uint32_t column, const CellVersion& v, Nanos now) {
  if (tap_ != nullptr) tap_->Issued(key, column, v, now);
  DSIM_CHECK(key < keys_ && column < columns_);
  CellState& s = cells_[key * columns_ + column];
  ++writes_issued_;
  if ((s.flags & kIssued) && v.timestamp_us < s.issued_max_ts) {
    shadowed_unacked_.insert({key * columns_ + column, v.timestamp_us, v.tag, v.tombstone});
  }
  if (!(s.flags & kIssued) || v.timestamp_us > s.issued_max_ts) s.issued_max_ts = v.timestamp_us;
  s.flags |= kIssued;
  tracker_.AddWrite(key * columns_ + column, v, HeldAtLeast(key, column, v), now);
}

void Oracle::OnWriteAcked(uint64_t key, uint32_t column, const CellVersion& v) {
  if (tap_ != nullptr) tap_->Acked(key, column, v);
  DSIM_CHECK(key < keys_ && column < columns_);
  CellState& s = cells_[key * columns_ + column];
  tracker_.AckWrite(key * columns_ + column, v);
  // A write shadowed at its issue is a lost update once it is acknowledged.
  lost_updates_ +=
      shadowed_unacked_.erase({key * columns_ + column, v.timestamp_us, v.tag, v.tombstone});
  const CellVersion acked{s.acked_ts, (s.flags & kAckedTomb) != 0, s.acked_tag};
  if (!(s.flags & kAcked) || VersionLess(acked, v)) {
    if (!(s.flags & kAcked)) ++acked_cells_;
    s.acked_ts = v.timestamp_us;
    s.acked_tag = v.tag;
    s.flags =
        static_cast<uint8_t>((s.flags & ~kAckedTomb) | kAcked | (v.tombstone ? kAckedTomb : 0));
  }
}

void Oracle::OnApplied(NodeId node, const engine::Partition& incoming, Nanos now) {
  if (tap_ != nullptr) tap_->Applied(node, incoming, now);
  MaybeRebase(now);
  const std::optional<uint64_t> key = ParseKvKey(incoming.key());
  if (!key || *key >= keys_) {
    untracked_cells_ += incoming.cell_count();
    return;
  }
  const uint16_t bit = static_cast<uint16_t>(1u << PositionOf(node, *key));
  for (const auto& [name, cell] : incoming.cells()) {
    const std::optional<uint32_t> column = ParseKvColumn(name);
    if (!column || *column >= columns_) {
      ++untracked_cells_;
      continue;
    }
    const uint64_t index = *key * columns_ + *column;
    const CellVersion v = VersionOf(cell);
    const bool was_absent = !(cells_[index].present & bit);
    const uint16_t also = ApplyToRecord(&cells_[index], bit, v, now);
    if (!tracker_.Tracks(index)) continue;
    const ReplicationTracker::FirstApplication first =
        tracker_.OnMerged(index, bit, v, was_absent, also, now);
    // A write issued by R that first lands after it: the cell owes it too.
    if (first.first && !rebase_pending_ && first.issued <= reference_) {
      tracker_.Owe(index, v, first.held, now);
    }
  }
}

uint16_t Oracle::ApplyToRecord(CellState* sp, uint16_t bit, const CellVersion& v, Nanos now) {
  CellState& s = *sp;
  const uint16_t full = FullMask();
  if (!(s.flags & kExists)) {
    // The first version anywhere: it is the winner; replicas without a cell hold it only if
    // it is a tombstone.
    s.winner_ts = v.timestamp_us;
    s.winner_tag = v.tag;
    if (v.tombstone) s.flags |= kWinnerTomb;
    s.present = bit;
    s.mask = v.tombstone ? full : bit;
    s.flags |= kExists;
    UpdateLagging(&s, 0, LaggingBits(s));
    ++tracked_;
    if (Divergent(s)) {
      Advance(now);
      ++divergent_;
      divergent_max_ = std::max(divergent_max_, divergent_);
      span_max_ = std::max(span_max_, divergent_);
    }
    return v.tombstone ? static_cast<uint16_t>(full & ~bit) : uint16_t{0};
  }
  const CellVersion w = Winner(s);
  const uint16_t absent = static_cast<uint16_t>(full & ~s.present);
  s.present = static_cast<uint16_t>(s.present | bit);
  if (VersionLess(w, v)) {
    s.winner_ts = v.timestamp_us;
    s.winner_tag = v.tag;
    s.flags = static_cast<uint8_t>((s.flags & ~(kWinnerTomb | kTombPurged)) |
                                   (v.tombstone ? kWinnerTomb : 0));
    // This replica holds the new winner; so does every replica with no cell when it is a
    // tombstone.
    const uint16_t also = v.tombstone ? static_cast<uint16_t>(absent & ~bit) : uint16_t{0};
    SetMask(&s, static_cast<uint16_t>(bit | also), now);
    return also;
  }
  if (v == w) {
    SetMask(&s, static_cast<uint16_t>(s.mask | bit), now);
  } else if (w.tombstone && (absent & bit)) {
    // The replica held the winning tombstone by absence; now it holds an older version.
    SetMask(&s, static_cast<uint16_t>(s.mask & ~bit), now);
  }
  // Otherwise the merge on the replica kept what it had relative to the winner.
  return 0;
}

bool Oracle::RecomputeReplica(NodeId node, uint64_t key, const engine::Partition* current,
                              bool destroyed, Nanos now) {
  if (key >= keys_) return false;
  ++recomputes_;
  bool lost = false;
  const uint16_t bit = static_cast<uint16_t>(1u << PositionOf(node, key));
  for (uint32_t c = 0; c < columns_; ++c) {
    CellState& s = cells_[key * columns_ + c];
    if (!(s.flags & kExists)) continue;
    const CellVersion w = Winner(s);
    const bool tomb_held = w.tombstone && TombHeld(s);
    bool holds = w.tombstone;  // absent cell
    std::optional<CellVersion> held;
    if (current != nullptr) {
      auto it = current->cells().find(KvColumn(c));
      if (it != current->cells().end()) {
        held = VersionOf(it->second);
        holds = *held == w;
      }
    }
    s.present =
        held ? static_cast<uint16_t>(s.present | bit) : static_cast<uint16_t>(s.present & ~bit);
    SetMask(&s, holds ? static_cast<uint16_t>(s.mask | bit) : static_cast<uint16_t>(s.mask & ~bit),
            now);
    TellHeld(key * columns_ + c, bit, held, now);
    if (destroyed && tomb_held && !TombHeld(s) && !(s.flags & kTombPurged)) s.flags |= kTombLost;
    lost |= WinnerLost(s);
  }
  return lost;
}

void Oracle::RederiveWinners(uint64_t key,
                             const std::vector<std::optional<engine::Partition>>& views,
                             Nanos now) {
  DSIM_CHECK(key < keys_ && views.size() == ring_->replicas_per_segment());
  const uint16_t full = FullMask();
  for (uint32_t c = 0; c < columns_; ++c) {
    CellState& s = cells_[key * columns_ + c];
    if (!(s.flags & kExists) || !WinnerLost(s)) continue;
    s.flags = static_cast<uint8_t>(s.flags & ~kTombLost);
    ++winners_lost_;
    const std::string column = KvColumn(c);
    std::vector<std::optional<CellVersion>> held(views.size());
    std::optional<CellVersion> best;
    uint16_t present = 0;
    for (size_t pos = 0; pos < views.size(); ++pos) {
      if (!views[pos]) continue;
      auto it = views[pos]->cells().find(column);
      if (it == views[pos]->cells().end()) continue;
      held[pos] = VersionOf(it->second);
      present = static_cast<uint16_t>(present | (1u << pos));
      if (!best || VersionLess(*best, *held[pos])) best = held[pos];
    }
    if (!best) {
      // Nothing survives anywhere: the cell is no longer tracked (it was divergent: mask 0;
      // a lost tombstone winner every replica holds by absence was not).
      Advance(now);
      if (Divergent(s)) {
        DSIM_CHECK(divergent_ > 0);
        if (--divergent_ == 0) zero_since_ = now;
      }
      --tracked_;
      UpdateLagging(&s, LaggingBits(s), 0);
      s.flags = static_cast<uint8_t>(s.flags & ~(kExists | kWinnerTomb | kTombPurged));
      s.mask = 0;
      s.present = 0;
      for (size_t pos = 0; pos < views.size(); ++pos) {
        TellHeld(key * columns_ + c, static_cast<uint16_t>(1u << pos), std::nullopt, now);
      }
      continue;
    }
    s.winner_ts = best->timestamp_us;
    s.winner_tag = best->tag;
    s.flags = static_cast<uint8_t>((s.flags & ~(kWinnerTomb | kTombPurged)) |
                                   (best->tombstone ? kWinnerTomb : 0));
    s.present = present;
    uint16_t mask = 0;
    for (size_t pos = 0; pos < views.size(); ++pos) {
      const bool holds = held[pos] ? *held[pos] == *best : best->tombstone;
      if (holds) mask = static_cast<uint16_t>(mask | (1u << pos));
    }
    DSIM_CHECK((mask & full) != 0);
    SetMask(&s, mask, now);
    // Absence may stand for something else now that the winner changed.
    for (size_t pos = 0; pos < views.size(); ++pos) {
      TellHeld(key * columns_ + c, static_cast<uint16_t>(1u << pos), held[pos], now);
    }
  }
}

void Oracle::OnReplicaWiped(NodeId node, Nanos now) {
  if (tap_ != nullptr) tap_->Wiped(node, now);
  MaybeRebase(now);
  std::vector<uint64_t> lost;
  for (uint64_t key = 0; key < keys_; ++key) {
    const int pos = ring_->Position(key_segment_[key], node);
    if (pos < 0) continue;
    const uint16_t bit = static_cast<uint16_t>(1u << pos);
    for (uint32_t c = 0; c < columns_; ++c) {
      CellState& s = cells_[key * columns_ + c];
      if (!(s.flags & kExists)) continue;
      const bool tomb = s.flags & kWinnerTomb;
      const bool tomb_held = tomb && TombHeld(s);
      s.present = static_cast<uint16_t>(s.present & ~bit);
      SetMask(&s, tomb ? static_cast<uint16_t>(s.mask | bit) : static_cast<uint16_t>(s.mask & ~bit),
              now);
      TellHeld(key * columns_ + c, bit, std::nullopt, now);
      if (tomb_held && !TombHeld(s) && !(s.flags & kTombPurged)) s.flags |= kTombLost;
      const bool winner_lost = WinnerLost(s);
      if (winner_lost && (lost.empty() || lost.back() != key)) lost.push_back(key);
    }
  }
  for (uint64_t key : lost) RederiveWinners(key, ReadReplicas(key), now);
}

std::vector<std::optional<engine::Partition>> Oracle::ReadReplicas(uint64_t key) {
  DSIM_CHECK_MSG(reader_ != nullptr, "the oracle reads replicas but has no ReplicaReader");
  const std::string k = KvKey(key);
  std::vector<std::optional<engine::Partition>> views;
  for (NodeId n : ring_->Replicas(key_segment_[key])) views.push_back(reader_->ReadReplica(n, k));
  return views;
}

void Oracle::Reread(NodeId node, const std::string& key, bool destroyed, Nanos now) {
  const std::optional<uint64_t> index = ParseKvKey(key);
  if (!index || *index >= keys_) return;
  DSIM_CHECK_MSG(reader_ != nullptr, "the oracle reads replicas but has no ReplicaReader");
  const std::optional<engine::Partition> current = reader_->ReadReplica(node, key);
  if (RecomputeReplica(node, *index, current ? &*current : nullptr, destroyed, now)) {
    RederiveWinners(*index, ReadReplicas(*index), now);
  }
}

void Oracle::OnReplicaLost(NodeId node, std::vector<std::string> keys, Nanos now) {
  if (tap_ != nullptr) tap_->Lost(node, keys, now);
  MaybeRebase(now);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) Reread(node, key, /*destroyed=*/true, now);
}

void Oracle::OnCompaction(NodeId node, const engine::CompactionRecord& record, Nanos now) {
  DSIM_CHECK(record.purged_cells.size() == record.tombstones_purged);
  if (tap_ != nullptr) tap_->Compacted(node, record, now);
  MaybeRebase(now);
  // A compaction keeps the merged view, except for what it purged.
  if (record.purged_cells.empty()) return;
  for (const engine::PurgedCell& purged : record.purged_cells) {
    const std::optional<uint64_t> key = ParseKvKey(purged.partition_key);
    const std::optional<uint32_t> column = ParseKvColumn(purged.column);
    if (!key || !column || *key >= keys_ || *column >= columns_) continue;
    CellState& s = cells_[*key * columns_ + *column];
    if ((s.flags & kExists) && (s.flags & kWinnerTomb) && VersionOf(purged.cell) == Winner(s)) {
      s.flags |= kTombPurged;
    }
  }
  // Every key some input held with an expired tombstone is reread, not only the purged cells'
  // keys (a subset of them): that is the set the oracle has always reread after a purge, and a
  // reread can re-derive a winner no replica holds, so narrowing it would change
  // oracle.replica_rereads and, in rare cases, the divergence counts.
  for (const std::string& key : record.expired_tombstone_keys) {
    Reread(node, key, /*destroyed=*/false, now);
  }
}

namespace {

// What the end-of-run check must do for one cell.
enum class EndCheck { kNone, kDecided, kRead };

}  // namespace

void Oracle::Finish(Nanos end) {
  DSIM_CHECK(!finished_);
  if (tap_ != nullptr) tap_->Finished(end);
  finished_ = true;
  if (rebase_pending_) Rebase();  // the reference is the end itself, or nothing changed since
  Advance(end);
  end_ = end;
  const uint16_t full = FullMask();
  // Cells the record decides alone: a live winner some replica holds (best = winner); a
  // tombstone winner every replica holds (best is that tombstone or nothing) and not older than
  // an acknowledged delete; a cell nothing survives of. The others need the replicas' data.
  auto check = [&](const CellState& s) {
    const bool exists = s.flags & kExists;
    const bool acked = s.flags & kAcked;
    if (exists && (s.flags & kWinnerTomb) && s.mask != full) return EndCheck::kRead;
    // Every replica holds an older delete than the acknowledged one, or nothing: only reading
    // them tells (the older tombstone held is a loss, absence keeps the delete).
    if (exists && acked && (s.flags & kWinnerTomb) && (s.flags & kAckedTomb) &&
        VersionLess(Winner(s), CellVersion{s.acked_ts, true, s.acked_tag})) {
      return EndCheck::kRead;
    }
    if (exists && s.mask == 0) return acked ? EndCheck::kRead : EndCheck::kNone;
    return acked ? EndCheck::kDecided : EndCheck::kNone;
  };
  auto count_loss = [&](const CellState& s, const std::optional<CellVersion>& effective) {
    const CellVersion acked{s.acked_ts, (s.flags & kAckedTomb) != 0, s.acked_tag};
    // Absence keeps an acknowledged delete (and anything a purged delete superseded).
    const bool kept = effective ? !VersionLess(*effective, acked) : acked.tombstone;
    if (!kept) ++data_loss_;
  };
  for (uint64_t key = 0; key < keys_; ++key) {
    bool need_read = false;
    for (uint32_t c = 0; c < columns_; ++c) {
      const CellState& s = cells_[key * columns_ + c];
      const EndCheck e = check(s);
      if (e == EndCheck::kRead) {
        need_read = true;
      } else if (e == EndCheck::kDecided) {
        std::optional<CellVersion> effective;
        if (s.flags & kExists) effective = Winner(s);
        count_loss(s, effective);
      }
    }
    if (!need_read) continue;
    const std::vector<std::optional<engine::Partition>> parts = ReadReplicas(key);
    for (uint32_t c = 0; c < columns_; ++c) {
      const CellState& s = cells_[key * columns_ + c];
      if (check(s) != EndCheck::kRead) continue;
      ++end_checked_cells_;
      std::optional<CellVersion> best;
      const std::string column = KvColumn(c);
      for (const std::optional<engine::Partition>& p : parts) {
        if (!p) continue;
        auto it = p->cells().find(column);
        if (it == p->cells().end()) continue;
        const CellVersion v = VersionOf(it->second);
        if (!best || VersionLess(*best, v)) best = v;
      }
      const bool winner_tomb = s.flags & kWinnerTomb;
      if (winner_tomb && best && !best->tombstone) ++zombies_;
      if (s.flags & kAcked) {
        // With nothing left on any replica, a tombstone winner still stands (absence) over an
        // acknowledged live write. An acknowledged delete is kept by absence whatever the
        // winner: an older one (re-derived after the newer was lost) must not stand in for it.
        std::optional<CellVersion> effective = best;
        if (!effective && winner_tomb && !(s.flags & kAckedTomb)) effective = Winner(s);
        count_loss(s, effective);
      }
    }
  }
}

void Oracle::ExportTo(MetricSet* metrics) const {
  DSIM_CHECK(finished_);
  ExportConvergence(metrics);
  metrics->Set("lww.writes", writes_issued_, "cells");
  metrics->Set("lww.lost_updates", lost_updates_, "cells");
  metrics->Set("zombies.cells", zombies_, "cells");
  metrics->Set("data_loss.cells", data_loss_, "cells");
  metrics->Set("data_loss.acknowledged_cells", acked_cells_, "cells");
  metrics->Set("oracle.end_checked_cells", end_checked_cells_, "cells");
  metrics->Set("oracle.replica_rereads", recomputes_, "partitions");
  metrics->Set("oracle.winners_lost", winners_lost_, "cells");
  metrics->Set("oracle.untracked_cells", untracked_cells_, "cells");
  metrics->Set("reads.checked", reads_checked_, "reads");
  metrics->Set("reads.stale", stale_reads_, "reads");
  metrics->Set("reads.stale_cells", stale_read_cells_, "cells");
}

}  // namespace dsim::sim
