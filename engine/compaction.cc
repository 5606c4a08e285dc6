#include "engine/compaction.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "engine/check.h"
#include "engine/merging_iterator.h"

namespace dsim::engine {

std::vector<size_t> SelectSizeTieredCompaction(const std::vector<uint64_t>& sizes_bytes,
                                               const SizeTieredOptions& options) {
  DSIM_CHECK(options.min_threshold >= 2 && options.min_threshold <= options.max_threshold);
  std::vector<size_t> order(sizes_bytes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return sizes_bytes[a] != sizes_bytes[b] ? sizes_bytes[a] < sizes_bytes[b] : a < b;
  });

  std::vector<std::vector<size_t>> buckets;
  double average = 0;
  for (size_t i : order) {
    const double size = static_cast<double>(sizes_bytes[i]);
    const double small = static_cast<double>(options.min_sstable_size_bytes);
    const bool joins =
        !buckets.empty() &&
        ((size >= options.bucket_low * average && size <= options.bucket_high * average) ||
         (size < small && average < small));
    if (joins) {
      std::vector<size_t>& b = buckets.back();
      average =
          (average * static_cast<double>(b.size()) + size) / static_cast<double>(b.size() + 1);
      b.push_back(i);
    } else {
      buckets.push_back({i});
      average = size;
    }
  }

  const std::vector<size_t>* best = nullptr;
  uint64_t best_total = 0;
  for (std::vector<size_t>& b : buckets) {
    if (static_cast<int>(b.size()) < options.min_threshold) continue;
    if (static_cast<int>(b.size()) > options.max_threshold) b.resize(options.max_threshold);
    uint64_t total = 0;
    for (size_t i : b) total += sizes_bytes[i];
    if (best == nullptr || total < best_total) {
      best = &b;
      best_total = total;
    }
  }
  return best == nullptr ? std::vector<size_t>() : *best;
}

namespace {

bool HasExpiredTombstone(const Partition& p, int64_t horizon_us) {
  for (const auto& [name, cell] : p.cells()) {
    if (cell.tombstone && cell.local_deletion_time_us < horizon_us) return true;
  }
  return false;
}

// An input's iterator that notes, as the merge reads it, the key of every partition holding a
// tombstone past gc_grace (so the record can name them without a second pass over the input).
class ExpiredTombstoneNoter final : public PartitionIterator {
 public:
  ExpiredTombstoneNoter(std::unique_ptr<PartitionIterator> input, int64_t horizon_us,
                        std::vector<std::string>* keys)
      : input_(std::move(input)), horizon_us_(horizon_us), keys_(keys) {}

  bool Valid() const override { return input_->Valid(); }
  void SeekToFirst() override {
    input_->SeekToFirst();
    Note();
  }
  void Seek(uint64_t token) override {
    input_->Seek(token);
    Note();
  }
  void Next() override {
    input_->Next();
    Note();
  }
  const Partition& partition() const override { return input_->partition(); }
  absl::Status status() const override { return input_->status(); }

 private:
  void Note() {
    if (input_->Valid() && HasExpiredTombstone(input_->partition(), horizon_us_)) {
      keys_->push_back(input_->partition().key());
    }
  }

