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

// Ring order within a range: offset from the range's start, then key.
struct RingLess {
  const engine::TokenRange& range;
  bool operator()(const engine::Partition& x, const engine::Partition& y) const {
    const uint64_t ox = range.Offset(x.token()), oy = range.Offset(y.token());
    if (ox != oy) return ox < oy;
    return x.key() < y.key();
  }
};

bool InRingOrder(const RingLess& less, const std::vector<engine::Partition>& v) {
  for (size_t k = 1; k < v.size(); ++k) {
    if (less(v[k], v[k - 1])) return false;
  }
  return true;
}

// Adds to `m` what `version` (null: the replica lacks the partition) lacks of `merged`.
void AddDeficit(const engine::Partition& merged, const engine::Partition* version,
                RepairMinimum* m) {
  uint64_t cells = 0;
  uint64_t bytes = merged.key().size() + engine::Partition::kPartitionOverheadBytes;
  for (const auto& [name, cell] : merged.cells()) {
    if (version != nullptr) {
      const auto it = version->cells().find(name);
      if (it != version->cells().end() && it->second == cell) continue;
    }
    ++cells;
    bytes += name.size() + cell.value.size() + engine::Partition::kCellOverheadBytes;
  }
  if (cells == 0) return;
  ++m->partitions;
  m->cells += cells;
  m->bytes += bytes;
}

}  // namespace

RepairMinimum MinimumRepair(const engine::TokenRange& range,
                            const std::vector<std::vector<engine::Partition>>& replicas) {
  const RingLess less{range};
  for (const auto& v : replicas) {
    DSIM_CHECK_MSG(InRingOrder(less, v), "replica data not in ring order within the range");
  }
  RepairMinimum m;
  std::vector<size_t> next(replicas.size(), 0);
  std::vector<const engine::Partition*> version(replicas.size());
  while (true) {
    // The smallest partition at the replicas' heads, then every replica's version of it.
    const engine::Partition* head = nullptr;
    for (size_t r = 0; r < replicas.size(); ++r) {
      if (next[r] == replicas[r].size()) continue;
      const engine::Partition& p = replicas[r][next[r]];
      if (head == nullptr || less(p, *head)) head = &p;
    }
    if (head == nullptr) break;
    engine::Partition merged(head->key());
    for (size_t r = 0; r < replicas.size(); ++r) {
      version[r] = nullptr;
      if (next[r] == replicas[r].size()) continue;
      const engine::Partition& p = replicas[r][next[r]];
      if (less(*head, p)) continue;  // not this partition: p comes later
      version[r] = &p;
      merged.MergeFrom(p);
      ++next[r];
    }
    for (size_t r = 0; r < replicas.size(); ++r) AddDeficit(merged, version[r], &m);
  }
  return m;
}

ReplicaDifference CompareReplicas(const engine::TokenRange& range,
                                  const std::vector<engine::Partition>& a,
                                  const std::vector<engine::Partition>& b) {
  const RingLess less{range};
  // The merge below is only exact over sorted inputs.
  DSIM_CHECK_MSG(InRingOrder(less, a) && InRingOrder(less, b),
                 "replica data not in ring order within the range");
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
