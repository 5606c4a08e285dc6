// SSTable: an immutable, sorted file of partitions on a Disk (format: sstable_format.h).
//
// Open() reads and verifies the footer and the index, filter, hll and stats blocks, and keeps
// them in memory; data blocks are read from the disk on demand and their checksum verified on
// every read, so a flipped byte anywhere in the file surfaces as a DataLoss status (from Open
// for metadata, from Get or the iterator for data), never as wrong data. VerifyContentDigest()
// re-reads the whole file and checks it against the footer's XXH3_128 content digest.
//
// The object holds a Disk pointer and the file name; REQUIRES: the disk outlives it and the
// file is not modified except by fault injection. The one mutable thing about an SSTable is its
// repair state (incremental repair), which lives beside the file, in memory and in a marker.
//
//   absl::StatusOr<std::unique_ptr<SSTable>> t = SSTable::Open(&disk, "sst-00000001.db");
//   if ((*t)->MayContain(token)) {
//     absl::StatusOr<std::optional<Partition>> p = (*t)->Get(token, key);
//   }
#ifndef DSIM_ENGINE_SSTABLE_H_
#define DSIM_ENGINE_SSTABLE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/bloom_filter.h"
#include "engine/disk.h"
#include "engine/hash.h"
#include "engine/hyper_log_log.h"
#include "engine/partition.h"
#include "engine/partition_iterator.h"
#include "engine/repair_state.h"

namespace dsim::engine {

struct SSTableMetadata {
  uint64_t partition_count = 0;
  uint64_t cell_count = 0;
  uint64_t tombstone_count = 0;
  int64_t min_timestamp_us = 0;
  int64_t max_timestamp_us = 0;
  uint64_t min_token = 0;
  uint64_t max_token = 0;
  uint64_t data_bytes = 0;  // bytes of the data blocks
  uint64_t file_bytes = 0;
  Digest128 content_digest;  // XXH3_128 of the file bytes before the footer
};

class SSTable {
 public:
  struct IndexEntry {
    uint64_t offset = 0;
    uint64_t size = 0;  // payload + checksum
    uint64_t last_token = 0;
    std::string last_key;
  };

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SSTable>> Open(Disk* disk, std::string name);

  // Bloom filter query with a pre-computed token.
  bool MayContain(uint64_t token) const { return bloom_.MayContainHash(token); }

  // The partition with this key, or nullopt; DataLoss if its data block is corrupt.
  [[nodiscard]] absl::StatusOr<std::optional<Partition>> Get(uint64_t token,
                                                             std::string_view key) const;

  // A cursor over every partition, reading blocks lazily. REQUIRES: the table outlives it.
  std::unique_ptr<PartitionIterator> NewIterator() const;

  // Reads the whole file and checks the content digest. DataLoss on mismatch.
  [[nodiscard]] absl::Status VerifyContentDigest() const;

  const std::string& name() const { return name_; }
  const SSTableMetadata& metadata() const { return metadata_; }
  const BloomFilter& bloom() const { return bloom_; }
  const HyperLogLog& hll() const { return hll_; }
  const std::vector<IndexEntry>& index() const { return index_; }
  uint64_t file_bytes() const { return metadata_.file_bytes; }
  // Data-block bytes read from the disk so far (Get and iterators).
  uint64_t bytes_read() const { return bytes_read_; }

  // Incremental repair's state (repair_state.h): the store's bookkeeping, not in the file.
  const SSTableRepairState& repair_state() const { return repair_state_; }
  void set_repair_state(const SSTableRepairState& state) { repair_state_ = state; }

  // Reads and verifies data block `i`; `*payload` receives the payload. Used by iterators.
  [[nodiscard]] absl::Status ReadBlock(size_t i, std::string* payload) const;

 private:
  SSTable(Disk* disk, std::string name, BloomFilter bloom, HyperLogLog hll)
      : disk_(disk), name_(std::move(name)), bloom_(std::move(bloom)), hll_(std::move(hll)) {}

  Disk* disk_;
  std::string name_;
  BloomFilter bloom_;
  HyperLogLog hll_;
  SSTableMetadata metadata_;
  std::vector<IndexEntry> index_;
  mutable uint64_t bytes_read_ = 0;
  SSTableRepairState repair_state_;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_SSTABLE_H_
