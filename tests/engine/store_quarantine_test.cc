// Store quarantine (store.h, "Corruption"): a byte flipped in an SSTable's data block is never
// served. Each case writes rounds of distinct keys, one SSTable per round, so what each key
// must read back is known exactly: its value, or (only for a key of a quarantined table)
// nothing. Every flipped table is detected and set aside exactly once.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "engine/sstable_format.h"
#include "engine/store.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

constexpr int kKeysPerTable = 100;

struct Written {
  std::unique_ptr<Store> store;
  std::map<std::string, size_t> table_of;  // key -> index of the SSTable holding it
};

// `tables` SSTables of kKeysPerTable distinct keys each ("t<i>-k<j>", value "v<i>-<j>").
Written Write(MemDisk* disk, int tables, int compaction_min_threshold = 32) {
  StoreOptions o;
  o.memtable_flush_threshold_bytes = 1 << 30;  // only the explicit flushes
  o.sstable_block_size_bytes = 512;
  o.compaction.min_threshold = compaction_min_threshold;
  Written w{*Store::Open(o, disk), {}};
  for (int t = 0; t < tables; ++t) {
    for (int k = 0; k < kKeysPerTable; ++k) {
      const std::string key = absl::StrCat("t", t, "-k", k);
      EXPECT_TRUE(w.store->Apply(Mutation::Put(key, "c", absl::StrCat("v", t, "-", k), 1), 1).ok());
      w.table_of[key] = static_cast<size_t>(t);
    }
    EXPECT_TRUE(w.store->Flush().ok());
  }
  EXPECT_EQ(w.store->sstables().size(), static_cast<size_t>(tables));
  return w;
}

std::string ValueOf(const Partition& p) { return p.cells().at("c").value; }
std::string Expected(const std::string& key) {
  // "t<i>-k<j>" -> "v<i>-<j>"
  return absl::StrCat("v", key.substr(1, key.find('-') - 1), "-", key.substr(key.find('k') + 1));
}

// Flips one byte inside data block `block` of SSTable `table`; returns the table's name.
std::string Corrupt(MemDisk* disk, const Store& store, size_t table, size_t block) {
  const SSTable& t = *store.sstables()[table];
  EXPECT_LT(block, t.index().size());
  const SSTable::IndexEntry& e = t.index()[block];
  EXPECT_TRUE(disk->FlipByte(t.name(), e.offset + e.size / 2, 0x10).ok());
  return t.name();
}

TEST(StoreQuarantineTest, AReadNeverServesACorruptBlock) {
  MemDisk disk;
  Written w = Write(&disk, 4);
  const SSTable& victim = *w.store->sstables()[1];
  const SSTableMetadata meta = victim.metadata();
  const std::string name = Corrupt(&disk, *w.store, 1, 0);
  uint64_t missing = 0;
  for (const auto& [key, table] : w.table_of) {
    absl::StatusOr<std::optional<Partition>> p = w.store->Read(key);
    ASSERT_TRUE(p.ok()) << p.status();
    if (p->has_value()) {
      EXPECT_EQ(ValueOf(**p), Expected(key)) << key;  // never a corrupted value
    } else {
      EXPECT_EQ(table, 1u) << key;  // only the quarantined table's keys go missing
      ++missing;
    }
  }
  EXPECT_GE(missing, 1u);
  EXPECT_EQ(w.store->stats().sstables_quarantined, 1u);
  EXPECT_EQ(w.store->sstables().size(), 3u);
  EXPECT_FALSE(disk.Exists(name));
  const std::vector<QuarantinedSSTable> q = w.store->TakeQuarantined();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].name, name);
  EXPECT_EQ(q[0].min_token, meta.min_token);
  EXPECT_EQ(q[0].max_token, meta.max_token);
  EXPECT_EQ(q[0].partition_count, static_cast<uint64_t>(kKeysPerTable));
  EXPECT_TRUE(w.store->TakeQuarantined().empty());
  // After the quarantine every key of the table reads as absent, the others as written.
  for (const auto& [key, table] : w.table_of) {
    absl::StatusOr<std::optional<Partition>> p = w.store->Read(key);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->has_value(), table != 1) << key;
  }
}

// A scan that meets a corrupt block resumes past the last partition it delivered: every
// partition of the intact tables once, in order, none twice, and never one of a corrupt block.
TEST(StoreQuarantineTest, AScanDeliversEveryIntactPartitionOnceInOrder) {
  MemDisk disk;
  Written w = Write(&disk, 5);
  std::set<std::string> corrupt_keys;  // the keys of the blocks flipped
  for (size_t t : {size_t{0}, size_t{3}}) {
    const SSTable& table = *w.store->sstables()[t];
    const size_t block = table.index().size() / 2;
    std::unique_ptr<PartitionIterator> it = table.NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const uint64_t tok = it->partition().token();
      const uint64_t lo = block == 0 ? 0 : table.index()[block - 1].last_token;
      if ((block == 0 || tok > lo) && tok <= table.index()[block].last_token) {
        corrupt_keys.insert(it->partition().key());
      }
    }
    Corrupt(&disk, *w.store, t, block);
  }
  ASSERT_FALSE(corrupt_keys.empty());
  std::vector<Partition> seen;
  ASSERT_TRUE(w.store
                  ->ForEachPartitionInRange(TokenRange::FullRing(),
                                            [&](const Partition& p) { seen.push_back(p); })
                  .ok());
  std::set<std::string> keys;
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_TRUE(keys.insert(seen[i].key()).second) << "twice: " << seen[i].key();
    EXPECT_EQ(ValueOf(seen[i]), Expected(seen[i].key()));
    EXPECT_FALSE(corrupt_keys.contains(seen[i].key())) << seen[i].key();
    if (i > 0) {
      EXPECT_TRUE(
          PartitionKeyLess(seen[i - 1].token(), seen[i - 1].key(), seen[i].token(), seen[i].key()));
    }
  }
  for (const auto& [key, table] : w.table_of) {
    if (table != 0 && table != 3) {
      EXPECT_TRUE(keys.contains(key)) << key;
    }
  }
  EXPECT_EQ(w.store->stats().sstables_quarantined, 2u);  // detected == injected
}

