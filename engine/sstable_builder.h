// SSTableBuilder: writes sorted partitions into the SSTable file format (sstable_format.h).
//
// The Bloom filter is sized up front from `expected_partitions` (the exact count for a flush,
// the merged HLL estimate for a compaction) and the configured fp chance; the HLL sketch and
// the stats (counts, min/max timestamp and token) are gathered as partitions are added.
// Finish() returns the complete file bytes; the caller writes them to a Disk.
//
//   SSTableBuilder b({.bloom_fp_chance = 0.01}, /*expected_partitions=*/n);
//   for (const Partition& p : sorted) b.Add(p);
//   std::string file = b.Finish();
#ifndef DSIM_ENGINE_SSTABLE_BUILDER_H_
#define DSIM_ENGINE_SSTABLE_BUILDER_H_

#include <cstdint>
#include <string>

#include "engine/bloom_filter.h"
#include "engine/hyper_log_log.h"
#include "engine/partition.h"

namespace dsim::engine {

struct SSTableOptions {
  double bloom_fp_chance = 0.01;
  int hll_precision = HyperLogLog::kDefaultPrecision;
  uint64_t block_size_bytes = 4096;  // data block target payload size
};

class SSTableBuilder {
 public:
  SSTableBuilder(const SSTableOptions& options, uint64_t expected_partitions);

  // REQUIRES: !partition.empty(); (token, key) strictly greater than the previous partition's.
  void Add(const Partition& partition);

  // Writes the index, filter, hll, stats and footer; returns the whole file.
  // REQUIRES: called once; no Add afterwards.
  std::string Finish();

  uint64_t partition_count() const { return partition_count_; }
  const BloomFilter& bloom() const { return bloom_; }
  const HyperLogLog& hll() const { return hll_; }

 private:
  void FlushBlock();

  SSTableOptions options_;
  BloomFilter bloom_;
  HyperLogLog hll_;
  std::string file_;
  std::string block_;
  std::string entry_;
  std::string index_entries_;
  uint64_t block_count_ = 0;
  uint64_t last_token_ = 0;
  std::string last_key_;
  uint64_t partition_count_ = 0;
  uint64_t cell_count_ = 0;
  uint64_t tombstone_count_ = 0;
  int64_t min_timestamp_us_ = 0;
  int64_t max_timestamp_us_ = 0;
  uint64_t min_token_ = 0;
  uint64_t max_token_ = 0;
  bool finished_ = false;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_SSTABLE_BUILDER_H_
