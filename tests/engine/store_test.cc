#include "engine/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

// The reference model: every mutation merged into a map, independent of the store.
using Model = std::map<std::string, Partition>;

Mutation RandomMutation(SplitMix64& rng, int keys, int64_t now) {
  const std::string key = absl::StrCat("key", rng.Below(keys));
  const std::string col = absl::StrCat("c", rng.Below(4));
  // Timestamps jitter around now, so later writes do not always win (as under clock skew).
  const int64_t ts = now - static_cast<int64_t>(rng.Below(50));
  if (rng.Below(5) == 0) return Mutation::Delete(key, col, ts, now);
  return Mutation::Put(key, col, absl::StrCat("v", rng.Below(1000)), ts);
}

void ApplyToModel(Model* m, const Mutation& mu) {
  m->try_emplace(mu.key(), Partition(mu.key())).first->second.MergeFrom(mu.partition);
}

std::vector<Partition> SortedModel(const Model& m) {
  std::vector<Partition> out;
  for (const auto& [k, p] : m) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const Partition& a, const Partition& b) {
    return PartitionKeyLess(a.token(), a.key(), b.token(), b.key());
  });
  return out;
}

StoreOptions SmallOptions() {
  StoreOptions o;
  o.memtable_flush_threshold_bytes = 8 << 10;  // flush every few hundred writes
  o.sstable_block_size_bytes = 512;
  return o;
}

// Reads return the CRDT merge across the memtable and several SSTables.
TEST(StoreTest, ReadsMergeMemtableAndSeveralSSTables) {
  MemDisk disk;
  auto store = *Store::Open(SmallOptions(), &disk);
  SplitMix64 rng{41};
  Model model;
  for (int i = 0; i < 3000; ++i) {
    const Mutation m = RandomMutation(rng, 400, 1000 + i);
    ApplyToModel(&model, m);
    ASSERT_TRUE(store->Apply(m, 1000 + i).ok());
  }
  ASSERT_GE(store->sstables().size(), 4u);
  ASSERT_FALSE(store->memtable().empty());
  int multi_source = 0;
  for (int k = 0; k < 450; ++k) {
    const std::string key = absl::StrCat("key", k);
    ReadStats rs;
    absl::StatusOr<std::optional<Partition>> got = store->Read(key, &rs);
    ASSERT_TRUE(got.ok()) << got.status();
    auto it = model.find(key);
    ASSERT_EQ(got->has_value(), it != model.end()) << key;
    if (it != model.end()) {
      EXPECT_EQ(**got, it->second) << key;
    }
    EXPECT_EQ(rs.sstables_consulted, rs.bloom_true_positives + rs.bloom_false_positives);
    EXPECT_EQ(rs.sstables_consulted + rs.bloom_true_negatives, store->sstables().size());
    multi_source += (rs.bloom_true_positives + (rs.memtable_hit ? 1 : 0)) >= 3;
  }
  EXPECT_GT(multi_source, 100);  // the merge really spans several sources
  EXPECT_EQ(store->stats().reads, 450u);
}

TEST(StoreTest, RangeScanIsTheMergedViewInRingOrder) {
  MemDisk disk;
  auto store = *Store::Open(SmallOptions(), &disk);
  SplitMix64 rng{42};
  Model model;
  for (int i = 0; i < 2000; ++i) {
    const Mutation m = RandomMutation(rng, 500, i);
    ApplyToModel(&model, m);
    ASSERT_TRUE(store->Apply(m, i).ok());
  }
  const std::vector<Partition> sorted = SortedModel(model);
  std::vector<Partition> scanned;
  ASSERT_TRUE(store
                  ->ForEachPartitionInRange(TokenRange::FullRing(),
                                            [&](const Partition& p) { scanned.push_back(p); })
                  .ok());
  // Full ring cut at 0: (0, 0] starts at token 1 and ends with token 0; no key has token 0.
  EXPECT_EQ(scanned, sorted);

  // A wrapping range: ring order from just after begin.
  const uint64_t begin = sorted[sorted.size() * 3 / 4].token();
  const uint64_t end = sorted[sorted.size() / 4].token();
  std::vector<Partition> expected;
  for (const Partition& p : sorted) {
    if (p.token() > begin) expected.push_back(p);
  }
  for (const Partition& p : sorted) {
    if (p.token() <= end) expected.push_back(p);
  }
  scanned.clear();
  ASSERT_TRUE(store
                  ->ForEachPartitionInRange(TokenRange(begin, end),
                                            [&](const Partition& p) { scanned.push_back(p); })
                  .ok());
  EXPECT_EQ(scanned, expected);
}

