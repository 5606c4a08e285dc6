// HyperLogLog: cost of adding a pre-hashed key, and of an estimate.
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <cstdint>
#include <vector>

#include "engine/hyper_log_log.h"

namespace dsim::engine {
namespace {

std::vector<uint64_t> Hashes(size_t n) {
  std::vector<uint64_t> out(n);
  for (uint64_t i = 0; i < n; ++i) out[i] = XXH3_64bits(&i, sizeof(i));
  return out;
}

void BM_HllAdd(benchmark::State& state) {
  HyperLogLog hll(static_cast<int>(state.range(0)));
  const std::vector<uint64_t> hashes = Hashes(1 << 20);
  size_t i = 0;
  for (auto _ : state) {
    hll.AddHash(hashes[i]);
    i = (i + 1) & ((1 << 20) - 1);
  }
  benchmark::DoNotOptimize(hll.Estimate());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HllAdd)->Arg(13)->Arg(14);

void BM_HllEstimate(benchmark::State& state) {
  HyperLogLog hll(static_cast<int>(state.range(0)));
  for (uint64_t h : Hashes(100000)) hll.AddHash(h);
  for (auto _ : state) benchmark::DoNotOptimize(hll.Estimate());
}
BENCHMARK(BM_HllEstimate)->Arg(13)->Arg(14);

}  // namespace
}  // namespace dsim::engine
