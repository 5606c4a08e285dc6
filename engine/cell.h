// Cell: the last-write-wins register CRDT that holds one column of one partition.
//
// A cell is a value with the write timestamp (microseconds, from the writer's clock), or a
// tombstone (a deletion) with its timestamp and local deletion time (microseconds, when the
// delete was issued; compaction purges a tombstone once it is older than gc_grace).
//
// Merge picks the winner under one total order, compared field by field:
//   1. higher timestamp_us wins;
//   2. on a tie, a tombstone beats a live cell;
//   3. then the lexicographically larger value bytes win;
//   4. then the larger local_deletion_time_us wins (Cassandra does the same for tombstones).
// Because Merge is "max under a total order", it is commutative, associative and idempotent,
// and its result is always one of its inputs, unchanged.
//
//   Cell a = Cell::Live("x", 10);
//   Cell b = Cell::Tombstone(10, 99);
//   Merge(a, b) == b;  // same timestamp: the tombstone wins
#ifndef DSIM_ENGINE_CELL_H_
#define DSIM_ENGINE_CELL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace dsim::engine {

struct Cell {
  std::string value;                   // empty for tombstones
  int64_t timestamp_us = 0;            // write time, the LWW key
  bool tombstone = false;              // true: this cell records a deletion
  int64_t local_deletion_time_us = 0;  // tombstones: when deleted; live cells: 0

  static Cell Live(std::string_view value, int64_t timestamp_us) {
    return Cell{std::string(value), timestamp_us, false, 0};
  }
  static Cell Tombstone(int64_t timestamp_us, int64_t local_deletion_time_us) {
    return Cell{std::string(), timestamp_us, true, local_deletion_time_us};
  }

  friend bool operator==(const Cell&, const Cell&) = default;
};

// True when `a` loses to `b` under the merge order (ties on every field are not "less").
bool CellLess(const Cell& a, const Cell& b);

// The winner of `a` and `b` (a copy of one of them).
Cell Merge(const Cell& a, const Cell& b);

// Merges `other` into `*into` in place.
void MergeInto(Cell* into, const Cell& other);

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_CELL_H_
