// RowSetHash: an order-independent hash of a set of rows, the unit row-level repair compares
// (sim/repair/row_level_strategy.h) before it compares rows one by one.
//
// Each row contributes its 128-bit digest (Partition::Digest); the digests are summed as 128-bit
// integers (wrapping) and counted, and the set's hash is XXH3_128 of (sum.low, sum.high, count)
// as three fixed64 values; the empty set hashes to all zeros. So rows may be added in any order
// and two replicas holding the same rows get the same hash, while a missing, extra or changed
// row changes it (up to 128-bit collisions). A Merkle leaf (merkle_tree.h) sums its partitions
// the same way.
//
//   RowSetHash h;
//   for (const Partition& p : rows) h.Add(p.Digest());
//   Digest128 d = h.Finish();
#ifndef DSIM_ENGINE_ROW_SET_HASH_H_
#define DSIM_ENGINE_ROW_SET_HASH_H_

#include <cstdint>
#include <string>

#include "engine/coding.h"
#include "engine/hash.h"

namespace dsim::engine {

class RowSetHash {
 public:
  void Add(const Digest128& row) {
    const uint64_t low = sum_.low + row.low;
    sum_.high += row.high + (low < sum_.low ? 1 : 0);
    sum_.low = low;
    ++count_;
  }
  uint64_t count() const { return count_; }

  Digest128 Finish() const {
    if (count_ == 0) return Digest128{};
    std::string bytes;
    PutFixed64(&bytes, sum_.low);
    PutFixed64(&bytes, sum_.high);
    PutFixed64(&bytes, count_);
    return Hash128(bytes);
  }

 private:
  Digest128 sum_;
  uint64_t count_ = 0;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_ROW_SET_HASH_H_