TEST(StoreTest, MerkleTreeOfTheStoreMatchesTheModel) {
  MemDisk disk_a, disk_b;
  auto a = *Store::Open(SmallOptions(), &disk_a);
  StoreOptions big = SmallOptions();
  big.memtable_flush_threshold_bytes = 1 << 30;  // b keeps everything in its memtable
  auto b = *Store::Open(big, &disk_b);
  SplitMix64 rng{43};
  Model model;
  for (int i = 0; i < 2000; ++i) {
    const Mutation m = RandomMutation(rng, 500, i);
    ApplyToModel(&model, m);
    ASSERT_TRUE(a->Apply(m, i).ok());
    ASSERT_TRUE(b->Apply(m, i).ok());
  }
  const int depth = a->MerkleDepthForRange(TokenRange::FullRing());
  EXPECT_EQ(depth, MerkleDepthFor(static_cast<uint64_t>(
                       std::llround(a->EstimatePartitions(TokenRange::FullRing())))));
  EXPECT_NEAR(a->EstimatePartitions(TokenRange::FullRing()), static_cast<double>(model.size()),
              0.05 * static_cast<double>(model.size()));
  absl::StatusOr<MerkleTree> ta = a->BuildMerkleTree(TokenRange::FullRing(), 8);
  absl::StatusOr<MerkleTree> tb = b->BuildMerkleTree(TokenRange::FullRing(), 8);
  ASSERT_TRUE(ta.ok() && tb.ok());
  MerkleTree reference(TokenRange::FullRing(), 8);
  for (const auto& [k, p] : model) reference.Add(p.token(), p.Digest());
  reference.Finalize();
  EXPECT_EQ(ta->root(), reference.root());
  EXPECT_EQ(tb->root(), reference.root());

  // One more write on a only: exactly its leaf differs.
  const Mutation extra = Mutation::Put("key7", "c0", "zzz", 1'000'000);
  ASSERT_TRUE(a->Apply(extra, 1'000'000).ok());
  ta = a->BuildMerkleTree(TokenRange::FullRing(), 8);
  const std::vector<TokenRange> diff = MerkleTree::Difference(*ta, *tb);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_TRUE(diff[0].Contains(Token("key7")));
}

TEST(StoreTest, IngestedPartitionsLandAsOneSSTable) {
  MemDisk disk;
  auto store = *Store::Open(SmallOptions(), &disk);
  ASSERT_TRUE(store->Apply(Mutation::Put("a", "c", "old", 1), 1).ok());
  std::vector<Partition> streamed;
  Partition a("a"), b("b"), b2("b");
  a.Put("c", Cell::Live("new", 2));
  b.Put("x", Cell::Live("1", 1));
  b2.Put("y", Cell::Tombstone(3, 3));
  streamed = {b, a, b2, Partition("empty")};
  const size_t before = store->sstables().size();
  ASSERT_TRUE(store->IngestPartitions(streamed).ok());
  EXPECT_EQ(store->sstables().size(), before + 1);
  EXPECT_EQ(store->sstables().back()->metadata().partition_count, 2u);
  EXPECT_EQ((*store->Read("a"))->cells().at("c"), Cell::Live("new", 2));
  const Partition got_b = **store->Read("b");
  EXPECT_EQ(got_b.cell_count(), 2u);
  EXPECT_TRUE(got_b.cells().at("y").tombstone);
  EXPECT_EQ(store->stats().partitions_ingested, 2u);
  // Ingested data is durable.
  store->Crash(CrashKind::kPowerLoss);
  ASSERT_TRUE(store->Recover().ok());
  EXPECT_EQ((*store->Read("b"))->cell_count(), 2u);
}

