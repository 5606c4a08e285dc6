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
//
// The record is the one account of what a compaction did: its inputs, every tombstone it purged
// (cell by cell), and the partitions some input held with an expired tombstone. Callers that
// mirror a replica's content (the simulator's oracle) read it instead of predicting the
// selection or the purge, so the decision exists only here.
#ifndef DSIM_ENGINE_COMPACTION_H_
#define DSIM_ENGINE_COMPACTION_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "engine/cell.h"
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

// One SSTable a compaction merged.
struct CompactionInput {
  std::string name;
  uint64_t file_bytes = 0;
  uint64_t partitions = 0;
  uint64_t tombstones = 0;  // tombstone cells it held

  friend bool operator==(const CompactionInput&, const CompactionInput&) = default;
};

// A tombstone a compaction purged, as the merge of the inputs held it.
struct PurgedCell {
  std::string partition_key;
  std::string column;
  Cell cell;

  friend bool operator==(const PurgedCell&, const PurgedCell&) = default;
};

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
  std::vector<CompactionInput> inputs;  // in the order they were given
  // Cell by cell (Store::stats().compaction_history keeps neither list, so it stays small):
  //   purged_cells: in ring order, then column order; size() == tombstones_purged.
  //   expired_tombstone_keys: every partition key that some input held with a tombstone past
  //     gc_grace, sorted (byte order) and unique. It contains the purged cells' keys, and the
  //     keys whose expired tombstone the merge superseded (newer data in another input) or kept
  //     (data outside the compaction may be older).
  std::vector<PurgedCell> purged_cells;
  std::vector<std::string> expired_tombstone_keys;
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

// Purges the tombstones of `*p` per the rule above; returns how many were removed, and appends
// them (in column order) to `*purged` when it is not null.
uint64_t PurgeTombstones(Partition* p, int64_t now_us, int64_t gc_grace_us,
                         int64_t max_purgeable_timestamp_us,
                         std::vector<PurgedCell>* purged = nullptr);

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_COMPACTION_H_
