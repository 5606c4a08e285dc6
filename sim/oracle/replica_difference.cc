#include "sim/oracle/replica_difference.h"

#include "engine/check.h"

namespace dsim::sim {
namespace {

// The cells of two versions of one partition that differ (present on one side only, or with
// different contents).
uint64_t DifferingCells(const engine::Partition& x, const engine::Partition& y) {
  uint64_t cells = 0;
  auto xi = x.cells().begin(), yi = y.cells().begin();
  while (xi != x.cells().end() || yi != y.cells().end()) {
    if (yi == y.cells().end() || (xi != x.cells().end() && xi->first < yi->first)) {
      ++cells;
      ++xi;
    } else if (xi == x.cells().end() || yi->first < xi->first) {
      ++cells;
      ++yi;
    } else {
      if (!(xi->second == yi->second)) ++cells;
      ++xi;
      ++yi;
    }
  }
  return cells;
}

}  // namespace

ReplicaDifference CompareReplicas(const engine::TokenRange& range,
                                  const std::vector<engine::Partition>& a,
                                  const std::vector<engine::Partition>& b) {
  auto less = [&range](const engine::Partition& x, const engine::Partition& y) {
    const uint64_t ox = range.Offset(x.token()), oy = range.Offset(y.token());
    if (ox != oy) return ox < oy;
    return x.key() < y.key();
  };
  // The merge below is only exact over sorted inputs.
  auto sorted = [&less](const std::vector<engine::Partition>& v) {
    for (size_t k = 1; k < v.size(); ++k) {
      if (less(v[k], v[k - 1])) return false;
    }
    return true;
  };
  DSIM_CHECK_MSG(sorted(a) && sorted(b), "replica data not in ring order within the range");
  ReplicaDifference d;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && less(a[i], b[j]))) {
      ++d.partitions;
      d.cells += a[i++].cell_count();
      continue;
    }
    if (i == a.size() || less(b[j], a[i])) {
      ++d.partitions;
      d.cells += b[j++].cell_count();
      continue;
    }
    const engine::Partition& x = a[i++];
    const engine::Partition& y = b[j++];
    if (x == y) continue;
    ++d.partitions;
    d.cells += DifferingCells(x, y);
  }
  return d;
}

}  // namespace dsim::sim