TEST(StoreTest, SizeTieredCompactionThroughTheStore) {
  MemDisk disk;
  StoreOptions o = SmallOptions();
  auto store = *Store::Open(o, &disk);
  SplitMix64 rng{44};
  Model model;
  int i = 0;
  while (store->sstables().size() < 4) {
    const Mutation m = RandomMutation(rng, 300, ++i);
    ApplyToModel(&model, m);
    ASSERT_TRUE(store->Apply(m, i).ok());
  }
  absl::StatusOr<std::optional<CompactionRecord>> r = store->MaybeCompact(i);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->input_sstables, 4u);
  EXPECT_EQ(store->sstables().size(), 1u);
  EXPECT_EQ(store->stats().compactions, 1u);
  EXPECT_EQ(store->stats().compaction_history.size(), 1u);
  EXPECT_EQ((*r)->output_partitions, store->sstables()[0]->metadata().partition_count);
  EXPECT_NEAR((*r)->hll_estimate, static_cast<double>((*r)->merged_partitions),
              0.05 * static_cast<double>((*r)->merged_partitions));
  // Only the compacted files remain on disk (plus the commit log).
  int sstable_files = 0;
  for (const std::string& name : disk.List()) sstable_files += name.rfind("sstable-", 0) == 0;
  EXPECT_EQ(sstable_files, 1);
  for (const auto& [key, p] : model) EXPECT_EQ(**store->Read(key), p);
  // Nothing more to do.
  r = store->MaybeCompact(i);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

// Through the store, a tombstone past gc_grace is purged by a compaction of everything, but
// kept while the shadowed data sits in an SSTable outside the compaction.
TEST(StoreTest, TombstonePurgeRespectsGcGraceAndOverlaps) {
  MemDisk disk;
  StoreOptions o = SmallOptions();
  o.memtable_flush_threshold_bytes = 1 << 20;  // flush only when asked
  o.gc_grace_us = 1000;
  o.compaction.min_threshold = 2;
  o.compaction.min_sstable_size_bytes = 0;  // size buckets only
  auto store = *Store::Open(o, &disk);
  // A big old table holding the live value.
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(
        store->Apply(Mutation::Put(absl::StrCat("filler", i), "c", std::string(20, 'x'), 1), 1)
            .ok());
  }
  ASSERT_TRUE(store->Apply(Mutation::Put("victim", "c", "alive", 5), 5).ok());
  ASSERT_TRUE(store->Flush().ok());
  // Two small tables: the tombstone and some noise.
  ASSERT_TRUE(store->Apply(Mutation::Delete("victim", "c", 10, 100), 100).ok());
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->Apply(Mutation::Put("noise", "c", "n", 11), 100).ok());
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_EQ(store->sstables().size(), 3u);
  // Past gc_grace, the two small tables compact; the big one may hold older "victim" data.
  absl::StatusOr<std::optional<CompactionRecord>> r = store->MaybeCompact(5000);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->input_sstables, 2u);
  EXPECT_EQ((*r)->tombstones_purged, 0u);
  EXPECT_TRUE((*store->Read("victim"))->cells().at("c").tombstone);  // no resurrection
  // A major compaction includes everything: now the tombstone and the data both go.
  absl::StatusOr<std::vector<CompactionRecord>> all = store->CompactAll(5000);
  ASSERT_TRUE(all.ok() && all->size() == 1);
  EXPECT_EQ((*all)[0].tombstones_purged, 1u);
  EXPECT_FALSE((*store->Read("victim")).has_value());
  // Not yet past gc_grace (local deletion 6000, now 6500): kept.
  ASSERT_TRUE(store->Apply(Mutation::Delete("noise", "c", 12, 6000), 6000).ok());
  ASSERT_TRUE(store->Flush().ok());
  all = store->CompactAll(7000);  // 6000 < 7000 - 1000 is false: exactly at the boundary
  ASSERT_TRUE(all.ok() && all->size() == 1);
  EXPECT_EQ((*all)[0].tombstones_purged, 0u);
  all = store->CompactAll(7001);
  ASSERT_TRUE(all.ok() && all->size() == 1);
  EXPECT_EQ((*all)[0].tombstones_purged, 1u);
  EXPECT_FALSE((*store->Read("noise")).has_value());
}

