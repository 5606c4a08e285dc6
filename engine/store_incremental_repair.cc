// Store: incremental repair's part (store.h declares it; incremental_repair.h describes it):
// claiming a range's unrepaired data for a session, reading a session's pending data, the
// session's outcome, and the repaired markers on the disk.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/check.h"
#include "engine/corruption.h"
#include "engine/incremental_repair.h"
#include "engine/store.h"

namespace dsim::engine {
namespace {

bool IsPendingFor(const SSTable& t, uint64_t session) {
  return t.repair_state().status == RepairStatus::kPending &&
         t.repair_state().pending_session == session;
}

}  // namespace

absl::StatusOr<Store::PrepareReport> Store::PrepareIncrementalRepair(const TokenRange& range,
                                                                     uint64_t session) {
  DSIM_CHECK_MSG(up_, "PrepareIncrementalRepair on a store that is down");
  DSIM_CHECK(session > 0);
  // Like Cassandra's prepare: what the memtable holds is claimed too.
  if (absl::Status s = Flush(); !s.ok()) return s;
  const SSTableRepairState pending = SSTableRepairState::Pending(session);
  PrepareReport report;
  std::vector<std::unique_ptr<SSTable>> next;
  next.reserve(sstables_.size() + 1);
  for (std::unique_ptr<SSTable>& t : sstables_) {
    const RangeOverlap overlap = t->repair_state().status == RepairStatus::kUnrepaired
                                     ? OverlapOf(t->metadata(), range)
                                     : RangeOverlap::kDisjoint;
    if (overlap == RangeOverlap::kContained) {
      t->set_repair_state(pending);
      ++report.sstables_claimed;
    }
    if (overlap != RangeOverlap::kStraddles) {
      next.push_back(std::move(t));
      continue;
    }
    absl::StatusOr<AntiCompactionOutput> split = AntiCompact(*t, range, sstable_options());
    if (!split.ok() && CorruptFileOf(split.status()) == t->name()) {
      SetAside(*t);  // quarantined (store.h, "Corruption"): not claimed, not kept
      continue;
    }
    if (!split.ok()) return split.status();
    report.bytes_read += t->file_bytes();
    if (!split->inside.has_value() || !split->outside.has_value()) {
      // Its tokens span the bounds but its partitions lie on one side: no rewrite needed.
      if (split->inside.has_value()) {
        t->set_repair_state(pending);
        ++report.sstables_claimed;
      }
      next.push_back(std::move(t));
      continue;
    }
    for (const std::string* file : {&*split->outside, &*split->inside}) {
      absl::StatusOr<std::unique_ptr<SSTable>> out = WriteSSTable(*file);
      if (!out.ok()) return out.status();
      report.bytes_written += file->size();
      if (file == &*split->inside) (*out)->set_repair_state(pending);
      next.push_back(*std::move(out));
    }
    if (absl::Status s = DeleteSSTableFiles(*t); !s.ok()) return s;
    ++report.anticompactions;
    ++report.sstables_claimed;
  }
  sstables_ = std::move(next);
  DataChanged();
  stats_.anticompactions += report.anticompactions;
  stats_.anticompaction_bytes_read += report.bytes_read;
  stats_.incremental_sstables_claimed += report.sstables_claimed;
  return report;
}

absl::Status Store::ForEachPendingPartitionInRange(const TokenRange& range, uint64_t session,
                                                   absl::FunctionRef<void(const Partition&)> fn) {
  DSIM_CHECK_MSG(up_, "ForEachPendingPartitionInRange on a store that is down");
  DSIM_CHECK(session > 0);
  return ScanRange(
      range, false, [session](const SSTable& t) { return IsPendingFor(t, session); }, fn);
}

absl::StatusOr<uint64_t> Store::FinalizeIncrementalRepair(uint64_t session, int64_t now_us) {
  DSIM_CHECK_MSG(up_, "FinalizeIncrementalRepair on a store that is down");
  DSIM_CHECK(session > 0);
  uint64_t promoted = 0;
  for (const std::unique_ptr<SSTable>& t : sstables_) {
    if (!IsPendingFor(*t, session)) continue;
    t->set_repair_state(SSTableRepairState::Repaired(now_us));
    if (absl::Status s = PersistRepaired(*t); !s.ok()) return s;
    ++promoted;
  }
  stats_.incremental_sstables_repaired += promoted;
  return promoted;
}

double Store::EstimatePendingPartitions(uint64_t session) const {
  HyperLogLog merged(options_.hll_precision);
  double unmergeable = 0;  // as in EstimatePartitions
  for (const std::unique_ptr<SSTable>& t : sstables_) {
    if (!IsPendingFor(*t, session)) continue;
    if (t->hll().precision() == merged.precision()) {
      merged.Merge(t->hll());
    } else {
      unmergeable += static_cast<double>(t->metadata().partition_count);
    }
  }
  return merged.Estimate() + unmergeable;
}

uint64_t Store::ReleaseIncrementalRepair(uint64_t session) {
  DSIM_CHECK_MSG(up_, "ReleaseIncrementalRepair on a store that is down");
  DSIM_CHECK(session > 0);
  uint64_t released = 0;
  for (const std::unique_ptr<SSTable>& t : sstables_) {
    if (!IsPendingFor(*t, session)) continue;
    t->set_repair_state(SSTableRepairState{});
    ++released;
  }
  stats_.incremental_sstables_released += released;
  return released;
}

absl::Status Store::PersistRepaired(const SSTable& table) {
  DSIM_CHECK(table.repair_state().status == RepairStatus::kRepaired);
  const std::string marker = MarkerName(table.name());
  if (disk_->Exists(marker)) {
    if (absl::Status s = disk_->Delete(marker); !s.ok()) return s;
  }
  if (absl::Status s =
          disk_->Append(marker, EncodeRepairedMarker(table.repair_state().repaired_at_us));
      !s.ok()) {
    return s;
  }
  return disk_->Sync(marker);
}

absl::Status Store::DeleteSSTableFiles(const SSTable& table) {
  if (absl::Status s = disk_->Delete(table.name()); !s.ok()) return s;
  const std::string marker = MarkerName(table.name());
  if (!disk_->Exists(marker)) return absl::OkStatus();
  return disk_->Delete(marker);
}

absl::Status Store::LoadRepairMarkers() {
  for (const std::string& name : disk_->List()) {
    if (name.size() <= kMarkerSuffix.size() ||
        name.substr(name.size() - kMarkerSuffix.size()) != kMarkerSuffix) {
      continue;
    }
    auto owner = std::find_if(sstables_.begin(), sstables_.end(),
                              [&](const auto& t) { return MarkerName(t->name()) == name; });
    absl::StatusOr<uint64_t> size = disk_->Size(name);
    if (!size.ok()) return size.status();
    std::string bytes;
    if (absl::Status s = disk_->Read(name, 0, *size, &bytes); !s.ok()) return s;
    const std::optional<int64_t> at = DecodeRepairedMarker(bytes);
    if (owner != sstables_.end() && at.has_value()) {
      (*owner)->set_repair_state(SSTableRepairState::Repaired(*at));
      continue;
    }
    // A marker without its SSTable (left out as corrupt), or torn: the data, if any, counts as
    // unrepaired and the marker goes.
    if (absl::Status s = disk_->Delete(name); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace dsim::engine
