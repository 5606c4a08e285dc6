// MerkleDag: tree build per chunk (from chunk references: leaf, parent and root hashes), proof
// generation per chunk, and verification per chunk (including the XXH3-128 of its 8 KiB of
// bytes, which a receiver must compute anyway).
//
// Build/<chunks>, Prove/<chunks>, Verify/<chunks>: a DAG of <chunks> chunks of 8 KiB (128 = a
// 1 MiB SSTable, 16384 = 128 MiB, 1000 not a power of two: several full roots).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/merkle_dag.h"
#include "tests/bench/bench_util.h"

namespace dsim::engine {
namespace {

constexpr uint64_t kChunkBytes = 8192;

std::vector<ChunkRef> Refs(uint64_t n) {
  std::vector<ChunkRef> refs;
  for (uint64_t i = 0; i < n; ++i)
    refs.push_back(ChunkRef{Digest128{Mix(i), Mix(~i)}, kChunkBytes});
  return refs;
}

void PerChunk(benchmark::State& state, uint64_t per_iteration) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * per_iteration));
  state.counters["per_chunk"] =
      benchmark::Counter(static_cast<double>(state.iterations() * per_iteration),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_DagBuild(benchmark::State& state) {
  const std::vector<ChunkRef> refs = Refs(state.range(0));
  for (auto _ : state) {
    MerkleDag dag{std::vector<ChunkRef>(refs)};
    benchmark::DoNotOptimize(dag.root());
  }
  PerChunk(state, refs.size());
}
BENCHMARK(BM_DagBuild)->Arg(128)->Arg(1000)->Arg(16384);

void BM_DagProve(benchmark::State& state) {
  const MerkleDag dag(Refs(state.range(0)));
  uint64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dag.Prove(i));
    i = i + 1 == dag.chunk_count() ? 0 : i + 1;
  }
  PerChunk(state, 1);
}
BENCHMARK(BM_DagProve)->Arg(128)->Arg(1000)->Arg(16384);

void BM_DagVerify(benchmark::State& state) {
  // Real chunk bytes, so the leaf is checked against the chunk's own address.
  const uint64_t n = state.range(0);
  std::vector<std::string> chunks;
  std::vector<ChunkRef> refs;
  for (uint64_t i = 0; i < n; ++i) {
    std::string c(kChunkBytes, '\0');
    for (uint64_t w = 0; w < kChunkBytes / 8; ++w) {
      const uint64_t v = Mix(i * kChunkBytes + w);
      for (int b = 0; b < 8; ++b) c[8 * w + b] = static_cast<char>(v >> (8 * b));
    }
    refs.push_back(ChunkRef{ChunkAddressOf(c), c.size()});
    chunks.push_back(std::move(c));
  }
  const MerkleDag dag(std::move(refs));
  std::vector<DagProof> proofs;
  for (uint64_t i = 0; i < n; ++i) proofs.push_back(dag.Prove(i));
  uint64_t i = 0;
  for (auto _ : state) {
    if (!MerkleDag::Verify(dag.root(), i, chunks[i], proofs[i])) {
      state.SkipWithError("proof did not verify");
      return;
    }
    i = i + 1 == n ? 0 : i + 1;
  }
  PerChunk(state, 1);
  state.counters["proof_bytes"] = static_cast<double>(proofs[0].SerializedBytes());
}
BENCHMARK(BM_DagVerify)->Arg(128)->Arg(1000)->Arg(16384);

}  // namespace
}  // namespace dsim::engine
