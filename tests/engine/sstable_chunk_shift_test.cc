// One row inserted at the front of an SSTable: how many of its chunks change, fixed-size
// against content-defined. On raw bytes CDC resynchronises within a chunk or so of an insertion
// (chunker_test); an SSTable adds its own structure: data blocks close at a size threshold and
// each ends in a checksum, so an inserted row pushes the rows after it from block to block and
// changes every block until the block boundaries happen to line up again, and the index,
// filter and stats blocks change too. The test derives, from the two files' block layouts
// alone, which bytes of the new file differ from the old (every data block whose bytes are not
// a data block of the old file, and everything after the data blocks), and checks that CDC
// changes no chunk outside those regions but the few it needs to resynchronise after each, and
// that fixed-size chunking changes every chunk (each later byte moved by the row's size).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/chunker.h"
#include "engine/hash.h"
#include "engine/mem_disk.h"
#include "engine/partition.h"
#include "engine/sstable.h"
#include "engine/sstable_builder.h"
#include "engine/token.h"

namespace dsim::engine {
namespace {

std::string Build(const std::vector<Partition>& rows) {
  SSTableBuilder b(SSTableOptions{}, rows.size());
  for (const Partition& p : rows) b.Add(p);
  return b.Finish();
}

// 20,000 rows of 45-57 bytes, sorted, and the same with one row before all of them.
std::pair<std::string, std::string> Files() {
  std::vector<Partition> rows;
  for (int i = 0; i < 20000; ++i) {
    Partition p(absl::StrCat("k", i));
    p.Put("c0",
          Cell::Live(std::string(32 + (i * 7) % 13, static_cast<char>('a' + i % 26)), 1000 + i));
    rows.push_back(std::move(p));
  }
  std::sort(rows.begin(), rows.end(), [](const Partition& a, const Partition& b) {
    return PartitionKeyLess(a.token(), a.key(), b.token(), b.key());
  });
  std::vector<Partition> more = rows;
  for (int j = 0;; ++j) {
    Partition p(absl::StrCat("front", j));
    if (p.token() >= rows[0].token()) continue;
    p.Put("c0", Cell::Live(std::string(40, 'z'), 5));
    more.insert(more.begin(), std::move(p));
    break;
  }
  return {Build(rows), Build(more)};
}

// [begin, end) byte ranges of `file` holding data blocks.
std::vector<std::pair<uint64_t, uint64_t>> DataBlocks(const std::string& file) {
  MemDisk disk;
  EXPECT_TRUE(disk.Append("t.db", file).ok());
  absl::StatusOr<std::unique_ptr<SSTable>> t = SSTable::Open(&disk, "t.db");
  EXPECT_TRUE(t.ok()) << t.status();
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const SSTable::IndexEntry& e : (*t)->index()) out.push_back({e.offset, e.offset + e.size});
  return out;
}

size_t ChangedChunks(const std::string& before, const std::string& after, ChunkingKind kind,
                     std::vector<ChunkSpan>* spans) {
  ChunkingOptions o;
  o.kind = kind;
  const Chunker chunker(o);
  std::set<Digest128> old;
  for (const ChunkSpan& c : chunker.Split(before)) {
    old.insert(Hash128(std::string_view(before).substr(c.offset, c.length)));
  }
  *spans = chunker.Split(after);
  size_t changed = 0;
  for (const ChunkSpan& c : *spans) {
    changed += !old.contains(Hash128(std::string_view(after).substr(c.offset, c.length)));
  }
  return changed;
}

TEST(SSTableChunkShiftTest, FrontInsertChangesEveryFixedChunkAndCdcOnlyNearChangedBlocks) {
  const auto [before, after] = Files();
  // The changed regions of `after`, from the block layouts: data blocks whose bytes are no
  // data block of `before`, and the tail (index, filter, hll, stats, footer).
  std::set<Digest128> old_blocks;
  for (const auto& [b, e] : DataBlocks(before)) {
    old_blocks.insert(Hash128(std::string_view(before).substr(b, e - b)));
  }
  std::vector<std::pair<uint64_t, uint64_t>> changed;  // merged, in order
  const std::vector<std::pair<uint64_t, uint64_t>> blocks = DataBlocks(after);
  for (const auto& [b, e] : blocks) {
    if (old_blocks.contains(Hash128(std::string_view(after).substr(b, e - b)))) continue;
    if (!changed.empty() && changed.back().second == b) {
      changed.back().second = e;
    } else {
      changed.push_back({b, e});
    }
  }
  changed.push_back({blocks.back().second, after.size()});
  ASSERT_GE(changed.size(), 2u);

  std::vector<ChunkSpan> fixed, cdc;
  const size_t fixed_changed = ChangedChunks(before, after, ChunkingKind::kFixed, &fixed);
  EXPECT_EQ(fixed_changed, fixed.size());

  const size_t cdc_changed = ChangedChunks(before, after, ChunkingKind::kCdc, &cdc);
  // Bound: the chunks overlapping a changed region, plus 3 per region to resynchronise after
  // it (a boundary depends on where its chunk began).
  size_t overlapping = 0;
  for (const ChunkSpan& c : cdc) {
    overlapping += std::any_of(changed.begin(), changed.end(), [&](const auto& r) {
      return c.offset < r.second && r.first < c.end();
    });
  }
  EXPECT_LE(cdc_changed, overlapping + 3 * changed.size());
  EXPECT_GE(cdc_changed, overlapping / 2);  // the changed regions do show
  // As measured on this file (the README quotes it): 37 of 162 CDC chunks, all 190 fixed.
  EXPECT_EQ(cdc_changed, 37u);
  EXPECT_EQ(cdc.size(), 162u);
  EXPECT_EQ(fixed.size(), 190u);
}

}  // namespace
}  // namespace dsim::engine
