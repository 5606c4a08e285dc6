// StoreOptions: every tunable of a node's storage engine, with Cassandra's defaults.
//
// The defaults are named constants (and SizeTieredOptions' member defaults) so that every other
// place that states a storage default, the scenario's [storage] and [repair] sections
// (sim/scenario/config.h), starts from these same values: a default lives here, once.
#ifndef DSIM_ENGINE_STORE_OPTIONS_H_
#define DSIM_ENGINE_STORE_OPTIONS_H_

#include <cstdint>
#include <string>

#include "engine/commit_log.h"
#include "engine/compaction.h"
#include "engine/hyper_log_log.h"

namespace dsim::engine {

struct StoreOptions {
  static constexpr int64_t kDefaultMemtableFlushThresholdBytes = 4ll << 20;
  static constexpr double kDefaultBloomFpChance = 0.01;
  static constexpr int64_t kDefaultGcGraceUs = 10ll * 24 * 3600 * 1'000'000;  // 10 days
  static constexpr int kDefaultHllPrecision = HyperLogLog::kDefaultPrecision;
  static constexpr int64_t kDefaultCommitlogSyncPeriodUs = 10'000'000;  // 10 s
  static constexpr int kDefaultMerkleMaxDepth = 20;

  // Flush the memtable to an SSTable once its accounted size reaches this.
  int64_t memtable_flush_threshold_bytes = kDefaultMemtableFlushThresholdBytes;
  // Target false-positive chance of every SSTable's Bloom filter (bloom_filter_fp_chance).
  double bloom_fp_chance = kDefaultBloomFpChance;
  // Tombstones older than this (by local deletion time) are purged by compaction.
  int64_t gc_grace_us = kDefaultGcGraceUs;
  // Size-tiered compaction: min_threshold 4, max_threshold 32, buckets 0.5x..1.5x.
  SizeTieredOptions compaction;
  // HLL precision of each SSTable's partition-key sketch (Cassandra: 13).
  int hll_precision = kDefaultHllPrecision;
  // Commit log durability: periodic (Cassandra's default) or batch.
  CommitLogSync commitlog_sync = CommitLogSync::kPeriodic;
  int64_t commitlog_sync_period_us = kDefaultCommitlogSyncPeriodUs;
  // Test only (CommitLogOptions::defect_batch_skips_sync): a deliberate durability bug.
  bool commitlog_defect_batch_skips_sync = false;
  // Target payload size of an SSTable data block.
  uint64_t sstable_block_size_bytes = 4096;
  // Cap of the Merkle depth rule (Cassandra: 20).
  int merkle_max_depth = kDefaultMerkleMaxDepth;
  // File names: "<sstable_prefix><8-digit id>.db" and "<commitlog_prefix><8-digit id>".
  std::string sstable_prefix = "sstable-";
  std::string commitlog_prefix = "commitlog-";
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_STORE_OPTIONS_H_
