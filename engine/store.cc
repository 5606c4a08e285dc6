#include "engine/store.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "engine/check.h"
#include "engine/merging_iterator.h"
#include "engine/sstable_builder.h"

namespace dsim::engine {
namespace {

// Parses "<prefix><digits>.db"; false for any other name.
bool ParseSSTableName(std::string_view name, std::string_view prefix, uint64_t* id) {
  constexpr std::string_view kSuffix = ".db";
  if (name.size() <= prefix.size() + kSuffix.size() || name.substr(0, prefix.size()) != prefix ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  const std::string_view digits =
      name.substr(prefix.size(), name.size() - prefix.size() - kSuffix.size());
  return absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), id);
}

}  // namespace

double StoreStats::ObservedBloomFpRate() const {
  const uint64_t absent = bloom_false_positives + bloom_true_negatives;
  return absent == 0 ? 0.0
                     : static_cast<double>(bloom_false_positives) / static_cast<double>(absent);
}

Store::Store(StoreOptions options, Disk* disk) : options_(std::move(options)), disk_(disk) {
  DSIM_CHECK(disk_ != nullptr);
  DSIM_CHECK(options_.memtable_flush_threshold_bytes > 0);
  DSIM_CHECK(options_.bloom_fp_chance > 0.0 && options_.bloom_fp_chance < 1.0);
  DSIM_CHECK(options_.gc_grace_us >= 0);
  DSIM_CHECK(options_.compaction.min_threshold >= 2 &&
             options_.compaction.min_threshold <= options_.compaction.max_threshold);
  DSIM_CHECK(options_.hll_precision >= HyperLogLog::kMinPrecision &&
             options_.hll_precision <= HyperLogLog::kMaxPrecision);
  DSIM_CHECK(options_.commitlog_sync_period_us > 0);
  DSIM_CHECK(options_.sstable_block_size_bytes > 0);
  DSIM_CHECK(options_.merkle_max_depth >= 0 && options_.merkle_max_depth <= MerkleTree::kMaxDepth);
  DSIM_CHECK(!options_.sstable_prefix.empty() && !options_.commitlog_prefix.empty() &&
             options_.sstable_prefix != options_.commitlog_prefix);
}

Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(StoreOptions options, Disk* disk) {
  auto store = std::make_unique<Store>(std::move(options), disk);
  absl::StatusOr<RecoveryReport> report = store->Recover();
  if (!report.ok()) return report.status();
  return store;
}

SSTableOptions Store::sstable_options() const {
  return SSTableOptions{options_.bloom_fp_chance, options_.hll_precision,
                        options_.sstable_block_size_bytes};
}

std::string Store::NextSSTableName() {
  return absl::StrFormat("%s%08d.db", options_.sstable_prefix, next_sstable_id_++);
}

absl::StatusOr<RecoveryReport> Store::Recover() {
  DSIM_CHECK_MSG(!up_, "Recover on a store that is up");
  RecoveryReport report;
  DataChanged();
  memtable_.Clear();
  sstables_.clear();
  next_sstable_id_ = 0;
  for (const std::string& name : disk_->List()) {  // sorted: ids ascend (fixed width)
    uint64_t id = 0;
    if (!ParseSSTableName(name, options_.sstable_prefix, &id)) continue;
    next_sstable_id_ = std::max(next_sstable_id_, id + 1);
    absl::StatusOr<std::unique_ptr<SSTable>> table = SSTable::Open(disk_, name);
    if (table.ok()) {
      sstables_.push_back(*std::move(table));
      ++report.sstables_loaded;
    } else if (absl::IsDataLoss(table.status())) {
      report.corrupt_sstables.push_back(name);
    } else {
      return table.status();
    }
  }

  if (absl::Status s = LoadRepairMarkers(); !s.ok()) return s;

  absl::StatusOr<ReplayResult> replay =
      CommitLog::Replay(disk_, options_.commitlog_prefix, [this](Mutation&& m) {
        memtable_.Apply(m.partition);
        DataChanged();
      });
  if (!replay.ok()) return replay.status();
  report.replay = *replay;

  commit_log_ = std::make_unique<CommitLog>(
      disk_,
      CommitLogOptions{options_.commitlog_sync, options_.commitlog_sync_period_us,
                       options_.commitlog_prefix, options_.commitlog_defect_batch_skips_sync});
  if (absl::Status s = commit_log_->Open(); !s.ok()) return s;
  up_ = true;
  // Like Cassandra after replay: flush, then drop the replayed segments, so a later recovery
  // neither replays nor re-counts them.
  if (!memtable_.empty()) {
    if (absl::Status s = Flush(); !s.ok()) return s;
  } else if (absl::Status s = commit_log_->DiscardAndRoll(); !s.ok()) {
    return s;
  }
  ++stats_.recoveries;
  stats_.records_replayed += report.replay.records_replayed;
  stats_.records_dropped += report.replay.records_dropped;
  return report;
}

