// MergingIterator: the CRDT-merged union of several sorted PartitionIterators.
//
// Yields each (token, key) once: the Partition::MergeFrom of every child's version of that
// partition. Since partition merge is commutative and associative, the child order does not
// matter. The first child error ends the iteration and is reported by status().
// Cost: O(children) per step (children are few: the memtable plus a handful of SSTables).
//
//   MergingIterator it(std::move(children));
//   for (it.SeekToFirst(); it.Valid(); it.Next()) Use(it.partition());
#ifndef DSIM_ENGINE_MERGING_ITERATOR_H_
#define DSIM_ENGINE_MERGING_ITERATOR_H_

#include <memory>
#include <vector>

#include "engine/partition_iterator.h"

namespace dsim::engine {

class MergingIterator final : public PartitionIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<PartitionIterator>> children);

  bool Valid() const override { return valid_; }
  void SeekToFirst() override;
  void Seek(uint64_t token) override;
  void Next() override;
  const Partition& partition() const override;
  absl::Status status() const override { return status_; }

 private:
  void FindCurrent();

  std::vector<std::unique_ptr<PartitionIterator>> children_;
  std::vector<size_t> at_current_;          // children positioned at the current key
  Partition current_;                       // the merge, when several children hold the key
  const Partition* current_ptr_ = nullptr;  // current_ or the single child's partition
  bool valid_ = false;
  absl::Status status_;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_MERGING_ITERATOR_H_
