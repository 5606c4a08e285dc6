// Compaction throughput (MB/s of input SSTable bytes): four overlapping tables merged into one.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/compaction.h"
#include "engine/mem_disk.h"
#include "engine/sstable_builder.h"

namespace dsim::engine {
namespace {

void BM_Compaction(benchmark::State& state) {
  const int per_table = static_cast<int>(state.range(0));
  MemDisk disk;
  std::vector<std::unique_ptr<SSTable>> tables;
  for (int t = 0; t < 4; ++t) {
    std::vector<Partition> parts;
    // Half of each table's keys overlap with the next table.
    for (int i = t * per_table / 2; i < t * per_table / 2 + per_table; ++i) {
      Partition p(absl::StrCat("key", i));
      for (int c = 0; c < 3; ++c) {
        p.Put(absl::StrCat("col", c), Cell::Live(std::string(100, static_cast<char>('a' + t)), t));
      }
      parts.push_back(std::move(p));
    }
    std::sort(parts.begin(), parts.end(), [](const Partition& a, const Partition& b) {
      return PartitionKeyLess(a.token(), a.key(), b.token(), b.key());
    });
    SSTableBuilder b({}, parts.size());
    for (const Partition& p : parts) b.Add(p);
    const std::string name = absl::StrCat("t", t, ".db");
    if (!disk.Append(name, b.Finish()).ok()) state.SkipWithError("append failed");
    tables.push_back(*SSTable::Open(&disk, name));
  }
  std::vector<const SSTable*> inputs;
  int64_t input_bytes = 0;
  for (const auto& t : tables) {
    inputs.push_back(t.get());
    input_bytes += static_cast<int64_t>(t->file_bytes());
  }
  for (auto _ : state) {
    absl::StatusOr<CompactionOutput> out = CompactSSTables(
        inputs, 0, 0, {}, [](const Partition&) { return std::numeric_limits<int64_t>::max(); });
    benchmark::DoNotOptimize(out->record.output_bytes);
  }
  state.SetBytesProcessed(state.iterations() * input_bytes);
}
BENCHMARK(BM_Compaction)->Arg(20000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dsim::engine