void Store::Crash(CrashKind kind) {
  DSIM_CHECK_MSG(up_, "Crash on a store that is down");
  up_ = false;
  DataChanged();
  memtable_.Clear();
  sstables_.clear();
  commit_log_.reset();
  if (kind == CrashKind::kPowerLoss) disk_->DropUnsyncedData();
}

absl::StatusOr<ApplyResult> Store::Apply(const Mutation& mutation, int64_t now_us) {
  DSIM_CHECK_MSG(up_, "Apply on a store that is down");
  DSIM_CHECK_MSG(!mutation.partition.empty(), "empty mutation");
  const uint64_t log_bytes = commit_log_->bytes_written();
  const uint64_t syncs = commit_log_->syncs();
  absl::StatusOr<bool> durable = commit_log_->Append(mutation, now_us);
  if (!durable.ok()) return durable.status();
  stats_.commitlog_bytes_written += commit_log_->bytes_written() - log_bytes;
  stats_.commitlog_syncs += commit_log_->syncs() - syncs;
  memtable_.Apply(mutation.partition);
  DataChanged();
  ++stats_.mutations_applied;
  ApplyResult result{*durable, false};
  if (memtable_.ApproximateBytes() >= options_.memtable_flush_threshold_bytes) {
    if (absl::Status s = Flush(); !s.ok()) return s;
    result.durable = true;
    result.flushed = true;
  }
  return result;
}

absl::Status Store::Sync(int64_t now_us) {
  DSIM_CHECK_MSG(up_, "Sync on a store that is down");
  if (absl::Status s = commit_log_->Sync(now_us); !s.ok()) return s;
  ++stats_.commitlog_syncs;
  return absl::OkStatus();
}

int64_t Store::NextSyncDueUs() const {
  return commit_log_ == nullptr ? 0 : commit_log_->NextSyncDueUs();
}

absl::StatusOr<bool> Store::MaybeSync(int64_t now_us) {
  DSIM_CHECK(up_);
  if (!commit_log_->SyncDue(now_us)) return false;
  if (absl::Status s = Sync(now_us); !s.ok()) return s;
  return true;
}

absl::StatusOr<std::unique_ptr<SSTable>> Store::WriteSSTable(const std::string& file) {
  const std::string name = NextSSTableName();
  DSIM_CHECK_MSG(!disk_->Exists(name), "SSTable name reused");
  if (absl::Status s = disk_->Append(name, file); !s.ok()) return s;
  if (absl::Status s = disk_->Sync(name); !s.ok()) return s;
  stats_.sstable_bytes_written += file.size();
  return SSTable::Open(disk_, name);
}

absl::Status Store::Flush() {
  DSIM_CHECK_MSG(up_, "Flush on a store that is down");
  if (memtable_.empty()) return absl::OkStatus();
  SSTableBuilder builder(sstable_options(), memtable_.partition_count());
  for (const auto& [key, partition] : memtable_.partitions()) builder.Add(partition);
  absl::StatusOr<std::unique_ptr<SSTable>> table = WriteSSTable(builder.Finish());
  if (!table.ok()) return table.status();
  sstables_.push_back(*std::move(table));
  DataChanged();
  // The SSTable is synced, so the commit log's content is no longer needed.
  if (absl::Status s = commit_log_->DiscardAndRoll(); !s.ok()) return s;
  memtable_.Clear();
  DataChanged();
  ++stats_.flushes;
  return absl::OkStatus();
}

