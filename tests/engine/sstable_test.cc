#include "engine/sstable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "engine/sstable_builder.h"
#include "engine/sstable_format.h"
#include "engine/token.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

// `count` random partitions, sorted by (token, key).
std::vector<Partition> SortedPartitions(uint64_t seed, int count, const std::string& prefix = "k") {
  SplitMix64 rng{seed};
  std::vector<Partition> out;
  for (int i = 0; i < count; ++i) {
    Partition p(absl::StrCat(prefix, i));
    const int cells = 1 + static_cast<int>(rng.Next() % 4);
    for (int c = 0; c < cells; ++c) {
      const int64_t ts = static_cast<int64_t>(rng.Next() % 1'000'000);
      if (rng.Next() % 5 == 0) {
        p.Put(absl::StrCat("col", c), Cell::Tombstone(ts, ts + 7));
      } else {
        p.Put(absl::StrCat("col", c), Cell::Live(std::string(rng.Next() % 40, 'a' + c), ts));
      }
    }
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const Partition& a, const Partition& b) {
    return PartitionKeyLess(a.token(), a.key(), b.token(), b.key());
  });
  return out;
}

std::unique_ptr<SSTable> WriteTable(MemDisk* disk, const std::string& name,
                                    const std::vector<Partition>& parts,
                                    const SSTableOptions& options = {}) {
  SSTableBuilder b(options, parts.size());
  for (const Partition& p : parts) b.Add(p);
  EXPECT_TRUE(disk->Append(name, b.Finish()).ok());
  EXPECT_TRUE(disk->Sync(name).ok());
  absl::StatusOr<std::unique_ptr<SSTable>> t = SSTable::Open(disk, name);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : nullptr;
}

TEST(SSTableTest, RoundTripEveryPartitionAndMetadata) {
  MemDisk disk;
  const std::vector<Partition> parts = SortedPartitions(1, 3000);
  auto t = WriteTable(&disk, "t.db", parts);
  ASSERT_NE(t, nullptr);
  EXPECT_GT(t->index().size(), 10u);  // many data blocks

  // Point reads return every partition exactly.
  for (const Partition& p : parts) {
    EXPECT_TRUE(t->MayContain(p.token()));
    absl::StatusOr<std::optional<Partition>> got = t->Get(p.token(), p.key());
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value()) << p.key();
    EXPECT_EQ(**got, p);
  }
  // Absent keys are absent.
  for (int i = 0; i < 500; ++i) {
    const std::string key = absl::StrCat("absent", i);
    absl::StatusOr<std::optional<Partition>> got = t->Get(Token(key), key);
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->has_value());
  }
  // A full scan returns them all, in order.
  auto it = t->NewIterator();
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    ASSERT_LT(n, parts.size());
    EXPECT_EQ(it->partition(), parts[n]);
  }
  EXPECT_TRUE(it->status().ok());
  EXPECT_EQ(n, parts.size());

  // Metadata, computed here independently.
  const SSTableMetadata& md = t->metadata();
  uint64_t cells = 0, tombstones = 0;
  int64_t min_ts = parts[0].MinTimestampUs(), max_ts = parts[0].MaxTimestampUs();
  for (const Partition& p : parts) {
    cells += p.cell_count();
    for (const auto& [name, c] : p.cells()) tombstones += c.tombstone ? 1 : 0;
    min_ts = std::min(min_ts, p.MinTimestampUs());
    max_ts = std::max(max_ts, p.MaxTimestampUs());
  }
  EXPECT_EQ(md.partition_count, parts.size());
  EXPECT_EQ(md.cell_count, cells);
  EXPECT_EQ(md.tombstone_count, tombstones);
  EXPECT_EQ(md.min_timestamp_us, min_ts);
  EXPECT_EQ(md.max_timestamp_us, max_ts);
  EXPECT_EQ(md.min_token, parts.front().token());
  EXPECT_EQ(md.max_token, parts.back().token());
  EXPECT_EQ(md.file_bytes, *disk.Size("t.db"));
  std::string file;
  ASSERT_TRUE(disk.Read("t.db", 0, md.file_bytes, &file).ok());
  EXPECT_EQ(md.content_digest, Hash128(std::string_view(file).substr(0, file.size() - 96)));
  EXPECT_TRUE(t->VerifyContentDigest().ok());
  EXPECT_EQ(t->bloom().inserted_count(), parts.size());
  EXPECT_NEAR(t->hll().Estimate(), 3000, 3000 * 0.05);
}

TEST(SSTableTest, SeekPositionsAtFirstTokenAtOrAfter) {
  MemDisk disk;
  const std::vector<Partition> parts = SortedPartitions(2, 800);
  auto t = WriteTable(&disk, "t.db", parts, {.block_size_bytes = 256});
  auto it = t->NewIterator();
  for (size_t i = 0; i < parts.size(); i += 7) {
    it->Seek(parts[i].token());
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->partition(), parts[i]);
    it->Seek(parts[i].token() + 1);
    if (i + 1 < parts.size()) {
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(it->partition(), parts[i + 1]);
    } else {
      EXPECT_FALSE(it->Valid());
    }
  }
  it->Seek(0);
  EXPECT_EQ(it->partition(), parts[0]);
}

