// PartitionIterator: the one sorted cursor that memtables, SSTables and merges all implement.
//
// An iterator yields partitions in (token, key) order, each key at most once. After a
// positioning call it is either Valid() (partition() is readable) or exhausted; an I/O or
// corruption error also ends the iteration, and status() then says why. Range scans use
// Seek(token) and stop on their own once tokens pass the end of their range.
//
//   for (it->Seek(first_token); it->Valid() && it->token() <= last; it->Next()) {
//     Use(it->partition());
//   }
//   if (!it->status().ok()) return it->status();
#ifndef DSIM_ENGINE_PARTITION_ITERATOR_H_
#define DSIM_ENGINE_PARTITION_ITERATOR_H_

#include <cstdint>

#include "absl/status/status.h"
#include "engine/partition.h"

namespace dsim::engine {

class PartitionIterator {
 public:
  virtual ~PartitionIterator() = default;

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  // Positions at the first partition whose token is >= `token`.
  virtual void Seek(uint64_t token) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  // REQUIRES: Valid(). The reference is good until the next positioning call.
  virtual const Partition& partition() const = 0;
  uint64_t token() const { return partition().token(); }
  // OK unless an error ended the iteration.
  virtual absl::Status status() const = 0;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_PARTITION_ITERATOR_H_
