// Memtable insert: one mutation (one 100-byte cell) into a memtable of up to ~1M partitions.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/memtable.h"

namespace dsim::engine {
namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void BM_MemtableInsert(benchmark::State& state) {
  const uint64_t keyspace = static_cast<uint64_t>(state.range(0));
  std::vector<Mutation> mutations;
  constexpr size_t kPool = 1 << 16;
  for (size_t i = 0; i < kPool; ++i) {
    const uint64_t r = SplitMix(i);
    mutations.push_back(Mutation::Put(absl::StrCat("key", r % keyspace), absl::StrCat("c", r % 4),
                                      std::string(100, 'v'), static_cast<int64_t>(i)));
  }
  Memtable mem;
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    mem.Apply(mutations[i]);
    bytes += mutations[i].partition.ByteSize();
    if (++i == kPool) i = 0;
  }
  benchmark::DoNotOptimize(mem.ApproximateBytes());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_MemtableInsert)->Arg(10000)->Arg(1000000);

}  // namespace
}  // namespace dsim::engine
