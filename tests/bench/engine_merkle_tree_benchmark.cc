// Merkle tree build: ns per partition, from pre-computed digests (the tree alone) and from a
// store (merged scan + partition digests + tree).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "engine/merkle_tree.h"
#include "engine/partition.h"
#include "engine/store.h"

namespace dsim::engine {
namespace {

void BM_MerkleBuildFromDigests(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const int depth = static_cast<int>(state.range(1));
  std::vector<std::pair<uint64_t, Digest128>> entries;
  for (int i = 0; i < n; ++i) {
    Partition p(absl::StrCat("p", i));
    p.Put("c", Cell::Live("v", 1));
    entries.emplace_back(p.token(), p.Digest());
  }
  for (auto _ : state) {
    MerkleTree t(TokenRange::FullRing(), depth);
    for (const auto& [token, digest] : entries) t.Add(token, digest);
    t.Finalize();
    benchmark::DoNotOptimize(t.root());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["per_partition"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MerkleBuildFromDigests)->Args({327680, 15})->Args({327680, 19});

void BM_MerkleBuildFromStore(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  MemDisk disk;
  StoreOptions o;
  o.memtable_flush_threshold_bytes = 1 << 20;
  auto store = *Store::Open(o, &disk);
  for (int i = 0; i < n; ++i) {
    if (!store->Apply(Mutation::Put(absl::StrCat("p", i), "c", "value-bytes", i), i).ok()) {
      state.SkipWithError("apply failed");
      return;
    }
  }
  for (auto _ : state) {
    absl::StatusOr<MerkleTree> t = store->BuildMerkleTree(TokenRange::FullRing(), 15);
    benchmark::DoNotOptimize(t->root());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["per_partition"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MerkleBuildFromStore)->Arg(327680)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dsim::engine