TEST(StoreQuarantineTest, ACompactionSetsTheCorruptInputAsideAndMergesTheRest) {
  MemDisk disk;
  Written w = Write(&disk, 4, /*compaction_min_threshold=*/2);
  const std::string name = Corrupt(&disk, *w.store, 2, 1);
  absl::StatusOr<std::optional<CompactionRecord>> r = w.store->MaybeCompact(10);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->input_sstables, 3u);
  for (const CompactionInput& in : (*r)->inputs) EXPECT_NE(in.name, name);
  EXPECT_EQ(w.store->stats().sstables_quarantined, 1u);
  ASSERT_EQ(w.store->sstables().size(), 1u);
  for (const auto& [key, table] : w.table_of) {
    absl::StatusOr<std::optional<Partition>> p = w.store->Read(key);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->has_value(), table != 2) << key;
  }
}

enum class Where { kDataBlock, kAnyByte };  // kAnyByte: any byte before the footer

// Flips one random bit in each of a random half of the store's tables, in a random data block
// or anywhere before the footer; returns the flipped tables' names.
std::set<std::string> FlipRandomHalf(SplitMix64* rng, MemDisk* disk, const Store& store,
                                     Where where) {
  std::set<std::string> flipped;
  for (const std::unique_ptr<SSTable>& table : store.sstables()) {
    if (rng->Below(2) == 0) continue;
    uint64_t offset = rng->Below(table->file_bytes() - sstable_format::kFooterBytes);
    if (where == Where::kDataBlock) {
      const SSTable::IndexEntry& e = table->index()[rng->Below(table->index().size())];
      offset = e.offset + rng->Below(e.size);
    }
    EXPECT_TRUE(
        disk->FlipByte(table->name(), offset, static_cast<uint8_t>(1u << rng->Below(8))).ok());
    flipped.insert(table->name());
  }
  return flipped;
}

// Random flips in a random half of 10 tables, each in a random data block: a full scan detects
// every one, and exactly those tables are quarantined. The store restarts without them.
TEST(StoreQuarantineTest, DetectedEqualsInjectedAndRecoveryLeavesThemOut) {
  SplitMix64 rng{77};
  for (int round = 0; round < 5; ++round) {
    MemDisk disk;
    Written w = Write(&disk, 10);
    const std::set<std::string> flipped = FlipRandomHalf(&rng, &disk, *w.store, Where::kDataBlock);
    ASSERT_TRUE(
        w.store->ForEachPartitionInRange(TokenRange::FullRing(), [](const Partition&) {}).ok());
    std::set<std::string> quarantined;
    for (const QuarantinedSSTable& q : w.store->TakeQuarantined()) quarantined.insert(q.name);
    EXPECT_EQ(quarantined, flipped) << "round " << round;
    EXPECT_EQ(w.store->stats().sstables_quarantined, flipped.size());
    w.store->Crash(CrashKind::kProcess);
    absl::StatusOr<RecoveryReport> report = w.store->Recover();
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->sstables_loaded, 10 - flipped.size());
    EXPECT_TRUE(report->corrupt_sstables.empty());
  }
}

// Verify (nodetool verify) reads every byte before each table's footer: flips anywhere in the
// data, index, filter, sketch or metadata of a random half of 10 tables are found by one
// Verify, exactly those tables are quarantined, a second Verify finds nothing, and every key
// of the other tables still reads its value.
TEST(StoreQuarantineTest, VerifyQuarantinesExactlyTheFlippedTablesWhereverTheByte) {
  SplitMix64 rng{91};
  for (int round = 0; round < 5; ++round) {
    MemDisk disk;
    Written w = Write(&disk, 10);
    std::vector<std::string> names;
    for (const std::unique_ptr<SSTable>& t : w.store->sstables()) names.push_back(t->name());
    const std::set<std::string> flipped = FlipRandomHalf(&rng, &disk, *w.store, Where::kAnyByte);
    const Store::VerifyReport report = w.store->Verify();
    EXPECT_EQ(report.sstables_checked, 10u);
    EXPECT_EQ(report.sstables_quarantined, flipped.size()) << "round " << round;
    std::set<std::string> quarantined;
    for (const QuarantinedSSTable& q : w.store->TakeQuarantined()) quarantined.insert(q.name);
    EXPECT_EQ(quarantined, flipped) << "round " << round;
    const Store::VerifyReport again = w.store->Verify();
    EXPECT_EQ(again.sstables_checked, 10u - flipped.size());
    EXPECT_EQ(again.sstables_quarantined, 0u);
    for (const auto& [key, table] : w.table_of) {
      absl::StatusOr<std::optional<Partition>> p = w.store->Read(key);
      ASSERT_TRUE(p.ok()) << p.status();
      if (flipped.count(names[table]) > 0) {
        EXPECT_FALSE(p->has_value()) << key;  // its only table was set aside
      } else {
        ASSERT_TRUE(p->has_value()) << key;
        EXPECT_EQ(ValueOf(**p), Expected(key));
      }
    }
    EXPECT_TRUE(w.store->TakeQuarantined().empty());  // the reads met nothing corrupt
  }
}

}  // namespace
}  // namespace dsim::engine
