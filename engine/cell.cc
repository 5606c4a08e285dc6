#include "engine/cell.h"

namespace dsim::engine {

bool CellLess(const Cell& a, const Cell& b) {
  if (a.timestamp_us != b.timestamp_us) return a.timestamp_us < b.timestamp_us;
  if (a.tombstone != b.tombstone) return !a.tombstone;  // live < tombstone
  if (const int c = a.value.compare(b.value); c != 0) return c < 0;
  return a.local_deletion_time_us < b.local_deletion_time_us;
}

Cell Merge(const Cell& a, const Cell& b) { return CellLess(a, b) ? b : a; }

void MergeInto(Cell* into, const Cell& other) {
  if (CellLess(*into, other)) *into = other;
}

}  // namespace dsim::engine
