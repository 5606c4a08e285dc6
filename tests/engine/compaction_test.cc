#include "engine/compaction.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "engine/sstable_builder.h"
#include "engine/store.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

constexpr int64_t kNoPurgeLimit = std::numeric_limits<int64_t>::max();

// Reference model: key -> merged partition, in (token, key) order when sorted.
using Model = std::map<std::string, Partition>;

std::vector<Partition> Sorted(const Model& m) {
  std::vector<Partition> out;
  for (const auto& [k, p] : m) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const Partition& a, const Partition& b) {
    return PartitionKeyLess(a.token(), a.key(), b.token(), b.key());
  });
  return out;
}

std::unique_ptr<SSTable> Write(MemDisk* disk, const std::string& name, const Model& m,
                               const SSTableOptions& options = {}) {
  const std::vector<Partition> parts = Sorted(m);
  SSTableBuilder b(options, parts.size());
  for (const Partition& p : parts) b.Add(p);
  EXPECT_TRUE(disk->Append(name, b.Finish()).ok());
  return *SSTable::Open(disk, name);
}

std::vector<Partition> ReadAll(const SSTable& t) {
  std::vector<Partition> out;
  auto it = t.NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->partition());
  EXPECT_TRUE(it->status().ok());
  return out;
}

std::unique_ptr<SSTable> OpenOutput(MemDisk* disk, const CompactionOutput& out) {
  EXPECT_TRUE(out.file.has_value());
  EXPECT_TRUE(disk->Append("out.db", *out.file).ok());
  return *SSTable::Open(disk, "out.db");
}

TEST(SizeTieredTest, BucketsOfSimilarSize) {
  SizeTieredOptions o;
  o.min_sstable_size_bytes = 0;  // no "small" grouping
  // Four similar tables (90..110) and two outliers.
  std::vector<size_t> picked = SelectSizeTieredCompaction({100, 5000, 110, 90, 1000, 105}, o);
  EXPECT_EQ(picked, (std::vector<size_t>{3, 0, 5, 2}));
  // Only three similar: nothing to do.
  EXPECT_TRUE(SelectSizeTieredCompaction({100, 5000, 110, 90, 1000}, o).empty());
  // Two qualifying buckets: the smaller total wins.
  picked = SelectSizeTieredCompaction({1000, 1010, 990, 1005, 10, 11, 12, 13}, o);
  EXPECT_EQ(picked, (std::vector<size_t>{4, 5, 6, 7}));
  // A bucket larger than max_threshold is trimmed to its smallest tables.
  o.max_threshold = 5;
  picked = SelectSizeTieredCompaction({100, 101, 102, 103, 104, 105, 106}, o);
  EXPECT_EQ(picked, (std::vector<size_t>{0, 1, 2, 3, 4}));
}

TEST(SizeTieredTest, SmallTablesGroupTogether) {
  SizeTieredOptions o;  // min_sstable_size 50 MiB: 1 KiB and 1 MiB tables are all "small"
  EXPECT_EQ(SelectSizeTieredCompaction({1024, 1 << 20, 4096, 10}, o).size(), 4u);
  o.min_sstable_size_bytes = 0;
  EXPECT_TRUE(SelectSizeTieredCompaction({1024, 1 << 20, 4096, 10}, o).empty());
}

// The compacted content equals the CRDT merge of the inputs (no tombstone is old enough).
TEST(CompactionTest, ContentEqualsCrdtMergeOfInputs) {
  SplitMix64 rng{21};
  for (int trial = 0; trial < 40; ++trial) {
    MemDisk disk;
    const int tables = 2 + static_cast<int>(rng.Below(5));
    Model expected;
    std::vector<std::unique_ptr<SSTable>> inputs;
    for (int t = 0; t < tables; ++t) {
      Model m;
      const int n = 1 + static_cast<int>(rng.Below(300));
      for (int i = 0; i < n; ++i) {
        const std::string key = absl::StrCat("k", rng.Below(400));
        const std::string col = absl::StrCat("c", rng.Below(3));
        const int64_t ts = static_cast<int64_t>(rng.Below(50));
        const Cell cell = rng.Below(4) == 0 ? Cell::Tombstone(ts, 1'000'000 + ts)
                                            : Cell::Live(absl::StrCat("v", rng.Below(5)), ts);
        m.try_emplace(key, Partition(key)).first->second.Put(col, cell);
        expected.try_emplace(key, Partition(key)).first->second.Put(col, cell);
      }
      inputs.push_back(Write(&disk, absl::StrCat("in", t, ".db"), m));
    }
    std::vector<const SSTable*> ptrs;
    for (const auto& t : inputs) ptrs.push_back(t.get());
    absl::StatusOr<CompactionOutput> out =
        CompactSSTables(ptrs, /*now_us=*/2'000'000, /*gc_grace_us=*/10'000'000, {},
                        [](const Partition&) { return kNoPurgeLimit; });
    ASSERT_TRUE(out.ok()) << out.status();
    auto table = OpenOutput(&disk, *out);
    EXPECT_EQ(ReadAll(*table), Sorted(expected));
    EXPECT_EQ(out->record.output_partitions, expected.size());
    EXPECT_EQ(out->record.merged_partitions, expected.size());
    EXPECT_EQ(out->record.tombstones_purged, 0u);
    EXPECT_EQ(out->record.input_sstables, static_cast<uint64_t>(tables));
  }
}

