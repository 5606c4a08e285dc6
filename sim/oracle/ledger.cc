#include "sim/oracle/ledger.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "engine/token.h"

namespace dsim::sim {
namespace {

bool SchedulesPowerLoss(const Scenario& s) {
  return std::any_of(s.faults.begin(), s.faults.end(),
                     [](const FaultConfig& f) { return f.kind == FaultConfig::Kind::kPowerLoss; });
}

std::string Describe(const std::optional<CellVersion>& v) {
  if (!v) return "nothing";
  return absl::StrCat(v->tombstone ? "tombstone" : "value", " ts ", v->timestamp_us, " tag ",
                      v->tag);
}

}  // namespace

Ledger::Ledger(const Scenario& scenario, const Ring* ring, ReplicaReader* reader)
    : keys_(scenario.workload.kv.keys),
      columns_(scenario.workload.kv.columns),
      ring_(ring),
      reader_(reader),
      periodic_(scenario.storage.commitlog_sync == StorageConfig::CommitlogSync::kPeriodic),
      track_pending_(SchedulesPowerLoss(scenario)),
      pending_(ring->nodes()) {
  DSIM_CHECK(ring != nullptr && reader != nullptr);
}

std::optional<uint64_t> Ledger::CellOf(std::string_view key, std::string_view column) const {
  const std::optional<uint64_t> k = ParseKvKey(key);
  const std::optional<uint32_t> c = ParseKvColumn(column);
  if (!k || !c || *k >= keys_ || *c >= columns_) return std::nullopt;
  return *k * columns_ + *c;
}

std::optional<CellVersion> Ledger::CellIn(const std::optional<engine::Partition>& p,
                                          uint32_t column) const {
  if (!p) return std::nullopt;
  auto it = p->cells().find(KvColumn(column));
  if (it == p->cells().end()) return std::nullopt;
  return VersionOf(it->second);
}

void Ledger::Disagree(std::string what) {
  if (first_.empty()) first_ = std::move(what);
}

void Ledger::OnWriteIssued(uint64_t key, uint32_t column, const CellVersion& v) {
  DSIM_CHECK(key < keys_ && column < columns_);
  writes_.push_back({key * columns_ + column, v});
}

void Ledger::OnWriteAcked(uint64_t key, uint32_t column, const CellVersion& v) {
  DSIM_CHECK(key < keys_ && column < columns_);
  acked_.insert(KeyOf(key * columns_ + column, v));
}

void Ledger::BeforeLogged(NodeId node, const engine::Partition& p) {
  if (!periodic_ || !track_pending_) return;
  std::optional<std::optional<engine::Partition>> current;  // read once, when needed
  for (const auto& [name, cell] : p.cells()) {
    const std::optional<uint64_t> index = CellOf(p.key(), name);
    if (!index || pending_[node].contains(*index)) continue;
    if (!current) current = reader_->ReadReplica(node, p.key());
    Pending& entry = pending_[node][*index];
    entry.durable = CellIn(*current, static_cast<uint32_t>(*index % columns_));
  }
}

void Ledger::OnLogged(NodeId node, const engine::Partition& p) {
  if (!periodic_ || !track_pending_) return;
  for (const auto& [name, cell] : p.cells()) {
    const std::optional<uint64_t> index = CellOf(p.key(), name);
    if (!index) continue;
    auto it = pending_[node].find(*index);
    DSIM_CHECK_MSG(it != pending_[node].end(), "Ledger::OnLogged without BeforeLogged");
    it->second.versions.push_back(VersionOf(cell));
  }
}

void Ledger::OnIngested(NodeId node, const engine::Partition& p) {
  for (const auto& [name, cell] : p.cells()) {
    const std::optional<uint64_t> index = CellOf(p.key(), name);
    if (!index) continue;
    auto it = pending_[node].find(*index);
    if (it == pending_[node].end()) continue;
    const CellVersion v = VersionOf(cell);
    std::optional<CellVersion>& d = it->second.durable;
    if (!d || VersionLess(*d, v)) d = v;
  }
}

void Ledger::OnDurable(NodeId node) { pending_[node].clear(); }

void Ledger::OnCompaction(NodeId node, const engine::CompactionRecord& record) {
  for (const engine::PurgedCell& purged : record.purged_cells) {
    const std::optional<uint64_t> index = CellOf(purged.partition_key, purged.column);
    if (!index) continue;
    const CellVersion v = VersionOf(purged.cell);
    auto [it, inserted] = purged_tomb_max_.try_emplace(*index, v);
    if (!inserted && VersionLess(it->second, v)) it->second = v;
    auto p = pending_[node].find(*index);
    if (p != pending_[node].end()) p->second.indeterminate = true;
  }
}

void Ledger::BeforeCrash(NodeId node, const std::vector<std::string>& memtable_keys) {
  before_crash_.clear();
  auto note = [&](uint64_t key) {
    if (!before_crash_.contains(key)) before_crash_[key] = reader_->ReadReplica(node, KvKey(key));
  };
  for (const std::string& key : memtable_keys) {
    const std::optional<uint64_t> k = ParseKvKey(key);
    if (k && *k < keys_) note(*k);
  }
  for (const auto& [cell, entry] : pending_[node]) note(cell / columns_);
}

void Ledger::AfterCrash(NodeId node, bool power_loss) {
  ++crashes_checked_;
  const absl::btree_map<uint64_t, Pending>& pending = pending_[node];
  for (const auto& [key, before] : before_crash_) {
    const std::optional<engine::Partition> after = reader_->ReadReplica(node, KvKey(key));
    for (uint32_t c = 0; c < columns_; ++c) {
      const uint64_t cell = key * columns_ + c;
      std::optional<CellVersion> expected = CellIn(before, c);
      auto p = pending.find(cell);
      if (power_loss && p != pending.end()) {
        if (p->second.indeterminate) {
          ++indeterminate_;
          continue;
        }
        if (p->second.durable != expected) ++unsynced_cells_;
        for (const CellVersion& v : p->second.versions) {
          const bool above = !p->second.durable || VersionLess(*p->second.durable, v);
          acked_versions_lost_ += above && acked_.contains(KeyOf(cell, v));
        }
        expected = p->second.durable;
      }
      if (!expected && !CellIn(before, c) && !CellIn(after, c)) continue;
      ++cells_checked_;
      const std::optional<CellVersion> actual = CellIn(after, c);
      if (actual == expected) continue;
      ++crash_disagreements_;
      Disagree(absl::StrCat(power_loss ? "power loss" : "crash", " of node ", node, ": cell ",
                            KvKey(key), "/", KvColumn(c), " holds ", Describe(actual),
                            ", the ledger expected ", Describe(expected)));
    }
  }
  before_crash_.clear();
  pending_[node].clear();  // recovery flushed what survived
}

void Ledger::OnWiped(NodeId node) { pending_[node].clear(); }

void Ledger::OnCorrupted(NodeId node, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    const std::optional<uint64_t> k = ParseKvKey(key);
    if (!k || *k >= keys_) continue;
    auto it = pending_[node].lower_bound(*k * columns_);
    for (; it != pending_[node].end() && it->first / columns_ == *k; ++it) {
      it->second.indeterminate = true;
    }
  }
}

