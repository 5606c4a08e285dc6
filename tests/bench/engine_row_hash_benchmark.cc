// Row hashing, the per-row work of row-level repair and the set-reconciliation strategies: the
// row digest (Partition::Digest, XXH3-128 of the canonical encoding) for rows of 1 and 4
// columns, and the order-independent row-set hash (RowSetHash) over precomputed digests.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/partition.h"
#include "engine/row_set_hash.h"

namespace dsim::engine {
namespace {

std::vector<Partition> Rows(int n, int columns) {
  std::vector<Partition> rows;
  rows.reserve(n);
  for (int i = 0; i < n; ++i) {
    Partition p(absl::StrCat("key", i));
    for (int c = 0; c < columns; ++c) {
      p.Put(absl::StrCat("c", c), Cell::Live(std::string(32, static_cast<char>('a' + c)), i));
    }
    rows.push_back(std::move(p));
  }
  return rows;
}

void BM_RowDigest(benchmark::State& state) {
  const std::vector<Partition> rows = Rows(4096, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    for (const Partition& p : rows) benchmark::DoNotOptimize(p.Digest());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows.size()));
}
BENCHMARK(BM_RowDigest)->Arg(1)->Arg(4);

void BM_RowSetHash(benchmark::State& state) {
  std::vector<Digest128> digests;
  for (const Partition& p : Rows(static_cast<int>(state.range(0)), 1)) {
    digests.push_back(p.Digest());
  }
  for (auto _ : state) {
    RowSetHash h;
    for (const Digest128& d : digests) h.Add(d);
    benchmark::DoNotOptimize(h.Finish());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(digests.size()));
}
BENCHMARK(BM_RowSetHash)->Arg(256)->Arg(65536);

}  // namespace
}  // namespace dsim::engine