// Reads every partition both ways; returns the number of partitions read back wrongly (which
// must always be 0) and whether any read reported corruption.
struct ReadOutcome {
  int wrong = 0;
  bool corruption = false;
};
ReadOutcome ReadAll(const SSTable& t, const std::vector<Partition>& parts) {
  ReadOutcome out;
  for (const Partition& p : parts) {
    absl::StatusOr<std::optional<Partition>> got = t.Get(p.token(), p.key());
    if (!got.ok()) {
      EXPECT_TRUE(absl::IsDataLoss(got.status())) << got.status();
      out.corruption = true;
    } else if (!got->has_value() || **got != p) {
      ++out.wrong;
    }
  }
  auto it = t.NewIterator();
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    if (n >= parts.size() || it->partition() != parts[n]) ++out.wrong;
  }
  if (!it->status().ok()) {
    EXPECT_TRUE(absl::IsDataLoss(it->status()));
    out.corruption = true;
  }
  return out;
}

// A flipped byte at every single position of the data blocks (payloads and checksums) is
// reported as corruption, and no read ever returns wrong data.
TEST(SSTableTest, FlippedByteAnywhereInADataBlockIsCorruption) {
  MemDisk disk;
  const std::vector<Partition> parts = SortedPartitions(3, 60);
  auto t = WriteTable(&disk, "t.db", parts, {.block_size_bytes = 512});
  ASSERT_NE(t, nullptr);
  const uint64_t data_bytes = t->metadata().data_bytes;
  ASSERT_GT(t->index().size(), 2u);
  for (uint64_t offset = 0; offset < data_bytes; ++offset) {
    const uint8_t mask = static_cast<uint8_t>(1u << (offset % 8));
    ASSERT_TRUE(disk.FlipByte("t.db", offset, mask).ok());
    const ReadOutcome out = ReadAll(*t, parts);
    EXPECT_EQ(out.wrong, 0) << "offset " << offset;
    EXPECT_TRUE(out.corruption) << "offset " << offset;
    ASSERT_TRUE(disk.FlipByte("t.db", offset, mask).ok());  // restore
  }
  const ReadOutcome clean = ReadAll(*t, parts);
  EXPECT_FALSE(clean.corruption);
  EXPECT_EQ(clean.wrong, 0);
}

// A flipped byte in the index, filter, hll, stats block or footer fails Open.
TEST(SSTableTest, FlippedByteInMetadataFailsOpen) {
  MemDisk disk;
  const std::vector<Partition> parts = SortedPartitions(4, 100);
  auto t = WriteTable(&disk, "t.db", parts);
  const uint64_t data_bytes = t->metadata().data_bytes;
  const uint64_t size = t->file_bytes();
  for (uint64_t offset = data_bytes; offset < size; ++offset) {
    ASSERT_TRUE(disk.FlipByte("t.db", offset, 0x80).ok());
    absl::StatusOr<std::unique_ptr<SSTable>> reopened = SSTable::Open(&disk, "t.db");
    EXPECT_TRUE(absl::IsDataLoss(reopened.status())) << "offset " << offset;
    ASSERT_TRUE(disk.FlipByte("t.db", offset, 0x80).ok());
  }
  ASSERT_TRUE(disk.Truncate("t.db", size - 1).ok());
  EXPECT_FALSE(SSTable::Open(&disk, "t.db").ok());
}

TEST(SSTableTest, ContentDigestDetectsDataCorruption) {
  MemDisk disk;
  auto t = WriteTable(&disk, "t.db", SortedPartitions(5, 50));
  ASSERT_TRUE(t->VerifyContentDigest().ok());
  ASSERT_TRUE(disk.FlipByte("t.db", 10).ok());
  EXPECT_TRUE(absl::IsDataLoss(t->VerifyContentDigest()));
}

TEST(SSTableTest, SameContentSameBytes) {
  MemDisk a, b;
  const std::vector<Partition> parts = SortedPartitions(6, 500);
  auto ta = WriteTable(&a, "x.db", parts);
  auto tb = WriteTable(&b, "y.db", parts);
  EXPECT_EQ(ta->metadata().content_digest, tb->metadata().content_digest);
}

TEST(SSTableTest, LargePartitionMakesItsOwnBlock) {
  MemDisk disk;
  Partition big("big");
  for (int c = 0; c < 200; ++c) big.Put(absl::StrCat("c", c), Cell::Live(std::string(100, 'x'), c));
  std::vector<Partition> parts = SortedPartitions(7, 20);
  parts.push_back(big);
  std::sort(parts.begin(), parts.end(), [](const Partition& x, const Partition& y) {
    return PartitionKeyLess(x.token(), x.key(), y.token(), y.key());
  });
  auto t = WriteTable(&disk, "t.db", parts, {.block_size_bytes = 1024});
  absl::StatusOr<std::optional<Partition>> got = t->Get(big.token(), "big");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, big);
}

}  // namespace
}  // namespace dsim::engine
