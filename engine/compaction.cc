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

uint64_t PurgeTombstones(Partition* p, int64_t now_us, int64_t gc_grace_us,
                         int64_t max_purgeable_timestamp_us) {
  std::vector<std::string> purge;
  for (const auto& [name, cell] : p->cells()) {
    if (cell.tombstone && cell.local_deletion_time_us < now_us - gc_grace_us &&
        cell.timestamp_us < max_purgeable_timestamp_us) {
      purge.push_back(name);
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

  // Inputs sketched at the output's precision merge; any other (options changed across a
  // restart) cannot, and adds its exact partition count instead (an overestimate if it
  // overlaps).
  HyperLogLog merged_hll(sstable_options.hll_precision);
  double unmergeable = 0;
  std::vector<std::unique_ptr<PartitionIterator>> children;
  for (const SSTable* t : inputs) {
    DSIM_CHECK(t != nullptr);
    r.input_bytes += t->file_bytes();
    r.input_partitions += t->metadata().partition_count;
    if (t->hll().precision() == merged_hll.precision()) {
      merged_hll.Merge(t->hll());
    } else {
      unmergeable += static_cast<double>(t->metadata().partition_count);
    }
    children.push_back(t->NewIterator());
  }
  r.hll_estimate = merged_hll.Estimate() + unmergeable;
  const uint64_t expected =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(r.hll_estimate)));

  SSTableBuilder builder(sstable_options, expected);
  MergingIterator it(std::move(children));
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    ++r.merged_partitions;
    const Partition& merged = it.partition();
    bool has_purgeable = false;
    for (const auto& [name, cell] : merged.cells()) {
      if (cell.tombstone && cell.local_deletion_time_us < now_us - gc_grace_us) {
        has_purgeable = true;
        break;
      }
    }
    if (!has_purgeable) {
      builder.Add(merged);
      continue;
    }
    Partition p = merged;
    r.tombstones_purged += PurgeTombstones(&p, now_us, gc_grace_us, max_purgeable_timestamp(p));
    if (p.empty()) {
      ++r.partitions_purged;
    } else {
      builder.Add(p);
    }
  }
  if (!it.status().ok()) return it.status();
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