uint64_t Ledger::RecountLostUpdates() const {
  // In issue order: an acknowledged write is a lost update when an earlier-issued write of its
  // cell carried a larger timestamp.
  absl::btree_map<uint64_t, int64_t> issued_max;
  absl::flat_hash_set<VersionKey> counted;
  uint64_t lost = 0;
  for (const Write& w : writes_) {
    auto [it, first] = issued_max.try_emplace(w.cell, w.v.timestamp_us);
    if (first) continue;
    const VersionKey k = KeyOf(w.cell, w.v);
    if (w.v.timestamp_us < it->second && acked_.contains(k) && counted.insert(k).second) ++lost;
    it->second = std::max(it->second, w.v.timestamp_us);
  }
  return lost;
}

uint64_t Ledger::RecountDataLoss() {
  // The largest acknowledged version of each cell.
  absl::btree_map<uint64_t, CellVersion> acked_max;
  for (const VersionKey& k : acked_) {
    const CellVersion v{std::get<1>(k), std::get<3>(k), std::get<2>(k)};
    auto [it, inserted] = acked_max.try_emplace(std::get<0>(k), v);
    if (!inserted && VersionLess(it->second, v)) it->second = v;
  }
  uint64_t lost = 0;
  auto it = acked_max.begin();
  while (it != acked_max.end()) {
    const uint64_t key = it->first / columns_;
    const std::vector<std::optional<engine::Partition>> views = ReadAllReplicas(key);
    for (; it != acked_max.end() && it->first / columns_ == key; ++it) {
      const std::optional<CellVersion> best =
          Best(views, static_cast<uint32_t>(it->first % columns_));
      const CellVersion& acked = it->second;
      // Absence keeps an acknowledged delete, and whatever a purged tombstone superseded.
      bool kept = best ? !VersionLess(*best, acked) : acked.tombstone;
      if (!best && !kept) {
        auto purged = purged_tomb_max_.find(it->first);
        kept = purged != purged_tomb_max_.end() && !VersionLess(purged->second, acked);
      }
      lost += !kept;
    }
  }
  return lost;
}

