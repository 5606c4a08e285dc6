// Partition: one partition key and its columns, each column holding one Cell.
//
// A partition merges cell by cell (column-wise Cell Merge), so partition merge inherits the
// CRDT laws: commutative, associative, idempotent. Columns are kept sorted by name (byte
// order), which makes the encoding below canonical: two partitions with equal content encode
// to equal bytes, and so have equal digests on every replica.
//
// Canonical encoding (also the commit-log and SSTable payload of a partition):
//   varint key_len, key bytes, varint cell_count, then per column in name order:
//   varint name_len, name, varint value_len, value, fixed64 timestamp_us,
//   byte flags (bit 0 = tombstone), fixed64 local_deletion_time_us.
// Digest() is XXH3_128 of that encoding; the Merkle leaves and the external oracle use it.
//
//   Partition p("user:42");
//   p.Put("name", Cell::Live("ada", 1000));
//   p.MergeFrom(other);  // REQUIRES: other.key() == p.key()
#ifndef DSIM_ENGINE_PARTITION_H_
#define DSIM_ENGINE_PARTITION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "engine/cell.h"
#include "engine/hash.h"

namespace dsim::engine {

class Partition {
 public:
  using Cells = absl::btree_map<std::string, Cell>;

  // Accounting overheads used by ByteSize(): the token, and each cell's timestamp, flags and
  // local deletion time.
  static constexpr int64_t kPartitionOverheadBytes = 8;
  static constexpr int64_t kCellOverheadBytes = 17;

  Partition() : Partition(std::string()) {}
  explicit Partition(std::string key);

  const std::string& key() const { return key_; }
  uint64_t token() const { return token_; }
  const Cells& cells() const { return cells_; }
  bool empty() const { return cells_.empty(); }
  size_t cell_count() const { return cells_.size(); }

  // Merges `cell` into the column (inserting it if absent).
  void Put(std::string_view column, const Cell& cell);

  // Merges every cell of `other` into this partition. REQUIRES: other.key() == key().
  void MergeFrom(const Partition& other);

  // Removes a column; used by compaction to purge tombstones.
  void Erase(std::string_view column);

  // Accounted size: key + 8, plus per cell name + value + 17. Used for memtable thresholds.
  int64_t ByteSize() const;

  // Min / max cell timestamp. REQUIRES: !empty().
  int64_t MinTimestampUs() const;
  int64_t MaxTimestampUs() const;

  // Canonical encoding (see the header comment), appended to `*out`.
  void EncodeTo(std::string* out) const;
  std::string Encode() const;
  // Decodes one partition from the front of `*in`, consuming it. DataLoss on malformed input.
  [[nodiscard]] static absl::StatusOr<Partition> DecodeFrom(std::string_view* in);

  // XXH3_128 of the canonical encoding.
  Digest128 Digest() const;

  friend bool operator==(const Partition& a, const Partition& b) {
    return a.key_ == b.key_ && a.cells_ == b.cells_;
  }

 private:
  std::string key_;
  uint64_t token_;
  Cells cells_;
};

// Cell-by-cell merge. REQUIRES: a.key() == b.key().
Partition Merge(const Partition& a, const Partition& b);

// Order by (token, key): the order of the memtable, SSTables and range scans.
inline bool PartitionKeyLess(uint64_t token_a, std::string_view key_a, uint64_t token_b,
                             std::string_view key_b) {
  if (token_a != token_b) return token_a < token_b;
  return key_a < key_b;
}

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_PARTITION_H_