// MaybeCompact's record names the tables it merged (the ones that left the store) and the
// cells it purged; the history keeps the record without the per-cell lists.
TEST(StoreTest, CompactionRecordNamesInputsAndPurgedCells) {
  MemDisk disk;
  StoreOptions o = SmallOptions();
  o.memtable_flush_threshold_bytes = 1 << 20;  // flush only when asked
  o.gc_grace_us = 1000;
  auto store = *Store::Open(o, &disk);
  for (int t = 0; t < 4; ++t) {
    ASSERT_TRUE(store->Apply(Mutation::Put(absl::StrCat("k", t), "c", "v", 1), 1).ok());
    ASSERT_TRUE(store->Apply(Mutation::Delete("gone", absl::StrCat("c", t), 2, 10), 10).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  std::vector<std::string> before;
  for (const auto& t : store->sstables()) before.push_back(t->name());
  absl::StatusOr<std::optional<CompactionRecord>> r = store->MaybeCompact(5000);
  ASSERT_TRUE(r.ok() && r->has_value());
  std::vector<std::string> inputs;
  for (const CompactionInput& in : (*r)->inputs) {
    inputs.push_back(in.name);
    EXPECT_EQ(in.tombstones, 1u);
  }
  std::sort(inputs.begin(), inputs.end());
  EXPECT_EQ(inputs, before);
  ASSERT_EQ((*r)->purged_cells.size(), 4u);
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ((*r)->purged_cells[c],
              (PurgedCell{"gone", absl::StrCat("c", c), Cell::Tombstone(2, 10)}));
  }
  EXPECT_EQ((*r)->expired_tombstone_keys, std::vector<std::string>{"gone"});
  ASSERT_EQ(store->stats().compaction_history.size(), 1u);
  const CompactionRecord& kept = store->stats().compaction_history[0];
  EXPECT_EQ(kept.tombstones_purged, 4u);
  EXPECT_EQ(kept.inputs, (*r)->inputs);
  EXPECT_TRUE(kept.purged_cells.empty());
  EXPECT_TRUE(kept.expired_tombstone_keys.empty());
}

// A corrupt data block is never served: the read that meets it quarantines the table (see
// store_quarantine_test.cc) and answers from the rest. A corrupt footer is found at recovery.
TEST(StoreTest, CorruptSSTableIsQuarantinedOnReadAndReportedOnRecovery) {
  MemDisk disk;
  auto store = *Store::Open(SmallOptions(), &disk);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store->Apply(Mutation::Put(absl::StrCat("k", i), "c", "v", i), i).ok());
  }
  ASSERT_TRUE(store->Flush().ok());
  const std::string name = store->sstables().back()->name();
  ASSERT_TRUE(disk.FlipByte(name, 3).ok());  // inside the first data block
  int missing = 0;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<std::optional<Partition>> got = store->Read(absl::StrCat("k", i));
    ASSERT_TRUE(got.ok()) << got.status();
    if (!got->has_value()) {
      ++missing;
      continue;
    }
    EXPECT_EQ((*got)->cells().at("c"), Cell::Live("v", i));
  }
  EXPECT_GE(missing, 1);
  EXPECT_EQ(store->stats().sstables_quarantined, 1u);
  EXPECT_TRUE(store->sstables().empty());
  EXPECT_FALSE(disk.Exists(name));
  // A corrupt footer is reported by recovery and the table left out.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store->Apply(Mutation::Put(absl::StrCat("k", i), "c", "w", i), i).ok());
  }
  ASSERT_TRUE(store->Flush().ok());
  const std::string second = store->sstables().back()->name();
  ASSERT_TRUE(disk.FlipByte(second, *disk.Size(second) - 1).ok());
  store->Crash(CrashKind::kPowerLoss);
  absl::StatusOr<RecoveryReport> report = store->Recover();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->corrupt_sstables, std::vector<std::string>{second});
  EXPECT_TRUE(store->sstables().empty());
}

