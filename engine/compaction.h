// Size-tiered compaction: which SSTables to merge, and the merge itself.
//
// Selection (Cassandra's SizeTieredCompactionStrategy without read hotness): SSTables sorted
// by size are grouped into buckets; a table joins the current bucket when its size is within
// [bucket_low, bucket_high] x the bucket's average size, or when it and the bucket's average
// are both below min_sstable_size_bytes. Buckets with at least min_threshold tables are
// candidates; the one with the smallest total size wins (ties: earliest in size order), trimmed
// to its max_threshold smallest tables.
//
// Merge: the inputs' partitions are merged with the CRDT merge. A tombstone is purged (with the
// data it shadowed, already dropped by the merge) when its local deletion time is older than
// gc_grace, i.e. local_deletion_time_us < now_us - gc_grace_us, and its timestamp is below the
// partition's max purgeable timestamp: the oldest timestamp that data outside the compaction
// (memtable, other SSTables) may hold for that partition, so a purge never resurrects it.
// Partitions left with no cell are dropped. The output Bloom filter is sized from the merged
// HLL estimate of the inputs; the record keeps that estimate next to the exact count written.
// (An input sketched at another precision than the output's cannot merge; its exact partition
// count is added to the estimate instead.)
#ifndef DSIM_ENGINE_COMPACTION_H_
#define DSIM_ENGINE_COMPACTION_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "engine/partition.h"
#include "engine/sstable.h"
#include "engine/sstable_builder.h"

namespace dsim::engine {

struct SizeTieredOptions {
  int min_threshold = 4;    // Cassandra's default: fewer similar tables are not worth merging
  int max_threshold = 32;   // Cassandra's default: bounds the work of one compaction
  double bucket_low = 0.5;  // Cassandra's defaults for "similar size"
  double bucket_high = 1.5;
  uint64_t min_sstable_size_bytes = 50ull << 20;  // Cassandra's default: small tables group
};

// Indices (into `sizes_bytes`) of the tables to compact, sorted by size then index; empty when
// no bucket reaches min_threshold. REQUIRES: 2 <= min_threshold <= max_threshold.
std::vector<size_t> SelectSizeTieredCompaction(const std::vector<uint64_t>& sizes_bytes,
                                               const SizeTieredOptions& options);

struct CompactionRecord {
  int64_t time_us = 0;
  uint64_t input_sstables = 0;
  uint64_t input_bytes = 0;
  uint64_t input_partitions = 0;   // sum over the inputs (a key in two inputs counts twice)
  double hll_estimate = 0;         // merged HLL estimate of the distinct input partitions
  uint64_t merged_partitions = 0;  // exact distinct partitions after the merge, before purging
  uint64_t output_partitions = 0;  // exact count written
  uint64_t output_bytes = 0;
  uint64_t tombstones_purged = 0;
  uint64_t partitions_purged = 0;  // partitions left empty by purging
  uint64_t bloom_bits = 0;         // m and k of the output filter
  int bloom_probes = 0;
};

struct CompactionOutput {
  std::optional<std::string> file;  // the new SSTable; nullopt if everything was purged
  CompactionRecord record;
};

// Merges `inputs` into one SSTable. `max_purgeable_timestamp(p)` is the timestamp below which
// tombstones of p may be purged (return INT64_MAX when nothing outside the inputs holds p).
// DataLoss if an input is corrupt.
[[nodiscard]] absl::StatusOr<CompactionOutput> CompactSSTables(
    const std::vector<const SSTable*>& inputs, int64_t now_us, int64_t gc_grace_us,
    const SSTableOptions& sstable_options,
    absl::FunctionRef<int64_t(const Partition&)> max_purgeable_timestamp);

// Purges the tombstones of `*p` per the rule above; returns how many were removed.
uint64_t PurgeTombstones(Partition* p, int64_t now_us, int64_t gc_grace_us,
                         int64_t max_purgeable_timestamp_us);

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_COMPACTION_H_