  std::unique_ptr<PartitionIterator> input_;
  int64_t horizon_us_;
  std::vector<std::string>* keys_;
};

// Fills the record's input fields and returns the inputs' iterators (those holding tombstones
// wrapped to note expired ones) and the merged HLL estimate of their partitions.
std::vector<std::unique_ptr<PartitionIterator>> OpenInputs(
    const std::vector<const SSTable*>& inputs, int64_t horizon_us, int hll_precision,
    CompactionRecord* r) {
  // Inputs sketched at the output's precision merge; any other (options changed across a
  // restart) cannot, and adds its exact partition count instead (an overestimate if it
  // overlaps).
  HyperLogLog merged_hll(hll_precision);
  double unmergeable = 0;
  std::vector<std::unique_ptr<PartitionIterator>> children;
  for (const SSTable* t : inputs) {
    DSIM_CHECK(t != nullptr);
    const SSTableMetadata& m = t->metadata();
    r->inputs.push_back({t->name(), t->file_bytes(), m.partition_count, m.tombstone_count});
    r->input_bytes += t->file_bytes();
    r->input_partitions += m.partition_count;
    if (t->hll().precision() == merged_hll.precision()) {
      merged_hll.Merge(t->hll());
    } else {
      unmergeable += static_cast<double>(m.partition_count);
    }
    std::unique_ptr<PartitionIterator> it = t->NewIterator();
    if (m.tombstone_count > 0) {
      it = std::make_unique<ExpiredTombstoneNoter>(std::move(it), horizon_us,
                                                   &r->expired_tombstone_keys);
    }
    children.push_back(std::move(it));
  }
  r->hll_estimate = merged_hll.Estimate() + unmergeable;
  return children;
}

}  // namespace

uint64_t PurgeTombstones(Partition* p, int64_t now_us, int64_t gc_grace_us,
                         int64_t max_purgeable_timestamp_us, std::vector<PurgedCell>* purged) {
  std::vector<std::string> purge;
  for (const auto& [name, cell] : p->cells()) {
    if (cell.tombstone && cell.local_deletion_time_us < now_us - gc_grace_us &&
        cell.timestamp_us < max_purgeable_timestamp_us) {
      purge.push_back(name);
      if (purged != nullptr) purged->push_back({p->key(), name, cell});
    }
  }
  for (const std::string& name : purge) p->Erase(name);
  return purge.size();
}

absl::StatusOr<CompactionOutput> CompactSSTables(
    const std::vector<const SSTable*>& inputs, int64_t now_us, int64_t gc_grace_us,
    const SSTableOptions& sstable_options,
    absl::FunctionRef<int64_t(const Partition&)> max_purgeable_timestamp) {
  DSIM_CHECK(!inputs.empty());
  DSIM_CHECK(gc_grace_us >= 0);
  CompactionOutput out;
  CompactionRecord& r = out.record;
  r.time_us = now_us;
  r.input_sstables = inputs.size();
  const int64_t horizon_us = now_us - gc_grace_us;
  std::vector<std::unique_ptr<PartitionIterator>> children =
      OpenInputs(inputs, horizon_us, sstable_options.hll_precision, &r);
  // As Cassandra, the merged sketch's estimate sizes the output's Bloom filter. One of 2^53 or
  // more (up to the sketch's 2^64 ceiling) can only come from a damaged sketch, since no
  // simulated store holds that many partitions: the inputs' partition count sizes it then.
  const double estimate =
      r.hll_estimate < 0x1p53 ? r.hll_estimate : static_cast<double>(r.input_partitions);
  const uint64_t expected = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(estimate)));

  SSTableBuilder builder(sstable_options, expected);
  MergingIterator it(std::move(children));
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    ++r.merged_partitions;
    const Partition& merged = it.partition();
    if (!HasExpiredTombstone(merged, horizon_us)) {
      builder.Add(merged);
      continue;
    }
    Partition p = merged;
    r.tombstones_purged +=
        PurgeTombstones(&p, now_us, gc_grace_us, max_purgeable_timestamp(p), &r.purged_cells);
    if (p.empty()) {
      ++r.partitions_purged;
    } else {
      builder.Add(p);
    }
  }
  if (!it.status().ok()) return it.status();
  std::vector<std::string>& keys = r.expired_tombstone_keys;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  r.output_partitions = builder.partition_count();
  r.bloom_bits = builder.bloom().bits();
  r.bloom_probes = builder.bloom().probes();
  if (r.output_partitions > 0) {
    out.file = builder.Finish();
    r.output_bytes = out.file->size();
  }
  return out;
}

}  // namespace dsim::engine