// Tombstones go exactly when local_deletion_time < now - gc_grace, taking the data they
// shadow with them; at now - gc_grace exactly, or younger, they stay.
TEST(CompactionTest, TombstonesPurgedExactlyPastGcGrace) {
  MemDisk disk;
  constexpr int64_t kNow = 100'000'000, kGrace = 10'000'000;
  Model older, newer;
  auto put = [](Model& m, const std::string& key, const std::string& col, const Cell& c) {
    m.try_emplace(key, Partition(key)).first->second.Put(col, c);
  };
  // Live data in the older table, tombstones over it in the newer one.
  for (const char* key : {"past", "at", "young"}) put(older, key, "c", Cell::Live("old", 5));
  put(newer, "past", "c", Cell::Tombstone(10, kNow - kGrace - 1));
  put(newer, "at", "c", Cell::Tombstone(10, kNow - kGrace));
  put(newer, "young", "c", Cell::Tombstone(10, kNow - kGrace + 1));
  // A partition with a purgeable tombstone and a live column keeps the live column.
  put(older, "mixed", "gone", Cell::Live("x", 1));
  put(newer, "mixed", "gone", Cell::Tombstone(2, 0));
  put(newer, "mixed", "kept", Cell::Live("y", 3));
  auto a = Write(&disk, "a.db", older);
  auto b = Write(&disk, "b.db", newer);
  absl::StatusOr<CompactionOutput> out = CompactSSTables(
      {a.get(), b.get()}, kNow, kGrace, {}, [](const Partition&) { return kNoPurgeLimit; });
  ASSERT_TRUE(out.ok());
  auto t = OpenOutput(&disk, *out);
  std::map<std::string, Partition> got;
  for (const Partition& p : ReadAll(*t)) got.emplace(p.key(), p);
  EXPECT_FALSE(got.contains("past"));  // tombstone and shadowed data both gone
  ASSERT_TRUE(got.contains("at"));
  EXPECT_TRUE(got.at("at").cells().at("c").tombstone);
  ASSERT_TRUE(got.contains("young"));
  EXPECT_TRUE(got.at("young").cells().at("c").tombstone);
  ASSERT_TRUE(got.contains("mixed"));
  EXPECT_FALSE(got.at("mixed").cells().contains("gone"));
  EXPECT_EQ(got.at("mixed").cells().at("kept"), Cell::Live("y", 3));
  EXPECT_EQ(out->record.tombstones_purged, 2u);
  EXPECT_EQ(out->record.partitions_purged, 1u);
  EXPECT_EQ(out->record.output_partitions, 3u);
}

// A tombstone whose partition may have older data outside the compaction is kept.
TEST(CompactionTest, TombstoneKeptWhileOlderDataMayExistElsewhere) {
  MemDisk disk;
  Model m;
  m.try_emplace("k", Partition("k")).first->second.Put("c", Cell::Tombstone(10, 0));
  auto t = Write(&disk, "a.db", m);
  absl::StatusOr<CompactionOutput> out =
      CompactSSTables({t.get()}, 1'000'000, 10, {}, [](const Partition&) { return int64_t{10}; });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->record.tombstones_purged, 0u);
  EXPECT_EQ(out->record.output_partitions, 1u);
  out = CompactSSTables({t.get()}, 1'000'000, 10, {}, [](const Partition&) { return int64_t{11}; });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->record.tombstones_purged, 1u);
  EXPECT_FALSE(out->file.has_value());  // everything purged: no output table
}

