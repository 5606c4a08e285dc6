// SSTable build (MB/s of file written) and point lookups.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "engine/sstable.h"
#include "engine/sstable_builder.h"

namespace dsim::engine {
namespace {

std::vector<Partition> SortedPartitions(int n) {
  std::vector<Partition> out;
  for (int i = 0; i < n; ++i) {
    Partition p(absl::StrCat("key", i));
    for (int c = 0; c < 3; ++c) p.Put(absl::StrCat("col", c), Cell::Live(std::string(100, 'v'), i));
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const Partition& a, const Partition& b) {
    return PartitionKeyLess(a.token(), a.key(), b.token(), b.key());
  });
  return out;
}

void BM_SSTableBuild(benchmark::State& state) {
  const std::vector<Partition> parts = SortedPartitions(static_cast<int>(state.range(0)));
  int64_t bytes = 0;
  for (auto _ : state) {
    SSTableBuilder b({}, parts.size());
    for (const Partition& p : parts) b.Add(p);
    const std::string file = b.Finish();
    bytes += static_cast<int64_t>(file.size());
    benchmark::DoNotOptimize(file.data());
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SSTableBuild)->Arg(10000);

void BM_SSTableGet(benchmark::State& state) {
  const std::vector<Partition> parts = SortedPartitions(10000);
  MemDisk disk;
  SSTableBuilder b({}, parts.size());
  for (const Partition& p : parts) b.Add(p);
  if (!disk.Append("t.db", b.Finish()).ok()) state.SkipWithError("append failed");
  auto table = *SSTable::Open(&disk, "t.db");
  size_t i = 0;
  for (auto _ : state) {
    const Partition& p = parts[i];
    benchmark::DoNotOptimize(table->Get(p.token(), p.key()));
    i = (i + 7919) % parts.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SSTableGet);

}  // namespace
}  // namespace dsim::engine
