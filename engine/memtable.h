// Memtable: the in-memory, sorted, mutable buffer of recent writes.
//
// Partitions are kept in an absl::btree_map ordered by (token, key); applying a mutation
// merges its cells into the stored partition (CRDT merge). ApproximateBytes() is the sum of
// Partition::ByteSize() over the stored partitions, kept exactly up to date on every Apply;
// the store flushes the memtable to an SSTable when it crosses the configured threshold.
//
// Cost: Apply and Get are O(log n) plus the partition's cell merge.
//
//   Memtable mem;
//   mem.Apply(Mutation::Put("k", "c", "v", 10));
//   const Partition* p = mem.Get("k");
#ifndef DSIM_ENGINE_MEMTABLE_H_
#define DSIM_ENGINE_MEMTABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/btree_map.h"
#include "engine/mutation.h"
#include "engine/partition.h"
#include "engine/partition_iterator.h"

namespace dsim::engine {

class Memtable {
 public:
  // (token, key): the sort key.
  using Key = std::pair<uint64_t, std::string>;
  using Map = absl::btree_map<Key, Partition>;

  // Merges the mutation's cells into the partition (creating it).
  void Apply(const Mutation& mutation);
  void Apply(const Partition& partition);

  // The stored partition, or nullptr. The pointer is valid until the next Apply/Clear.
  const Partition* Get(std::string_view key) const;
  const Partition* Get(uint64_t token, std::string_view key) const;

  int64_t ApproximateBytes() const { return bytes_; }
  size_t partition_count() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  // Min / max cell timestamp over everything stored (0 when empty).
  int64_t MinTimestampUs() const { return min_timestamp_us_; }
  int64_t MaxTimestampUs() const { return max_timestamp_us_; }

  void Clear();

  // A cursor over the partitions in (token, key) order. REQUIRES: the memtable is not
  // modified while the iterator is in use.
  std::unique_ptr<PartitionIterator> NewIterator() const;

  const Map& partitions() const { return map_; }

 private:
  Map map_;
  int64_t bytes_ = 0;
  int64_t min_timestamp_us_ = 0;
  int64_t max_timestamp_us_ = 0;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_MEMTABLE_H_