// The record lists exactly the tombstones the compaction purged, and exactly the partitions an
// input held with a tombstone past gc_grace, against a brute-force recount of the inputs: tables
// with overlapping keys, tombstones on both sides of the horizon, newer data shadowing expired
// tombstones, and partitions whose purge is blocked by older data outside the compaction.
TEST(CompactionTest, RecordListsExactlyThePurgedCellsAndExpiredKeys) {
  constexpr int64_t kNow = 1'000'000, kGrace = 100'000, kHorizon = kNow - kGrace;
  // Keys with token % 3 == 0 may have data at timestamp >= 20 outside the compaction.
  auto max_purgeable = [](const Partition& p) {
    return p.token() % 3 == 0 ? int64_t{20} : kNoPurgeLimit;
  };
  SplitMix64 rng{77};
  uint64_t purged_total = 0, shadowed_or_kept = 0;
  for (int trial = 0; trial < 30; ++trial) {
    MemDisk disk;
    const int tables = 1 + static_cast<int>(rng.Below(5));
    Model merged;
    std::vector<Model> models(tables);
    std::vector<std::unique_ptr<SSTable>> inputs;
    for (int t = 0; t < tables; ++t) {
      const int n = static_cast<int>(rng.Below(200));
      for (int i = 0; i < n; ++i) {
        const std::string key = absl::StrCat("k", rng.Below(150));
        const std::string col = absl::StrCat("c", rng.Below(3));
        const int64_t ts = static_cast<int64_t>(rng.Below(40));
        // Local deletion times straddle the horizon.
        const int64_t ldt = kHorizon - 50 + static_cast<int64_t>(rng.Below(100));
        const Cell cell = rng.Below(3) == 0 ? Cell::Tombstone(ts, ldt)
                                            : Cell::Live(absl::StrCat("v", rng.Below(5)), ts);
        models[t].try_emplace(key, Partition(key)).first->second.Put(col, cell);
        merged.try_emplace(key, Partition(key)).first->second.Put(col, cell);
      }
      inputs.push_back(Write(&disk, absl::StrCat("in", t, ".db"), models[t]));
    }
    std::vector<const SSTable*> ptrs;
    for (const auto& t : inputs) ptrs.push_back(t.get());
    absl::StatusOr<CompactionOutput> out = CompactSSTables(ptrs, kNow, kGrace, {}, max_purgeable);
    ASSERT_TRUE(out.ok()) << out.status();
    const CompactionRecord& r = out->record;

    // Brute force: the merge's tombstones past the horizon below the partition's limit, in ring
    // order then column order; and every input's partitions with a tombstone past the horizon.
    std::vector<PurgedCell> purged;
    for (const Partition& p : Sorted(merged)) {
      for (const auto& [col, cell] : p.cells()) {
        if (cell.tombstone && cell.local_deletion_time_us < kHorizon &&
            cell.timestamp_us < max_purgeable(p)) {
          purged.push_back({p.key(), col, cell});
        }
      }
    }
    std::vector<std::string> expired;
    for (const Model& m : models) {
      for (const auto& [key, p] : m) {
        for (const auto& [col, cell] : p.cells()) {
          if (cell.tombstone && cell.local_deletion_time_us < kHorizon) {
            expired.push_back(key);
            break;
          }
        }
      }
    }
    std::sort(expired.begin(), expired.end());
    expired.erase(std::unique(expired.begin(), expired.end()), expired.end());

    EXPECT_EQ(r.purged_cells, purged);
    EXPECT_EQ(r.tombstones_purged, purged.size());
    EXPECT_EQ(r.expired_tombstone_keys, expired);
    for (const PurgedCell& c : purged) {
      EXPECT_TRUE(std::binary_search(expired.begin(), expired.end(), c.partition_key));
    }
    ASSERT_EQ(r.inputs.size(), inputs.size());
    for (size_t t = 0; t < inputs.size(); ++t) {
      EXPECT_EQ(r.inputs[t], (CompactionInput{inputs[t]->name(), inputs[t]->file_bytes(),
                                              inputs[t]->metadata().partition_count,
                                              inputs[t]->metadata().tombstone_count}));
    }
    purged_total += purged.size();
    for (const std::string& key : expired) {
      shadowed_or_kept += std::none_of(purged.begin(), purged.end(),
                                       [&](const PurgedCell& c) { return c.partition_key == key; });
    }
  }
  // The inputs exercised both kinds of expired tombstone: purged, and superseded or kept.
  EXPECT_GT(purged_total, 100u);
  EXPECT_GT(shadowed_or_kept, 20u);
  std::printf("record: %llu purged cells, %llu expired keys with nothing purged\n",
              static_cast<unsigned long long>(purged_total),
              static_cast<unsigned long long>(shadowed_or_kept));
}