// Bloom statistics on the read path: reads of absent keys query every filter once, so the
// observed FP rate estimates the mean theoretical rate; 20,000 absent reads over 6 tables
// give 120,000 filter queries, a binomial sigma of sqrt(p / 120000) ~ 0.03 points at p = 1%.
TEST(StoreTest, BloomStatisticsOnTheReadPath) {
  MemDisk disk;
  StoreOptions o = SmallOptions();
  o.memtable_flush_threshold_bytes = 64 << 10;
  auto store = *Store::Open(o, &disk);
  for (int i = 0; i < 12000; ++i) {
    ASSERT_TRUE(store->Apply(Mutation::Put(absl::StrCat("k", i), "c", "value", i), i).ok());
  }
  ASSERT_TRUE(store->Flush().ok());
  const size_t tables = store->sstables().size();
  ASSERT_GE(tables, 4u);
  EXPECT_EQ(store->bloom_fp_chance(), 0.01);
  double mean = 0;
  for (const auto& t : store->sstables()) mean += t->bloom().TheoreticalFpRate();
  mean /= static_cast<double>(tables);
  EXPECT_DOUBLE_EQ(store->BloomTheoreticalFpRate(), mean);
  constexpr int kReads = 20000;
  for (int i = 0; i < kReads; ++i) {
    absl::StatusOr<std::optional<Partition>> got = store->Read(absl::StrCat("absent", i));
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->has_value());
  }
  const StoreStats& s = store->stats();
  EXPECT_EQ(s.bloom_true_negatives + s.bloom_false_positives, kReads * tables);
  EXPECT_EQ(s.sstables_consulted, s.bloom_false_positives);
  EXPECT_EQ(s.bloom_true_positives, 0u);
  const double queries = static_cast<double>(kReads * tables);
  EXPECT_NEAR(s.ObservedBloomFpRate(), mean, 5 * std::sqrt(mean / queries));
  EXPECT_GT(s.bytes_read, 0u);
  EXPECT_GT(s.bytes_written(), 0u);
}

TEST(StoreTest, FlushAtThresholdAndByteAccounting) {
  MemDisk disk;
  StoreOptions o;
  o.memtable_flush_threshold_bytes = 10'000;
  auto store = *Store::Open(o, &disk);
  int flushes = 0;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<ApplyResult> r =
        store->Apply(Mutation::Put(absl::StrCat("k", i), "c", std::string(50, 'v'), i), i);
    ASSERT_TRUE(r.ok());
    if (r->flushed) {
      ++flushes;
      EXPECT_TRUE(r->durable);
      EXPECT_TRUE(store->memtable().empty());
    }
    EXPECT_LT(store->memtable().ApproximateBytes(), o.memtable_flush_threshold_bytes);
  }
  // Each partition accounts 2..4 + 8 + 1 + 50 + 17 bytes: about 80, so a flush every ~125.
  EXPECT_EQ(static_cast<uint64_t>(flushes), store->stats().flushes);
  EXPECT_GE(flushes, 7);
  EXPECT_LE(flushes, 9);
}

TEST(StoreTest, DeterministicBytes) {
  // Two stores fed the same operations hold byte-identical disks.
  MemDisk a, b;
  auto sa = *Store::Open(SmallOptions(), &a);
  auto sb = *Store::Open(SmallOptions(), &b);
  SplitMix64 ra{45}, rb{45};
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(sa->Apply(RandomMutation(ra, 300, i), i).ok());
    ASSERT_TRUE(sb->Apply(RandomMutation(rb, 300, i), i).ok());
    if (i % 700 == 0) {
      ASSERT_TRUE(sa->MaybeCompact(i).ok());
      ASSERT_TRUE(sb->MaybeCompact(i).ok());
    }
  }
  ASSERT_EQ(a.List(), b.List());
  for (const std::string& name : a.List()) {
    std::string x, y;
    ASSERT_TRUE(a.Read(name, 0, *a.Size(name), &x).ok());
    ASSERT_TRUE(b.Read(name, 0, *b.Size(name), &y).ok());
    EXPECT_EQ(x, y) << name;
  }
}

}  // namespace
}  // namespace dsim::engine
