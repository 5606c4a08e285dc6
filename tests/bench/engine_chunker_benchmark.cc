// Chunking throughput (MB/s via SetBytesProcessed) on random buffers of 1, 4 and 8 MiB.
//
// Fixed/<MiB>: fixed-size 8 KiB chunks (span arithmetic only: the floor of any chunker).
// FixedAndAddress/<MiB>, CdcAndAddress/<MiB>: the same plus the XXH3-128 address of every chunk
// (what building an SSTable's DAG costs before the tree).
// Cdc/<MiB>: FastCDC with the defaults (2 KiB / 8 KiB / 64 KiB, level 2): one Gear step per byte
// past each chunk's first 2 KiB.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/chunk_store.h"
#include "engine/chunker.h"
#include "engine/coding.h"

namespace dsim::engine {
namespace {

std::string RandomBuffer(uint64_t bytes) {
  std::string s;
  s.reserve(bytes + 8);
  uint64_t x = 0x243f6a8885a308d3ULL;
  while (s.size() < bytes) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    PutFixed64(&s, z ^ (z >> 31));
  }
  s.resize(bytes);
  return s;
}

void RunChunker(benchmark::State& state, const ChunkingOptions& options, bool address) {
  const std::string data = RandomBuffer(static_cast<uint64_t>(state.range(0)) << 20);
  const Chunker chunker(options);
  size_t chunks = 0;
  for (auto _ : state) {
    const std::vector<ChunkSpan> spans = chunker.Split(data);
    chunks = spans.size();
    if (address) {
      for (const ChunkSpan& s : spans) {
        benchmark::DoNotOptimize(ChunkAddressOf(std::string_view(data).substr(s.offset, s.length)));
      }
    }
    benchmark::DoNotOptimize(spans.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.counters["chunks"] = static_cast<double>(chunks);
}

void BM_ChunkFixed(benchmark::State& state) {
  ChunkingOptions o;
  o.kind = ChunkingKind::kFixed;
  RunChunker(state, o, false);
}
BENCHMARK(BM_ChunkFixed)->Arg(1)->Arg(4)->Arg(8);

void BM_ChunkFixedAndAddress(benchmark::State& state) {
  ChunkingOptions o;
  o.kind = ChunkingKind::kFixed;
  RunChunker(state, o, true);
}
BENCHMARK(BM_ChunkFixedAndAddress)->Arg(1)->Arg(4)->Arg(8);

void BM_ChunkCdc(benchmark::State& state) { RunChunker(state, ChunkingOptions{}, false); }
BENCHMARK(BM_ChunkCdc)->Arg(1)->Arg(4)->Arg(8);

void BM_ChunkCdcAndAddress(benchmark::State& state) { RunChunker(state, ChunkingOptions{}, true); }
BENCHMARK(BM_ChunkCdcAndAddress)->Arg(1)->Arg(4)->Arg(8);

}  // namespace
}  // namespace dsim::engine