// The output filter is sized from the merged HLL estimate (not the exact count), the record
// keeps both, and the filter meets the FP target. Check of the target: the measured rate over
// 400,000 absent keys must be within 5 binomial sigmas of the theoretical rate for the n
// actually inserted, and that theoretical rate within the HLL error's effect of p: near the
// optimum, d ln(FP) / d ln(n) = ln(1/p), so a relative estimate error e moves FP by about
// e ln(1/p); with e bounded by 3 standard errors (3 x 1.04 / sqrt(2^13)) that is the margin.
TEST(CompactionTest, OutputBloomSizedFromHllEstimateMeetsTarget) {
  MemDisk disk;
  constexpr double kP = 0.01;
  std::vector<std::unique_ptr<SSTable>> inputs;
  HyperLogLog merged(13);
  Model all;
  for (int t = 0; t < 4; ++t) {
    Model m;
    // Overlapping key ranges: 15,000 keys each, 45,000 distinct in total.
    for (int i = t * 10000; i < t * 10000 + 15000; ++i) {
      const std::string key = absl::StrCat("key", i);
      m.try_emplace(key, Partition(key)).first->second.Put("c", Cell::Live("v", t));
      all.try_emplace(key, Partition(key));
    }
    inputs.push_back(Write(&disk, absl::StrCat("in", t, ".db"), m));
    merged.Merge(inputs.back()->hll());
  }
  std::vector<const SSTable*> ptrs;
  for (const auto& t : inputs) ptrs.push_back(t.get());
  SSTableOptions options;
  options.bloom_fp_chance = kP;
  absl::StatusOr<CompactionOutput> out =
      CompactSSTables(ptrs, 0, 0, options, [](const Partition&) { return kNoPurgeLimit; });
  ASSERT_TRUE(out.ok());
  const CompactionRecord& r = out->record;
  EXPECT_EQ(r.hll_estimate, merged.Estimate());
  EXPECT_EQ(r.output_partitions, all.size());
  EXPECT_EQ(r.input_partitions, 60000u);
  const uint64_t sized_for = static_cast<uint64_t>(std::llround(r.hll_estimate));
  EXPECT_EQ(r.bloom_bits, BloomFilter::OptimalBits(sized_for, kP));
  EXPECT_EQ(r.bloom_probes, BloomFilter::OptimalProbes(sized_for, r.bloom_bits));
  auto table = OpenOutput(&disk, *out);
  EXPECT_EQ(table->bloom().bits(), r.bloom_bits);

  constexpr uint64_t kAbsent = 400'000;
  uint64_t fp = 0;
  for (uint64_t i = 0; i < kAbsent; ++i) {
    fp += table->MayContain(Token(absl::StrCat("absent", i))) ? 1 : 0;
  }
  for (const auto& [key, p] : all) ASSERT_TRUE(table->MayContain(p.token()));
  const double measured = static_cast<double>(fp) / kAbsent;
  const double theory = table->bloom().TheoreticalFpRate();
  const double sigma = std::sqrt(theory * (1 - theory) / kAbsent);
  EXPECT_NEAR(measured, theory, 5 * sigma);
  const double hll_margin = 3 * 1.04 / std::sqrt(8192.0) * std::log(1 / kP);
  EXPECT_LE(theory, kP * (1 + hll_margin));
  EXPECT_LE(measured, kP * (1 + hll_margin) + 5 * sigma);
  std::printf("compaction bloom: estimate %.0f exact %llu theory %.5f measured %.5f\n",
              r.hll_estimate, static_cast<unsigned long long>(r.output_partitions), theory,
              measured);
}

// Inputs written at another HLL precision cannot merge into the output's sketch: their exact
// partition counts stand in for them.
TEST(CompactionTest, MixedHllPrecisionFallsBackToExactCounts) {
  MemDisk disk;
  Model a, b;
  for (int i = 0; i < 500; ++i) {
    const std::string key = absl::StrCat("k", i);
    a.try_emplace(key, Partition(key)).first->second.Put("c", Cell::Live("v", 1));
    if (i < 200) b.try_emplace(key, Partition(key)).first->second.Put("c", Cell::Live("w", 2));
  }
  SSTableOptions p10;
  p10.hll_precision = 10;
  auto ta = Write(&disk, "a.db", a);       // precision 13, like the output
  auto tb = Write(&disk, "b.db", b, p10);  // precision 10
  absl::StatusOr<CompactionOutput> out = CompactSSTables(
      {ta.get(), tb.get()}, 0, 0, {}, [](const Partition&) { return kNoPurgeLimit; });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->record.hll_estimate, ta->hll().Estimate() + 200.0);
  EXPECT_EQ(out->record.output_partitions, 500u);
}

}  // namespace
}  // namespace dsim::engine
