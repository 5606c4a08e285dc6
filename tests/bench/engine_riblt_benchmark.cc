// RIBLT: cost of producing coded symbols (the sender) and of decoding (the receiver), per symbol,
// and of the index mapping rule alone.
//
// Encode/<items>/<symbols>: an encoder over `items` items produces `symbols` symbols (1.4 d for
// a difference d); per_symbol is the wall time per produced symbol including the Add calls.
// Decode/<d>/<shared>: the receiver holds `shared` items in common with the sender plus half
// the difference; it adds its items, then consumes the sender's symbols (produced beforehand,
// outside the timing) until decoded.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "engine/riblt.h"
#include "tests/bench/bench_util.h"

namespace dsim::engine {
namespace {

RibltItem Item(uint64_t i) { return RibltItem{Mix(i), Mix(i + (uint64_t{1} << 40)), i}; }

void BM_RibltNextIndex(benchmark::State& state) {
  uint64_t r = 1, index = 0;
  for (auto _ : state) {
    r = Mix(r);
    index = RibltNextIndex(index & 0xfffff, r);
    benchmark::DoNotOptimize(index);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RibltNextIndex);

void BM_RibltEncode(benchmark::State& state) {
  const uint64_t items = state.range(0);
  const uint64_t symbols = state.range(1);
  for (auto _ : state) {
    RibltEncoder enc;
    for (uint64_t i = 0; i < items; ++i) enc.Add(Item(i));
    for (uint64_t i = 0; i < symbols; ++i) benchmark::DoNotOptimize(enc.ProduceNext());
  }
  state.SetItemsProcessed(state.iterations() * symbols);
  state.counters["per_symbol"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * symbols,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RibltEncode)
    ->Args({1000, 1400})
    ->Args({10000, 14000})
    ->Args({100000, 14000})
    ->Args({1000000, 14000})
    ->Unit(benchmark::kMillisecond);

void BM_RibltDecode(benchmark::State& state) {
  const uint64_t d = state.range(0);
  const uint64_t shared = state.range(1);
  // Items [0, shared) on both sides, the next d / 2 remote only, the d - d / 2 after local only.
  RibltEncoder enc;
  for (uint64_t i = 0; i < shared + d / 2; ++i) enc.Add(Item(i));
  std::vector<RibltSymbol> stream;
  for (uint64_t i = 0; i < 3 * d + 10; ++i) stream.push_back(enc.ProduceNext());
  uint64_t used = 0;
  for (auto _ : state) {
    RibltDecoder dec;
    for (uint64_t i = 0; i < shared; ++i) dec.AddLocal(Item(i));
    for (uint64_t i = shared + d / 2; i < shared + d; ++i) dec.AddLocal(Item(i));
    size_t next = 0;
    while (!dec.Decoded() && next < stream.size()) dec.AddRemoteSymbol(stream[next++]);
    if (!dec.Decoded()) {
      state.SkipWithError("not decoded");
      return;
    }
    used = dec.symbols_received();
  }
  state.SetItemsProcessed(state.iterations() * used);
  state.counters["symbols_per_diff"] = static_cast<double>(used) / static_cast<double>(d);
  state.counters["per_symbol"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * used,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RibltDecode)
    ->Args({1000, 0})
    ->Args({10000, 0})
    ->Args({1000, 100000})
    ->Args({10000, 100000})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dsim::engine