std::vector<std::optional<engine::Partition>> Ledger::ReadAllReplicas(uint64_t key) {
  std::vector<std::optional<engine::Partition>> views;
  const std::string name = KvKey(key);
  for (NodeId n : ring_->Replicas(ring_->SegmentOf(engine::Token(name)))) {
    views.push_back(reader_->ReadReplica(n, name));
  }
  return views;
}

std::optional<CellVersion> Ledger::Best(const std::vector<std::optional<engine::Partition>>& views,
                                        uint32_t column) const {
  std::optional<CellVersion> best;
  for (const std::optional<engine::Partition>& v : views) {
    const std::optional<CellVersion> held = CellIn(v, column);
    if (held && (!best || VersionLess(*best, *held))) best = held;
  }
  return best;
}

uint64_t Ledger::RecountZombies() {
  // Deleted data come back: the merge of the replicas is a live version that a tombstone some
  // compaction purged (whose absence still stands for the delete) supersedes.
  uint64_t zombies = 0;
  auto it = purged_tomb_max_.begin();
  while (it != purged_tomb_max_.end()) {
    const uint64_t key = it->first / columns_;
    const std::vector<std::optional<engine::Partition>> views = ReadAllReplicas(key);
    for (; it != purged_tomb_max_.end() && it->first / columns_ == key; ++it) {
      const std::optional<CellVersion> best =
          Best(views, static_cast<uint32_t>(it->first % columns_));
      zombies += best && !best->tombstone && VersionLess(*best, it->second);
    }
  }
  return zombies;
}

void Ledger::Finish(const MetricSet& oracle_metrics) {
  DSIM_CHECK(!finished_);
  finished_ = true;
  lost_updates_ = RecountLostUpdates();
  data_loss_ = RecountDataLoss();
  zombies_ = RecountZombies();
  auto compare = [&](const char* metric, uint64_t recount) {
    std::optional<double> oracle;
    if (oracle_metrics.Has(metric)) oracle = oracle_metrics.Get(metric)["value"].get<double>();
    if (oracle && *oracle == static_cast<double>(recount)) return;
    ++finish_disagreements_;
    Disagree(absl::StrCat(metric, ": the oracle counts ", oracle ? *oracle : -1.0, ", the ledger ",
                          recount));
  };
  compare("lww.lost_updates", lost_updates_);
  compare("data_loss.cells", data_loss_);
  compare("zombies.cells", zombies_);
}

void Ledger::ExportTo(MetricSet* metrics) const {
  DSIM_CHECK(finished_);
  metrics->Set("ledger.disagreements", disagreements(), "count");
  metrics->Set("ledger.crashes_checked", crashes_checked_, "count");
  metrics->Set("ledger.crash.cells_checked", cells_checked_, "cells");
  metrics->Set("ledger.power_loss.unsynced_cells", unsynced_cells_, "cells");
  metrics->Set("ledger.power_loss.acked_versions_lost", acked_versions_lost_, "cells");
  metrics->Set("ledger.indeterminate_cells", indeterminate_, "cells");
  metrics->Set("ledger.lost_updates", lost_updates_, "cells");
  metrics->Set("ledger.data_loss_cells", data_loss_, "cells");
  metrics->Set("ledger.zombie_cells", zombies_, "cells");
}

}  // namespace dsim::sim