namespace {

// The live SSTables' indices by repair group (GroupKey order), each in table order.
std::vector<std::vector<size_t>> GroupIndices(const std::vector<std::unique_ptr<SSTable>>& tables) {
  std::vector<std::pair<uint64_t, size_t>> keyed;
  keyed.reserve(tables.size());
  for (size_t i = 0; i < tables.size(); ++i) {
    keyed.emplace_back(tables[i]->repair_state().GroupKey(), i);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::vector<size_t>> groups;
  for (size_t j = 0; j < keyed.size(); ++j) {
    if (j == 0 || keyed[j].first != keyed[j - 1].first) groups.emplace_back();
    groups.back().push_back(keyed[j].second);
  }
  return groups;
}

}  // namespace

absl::StatusOr<std::optional<CompactionRecord>> Store::MaybeCompact(int64_t now_us) {
  DSIM_CHECK_MSG(up_, "MaybeCompact on a store that is down");
  for (;;) {
    absl::StatusOr<std::optional<CompactionRecord>> r = MaybeCompactOnce(now_us);
    if (r.ok() || !QuarantineIfCorrupt(r.status())) return r;
  }
}

absl::StatusOr<std::optional<CompactionRecord>> Store::MaybeCompactOnce(int64_t now_us) {
  // Size-tiered selection inside each repair group; of the groups' picks, the smallest total
  // wins (ties: the first group), as the selection does between buckets.
  std::vector<size_t> best;
  uint64_t best_total = 0;
  for (const std::vector<size_t>& group : GroupIndices(sstables_)) {
    std::vector<uint64_t> sizes;
    sizes.reserve(group.size());
    for (size_t i : group) sizes.push_back(sstables_[i]->file_bytes());
    const std::vector<size_t> picked = SelectSizeTieredCompaction(sizes, options_.compaction);
    if (picked.empty()) continue;
    uint64_t total = 0;
    for (size_t j : picked) total += sizes[j];
    if (best.empty() || total < best_total) {
      best.clear();
      for (size_t j : picked) best.push_back(group[j]);
      best_total = total;
    }
  }
  if (best.empty()) return std::nullopt;
  return Compact(best, now_us);
}

absl::StatusOr<std::vector<CompactionRecord>> Store::CompactAll(int64_t now_us) {
  DSIM_CHECK_MSG(up_, "CompactAll on a store that is down");
  // Group members are named by SSTable, since each compaction renumbers the live list.
  std::vector<std::vector<std::string>> groups;
  for (const std::vector<size_t>& group : GroupIndices(sstables_)) {
    groups.emplace_back();
    for (size_t i : group) groups.back().push_back(sstables_[i]->name());
  }
  std::vector<CompactionRecord> records;
  for (const std::vector<std::string>& names : groups) {
    std::vector<size_t> indices;
    for (size_t i = 0; i < sstables_.size(); ++i) {
      if (std::find(names.begin(), names.end(), sstables_[i]->name()) != names.end()) {
        indices.push_back(i);
      }
    }
    absl::StatusOr<std::optional<CompactionRecord>> r = Compact(indices, now_us);
    if (!r.ok()) return r.status();
    if (r->has_value()) records.push_back(**std::move(r));
  }
  return records;
}

absl::StatusOr<std::optional<CompactionRecord>> Store::Compact(const std::vector<size_t>& indices,
                                                               int64_t now_us) {
  std::vector<bool> in_compaction(sstables_.size(), false);
  std::vector<const SSTable*> inputs;
  DSIM_CHECK(!indices.empty());
  SSTableRepairState state = sstables_[indices[0]]->repair_state();
  for (size_t i : indices) {
    DSIM_CHECK(i < sstables_.size() && !in_compaction[i]);
    const SSTableRepairState& s = sstables_[i]->repair_state();
    DSIM_CHECK_MSG(s.GroupKey() == state.GroupKey(), "compaction across repair groups");
    // Merged repaired data is repaired as of its oldest input.
    state.repaired_at_us = std::min(state.repaired_at_us, s.repaired_at_us);
    in_compaction[i] = true;
    inputs.push_back(sstables_[i].get());
  }
  // Data outside the compaction that may hold a partition bounds which tombstones can go.
  auto max_purgeable = [&](const Partition& p) {
    int64_t ts = std::numeric_limits<int64_t>::max();
    if (const Partition* m = memtable_.Get(p.token(), p.key()); m != nullptr) {
      ts = std::min(ts, m->MinTimestampUs());
    }
    for (size_t i = 0; i < sstables_.size(); ++i) {
      if (!in_compaction[i] && sstables_[i]->MayContain(p.token())) {
        ts = std::min(ts, sstables_[i]->metadata().min_timestamp_us);
      }
    }
    return ts;
  };
  absl::StatusOr<CompactionOutput> out =
      CompactSSTables(inputs, now_us, options_.gc_grace_us, sstable_options(), max_purgeable);
  if (!out.ok()) return out.status();

  std::unique_ptr<SSTable> output;
  if (out->file.has_value()) {
    absl::StatusOr<std::unique_ptr<SSTable>> table = WriteSSTable(*out->file);
    if (!table.ok()) return table.status();
    output = *std::move(table);
    output->set_repair_state(state);
    if (state.status == RepairStatus::kRepaired) {
      if (absl::Status s = PersistRepaired(*output); !s.ok()) return s;
    }
  }
  // Drop the inputs (files and handles), keep the others in order, append the output.
  std::vector<std::unique_ptr<SSTable>> kept;
  for (size_t i = 0; i < sstables_.size(); ++i) {
    if (!in_compaction[i]) {
      kept.push_back(std::move(sstables_[i]));
      continue;
    }
    if (absl::Status s = DeleteSSTableFiles(*sstables_[i]); !s.ok()) return s;
  }
  if (output != nullptr) kept.push_back(std::move(output));
  sstables_ = std::move(kept);
  DataChanged();

  CompactionRecord& r = out->record;
  ++stats_.compactions;
  stats_.compaction_bytes_read += r.input_bytes;
  stats_.tombstones_purged += r.tombstones_purged;
  // The history keeps no per-cell list (see StoreStats): only the caller gets those.
  std::vector<PurgedCell> purged = std::exchange(r.purged_cells, {});
  std::vector<std::string> expired = std::exchange(r.expired_tombstone_keys, {});
  stats_.compaction_history.push_back(r);
  r.purged_cells = std::move(purged);
  r.expired_tombstone_keys = std::move(expired);
  return std::optional<CompactionRecord>(std::move(r));
}

absl::StatusOr<MerkleTree> Store::BuildMerkleTree(const TokenRange& range, int depth) {
  MerkleTree tree(range, depth);
  absl::Status s = ForEachPartitionInRange(
      range, [&tree](const Partition& p) { tree.Add(p.token(), p.Digest()); });
  if (!s.ok()) return s;
  tree.Finalize();
  return tree;
}

double Store::EstimatePartitions(const TokenRange& range) const {
  if (estimate_generation_ != data_generation_) {
    estimate_ = EstimateAllPartitions();
    estimate_generation_ = data_generation_;
  }
  return estimate_ * range.RingFraction();
}

double Store::EstimateAllPartitions() const {
  HyperLogLog merged(options_.hll_precision);
  // Tables sketched at another precision (options changed across a restart) cannot merge;
  // their exact counts are added instead (an overestimate if their keys overlap).
  double unmergeable = 0;
  for (const auto& t : sstables_) {
    if (t->hll().precision() == merged.precision()) {
      merged.Merge(t->hll());
    } else {
      unmergeable += static_cast<double>(t->metadata().partition_count);
    }
  }
  std::vector<uint64_t> hashes;
  hashes.reserve(memtable_.partitions().size());
  for (const auto& [key, p] : memtable_.partitions()) {
    hashes.push_back(HyperLogLog::SpreadToken(p.token()));
  }
  merged.AddHashes(hashes);
  return merged.Estimate() + unmergeable;
}

int Store::MerkleDepthForRange(const TokenRange& range) const {
  const double estimate = EstimatePartitions(range);
  return MerkleDepthFor(static_cast<uint64_t>(std::llround(estimate)), options_.merkle_max_depth);
}

absl::Status Store::IngestPartitions(std::vector<Partition> partitions, SSTableRepairState state) {
  DSIM_CHECK_MSG(up_, "IngestPartitions on a store that is down");
  DSIM_CHECK_MSG(state.status != RepairStatus::kRepaired, "ingest as repaired");
  std::sort(partitions.begin(), partitions.end(), [](const Partition& a, const Partition& b) {
    return PartitionKeyLess(a.token(), a.key(), b.token(), b.key());
  });
  std::vector<Partition> merged;
  for (Partition& p : partitions) {
    if (p.empty()) continue;
    if (!merged.empty() && merged.back().key() == p.key()) {
      merged.back().MergeFrom(p);
    } else {
      merged.push_back(std::move(p));
    }
  }
  if (merged.empty()) return absl::OkStatus();
  SSTableBuilder builder(sstable_options(), merged.size());
  for (const Partition& p : merged) builder.Add(p);
  absl::StatusOr<std::unique_ptr<SSTable>> table = WriteSSTable(builder.Finish());
  if (!table.ok()) return table.status();
  (*table)->set_repair_state(state);
  sstables_.push_back(*std::move(table));
  DataChanged();
  ++stats_.ingests;
  stats_.partitions_ingested += merged.size();
  return absl::OkStatus();
}

absl::Status Store::IngestSSTableFile(const std::string& file) {
  DSIM_CHECK_MSG(up_, "IngestSSTableFile on a store that is down");
  absl::StatusOr<std::unique_ptr<SSTable>> table = WriteSSTable(file);
  if (!table.ok()) return table.status();
  stats_.partitions_ingested += (*table)->metadata().partition_count;
  sstables_.push_back(*std::move(table));
  DataChanged();
  ++stats_.ingests;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Store::ReadSSTableFile(const SSTable& table) const {
  std::string out;
  if (absl::Status s = disk_->Read(table.name(), 0, table.file_bytes(), &out); !s.ok()) return s;
  return out;
}

double Store::BloomTheoreticalFpRate() const {
  if (sstables_.empty()) return 0.0;
  double sum = 0;
  for (const auto& t : sstables_) sum += t->bloom().TheoreticalFpRate();
  return sum / static_cast<double>(sstables_.size());
}

}  // namespace dsim::engine
