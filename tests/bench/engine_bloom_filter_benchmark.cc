// Bloom filter query cost with a pre-hashed key (the token), for keys present and absent.
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <cstdint>
#include <vector>

#include "engine/bloom_filter.h"

namespace dsim::engine {
namespace {

uint64_t KeyHash(uint64_t i) { return XXH3_64bits(&i, sizeof(i)); }

constexpr uint64_t kKeys = 1'000'000;

struct Fixture {
  BloomFilter filter = BloomFilter::ForCapacity(kKeys, 0.01);
  std::vector<uint64_t> present, absent;
  Fixture() {
    for (uint64_t i = 0; i < kKeys; ++i) {
      present.push_back(KeyHash(i));
      absent.push_back(KeyHash(kKeys + i));
      filter.AddHash(present.back());
    }
  }
};

const Fixture& Shared() {
  static const Fixture* f = new Fixture();
  return *f;
}

void BM_BloomQueryHit(benchmark::State& state) {
  const Fixture& f = Shared();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.filter.MayContainHash(f.present[i]));
    if (++i == kKeys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BloomQueryHit);

void BM_BloomQueryMiss(benchmark::State& state) {
  const Fixture& f = Shared();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.filter.MayContainHash(f.absent[i]));
    if (++i == kKeys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BloomQueryMiss);

void BM_BloomAdd(benchmark::State& state) {
  BloomFilter filter = BloomFilter::ForCapacity(kKeys, 0.01);
  const Fixture& f = Shared();
  size_t i = 0;
  for (auto _ : state) {
    filter.AddHash(f.present[i]);
    if (++i == kKeys) i = 0;
  }
  benchmark::DoNotOptimize(filter.inserted_count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BloomAdd);

}  // namespace
}  // namespace dsim::engine
