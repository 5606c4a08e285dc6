// Incremental repair's SSTable bookkeeping: range overlap against a witness-based brute force,
// anticompaction's split, the repaired marker, and the store's claim / finalize / release
// lifecycle, checked against a model of what each session should see.
#include "engine/incremental_repair.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "engine/store.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Whether [lo, hi] meets `range`: if it does, it does at one of these witnesses (the pieces'
// endpoints clipped to the interval).
bool Meets(uint64_t lo, uint64_t hi, const TokenRange& range) {
  for (uint64_t t : {lo, hi, range.begin() + 1, range.end(), uint64_t{0}, kMax}) {
    if (t >= lo && t <= hi && range.Contains(t)) return true;
  }
  return false;
}

TEST(IncrementalRepairTest, OverlapMatchesBruteForce) {
  const std::vector<uint64_t> values = {0, 1, 2, 3, 5, 8, kMax / 2, kMax - 2, kMax - 1, kMax};
  int cases = 0;
  for (uint64_t b : values) {
    for (uint64_t e : values) {
      const TokenRange range(b, e);
      for (uint64_t lo : values) {
        for (uint64_t hi : values) {
          if (lo > hi) continue;
          SSTableMetadata m;
          m.min_token = lo;
          m.max_token = hi;
          const bool meets = Meets(lo, hi, range);
          // Contained: nothing of [lo, hi] lies in the complement (e, b].
          const bool contained = range.IsFullRing() || !Meets(lo, hi, TokenRange(e, b));
          const RangeOverlap want = !meets      ? RangeOverlap::kDisjoint
                                    : contained ? RangeOverlap::kContained
                                                : RangeOverlap::kStraddles;
          EXPECT_EQ(OverlapOf(m, range), want) << b << " " << e << " [" << lo << "," << hi << "]";
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 100 * 55);
}

TEST(IncrementalRepairTest, MarkerRoundTripsAndRejectsDamage) {
  const std::string bytes = EncodeRepairedMarker(123456789);
  ASSERT_EQ(DecodeRepairedMarker(bytes), std::optional<int64_t>(123456789));
  EXPECT_EQ(MarkerName("sstable-00000007.db"), "sstable-00000007.repaired");
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(DecodeRepairedMarker(bad).has_value()) << i << " " << bit;
    }
  }
  EXPECT_FALSE(DecodeRepairedMarker(bytes.substr(0, 15)).has_value());
}

StoreOptions SmallStore() {
  StoreOptions o;
  o.memtable_flush_threshold_bytes = 2000;  // many SSTables
  return o;
}

// Every partition a scan returns, by key.
std::map<std::string, Partition> Collect(Store* store, const TokenRange& range,
                                         uint64_t pending_session) {
  std::map<std::string, Partition> out;
  auto add = [&](const Partition& p) { out.emplace(p.key(), p); };
  absl::Status s = pending_session == 0
                       ? store->ForEachPartitionInRange(range, add)
                       : store->ForEachPendingPartitionInRange(range, pending_session, add);
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

// Writes `n` random cells with timestamps from `ts`, merging them into `model` (all) and
// `in_range` (those of `range`).
void Write(Store* store, SplitMix64& rng, int n, int64_t ts, const TokenRange& range,
           std::map<std::string, Partition>* in_range) {
  for (int i = 0; i < n; ++i) {
    const std::string key = absl::StrCat("k", rng.Below(400));
    const Mutation m =
        Mutation::Put(key, absl::StrCat("c", rng.Below(3)), absl::StrCat("v", rng.Next()), ts + i);
    ASSERT_TRUE(store->Apply(m, ts + i).ok());
    if (range.Contains(m.partition.token())) {
      in_range->try_emplace(key, Partition(key)).first->second.MergeFrom(m.partition);
    }
  }
}

size_t CountState(const Store& store, RepairStatus status) {
  size_t n = 0;
  for (const auto& t : store.sstables()) n += t->repair_state().status == status;
  return n;
}

// A session claims exactly its range's data, the scans see the same merged data before and
// after, finalize marks it repaired durably, and the next session sees only what came since.
TEST(IncrementalRepairTest, SecondSessionSeesOnlyNewData) {
  SplitMix64 rng{7};
  MemDisk disk;
  auto store = Store::Open(SmallStore(), &disk).value();
  const TokenRange range(kMax / 4, kMax / 4 * 3);  // half the ring
  std::map<std::string, Partition> first;
  Write(store.get(), rng, 600, 1000, range, &first);
  const auto whole_before = Collect(store.get(), TokenRange::FullRing(), 0);

  absl::StatusOr<Store::PrepareReport> prep = store->PrepareIncrementalRepair(range, 1);
  ASSERT_TRUE(prep.ok()) << prep.status();
  EXPECT_GT(prep->anticompactions, 0u);  // flushed tables hold keys of the whole ring
  EXPECT_GT(prep->bytes_written, 0u);
  EXPECT_EQ(Collect(store.get(), range, 1), first);  // the claim is exactly the range's data
  EXPECT_EQ(Collect(store.get(), TokenRange::FullRing(), 0), whole_before);  // data unchanged
  for (const auto& t : store->sstables()) {  // pending tables hold only range tokens
    if (t->repair_state().status != RepairStatus::kPending) continue;
    EXPECT_EQ(OverlapOf(t->metadata(), range), RangeOverlap::kContained) << t->name();
  }

  absl::StatusOr<uint64_t> promoted = store->FinalizeIncrementalRepair(1, 5000);
  ASSERT_TRUE(promoted.ok());
  EXPECT_EQ(*promoted, prep->sstables_claimed);
  EXPECT_EQ(CountState(*store, RepairStatus::kRepaired), *promoted);

  std::map<std::string, Partition> second;
  Write(store.get(), rng, 50, 9000, range, &second);
  ASSERT_TRUE(store->PrepareIncrementalRepair(range, 2).ok());
  EXPECT_EQ(Collect(store.get(), range, 2), second);  // only the new cells, not the merge

  // A restart: repaired survives (the markers), pending is released.
  const size_t repaired = CountState(*store, RepairStatus::kRepaired);
  const auto whole = Collect(store.get(), TokenRange::FullRing(), 0);
  store->Crash(CrashKind::kPowerLoss);
  ASSERT_TRUE(store->Recover().ok());
  EXPECT_EQ(CountState(*store, RepairStatus::kRepaired), repaired);
  EXPECT_EQ(CountState(*store, RepairStatus::kPending), 0u);
  EXPECT_TRUE(Collect(store.get(), range, 2).empty());
  EXPECT_EQ(Collect(store.get(), TokenRange::FullRing(), 0), whole);  // prepare flushed it all
}

TEST(IncrementalRepairTest, ReleaseReturnsClaimToUnrepaired) {
  SplitMix64 rng{11};
  MemDisk disk;
  auto store = Store::Open(SmallStore(), &disk).value();
  const TokenRange range(kMax / 2, kMax / 8);  // wraps
  std::map<std::string, Partition> in_range;
  Write(store.get(), rng, 300, 1000, range, &in_range);
  absl::StatusOr<Store::PrepareReport> prep = store->PrepareIncrementalRepair(range, 3);
  ASSERT_TRUE(prep.ok());
  EXPECT_EQ(Collect(store.get(), range, 3), in_range);
  EXPECT_EQ(store->ReleaseIncrementalRepair(3), prep->sstables_claimed);
  EXPECT_EQ(CountState(*store, RepairStatus::kPending), 0u);
  EXPECT_EQ(CountState(*store, RepairStatus::kRepaired), 0u);
  // Released data is claimed again by the next session.
  ASSERT_TRUE(store->PrepareIncrementalRepair(range, 4).ok());
  EXPECT_EQ(Collect(store.get(), range, 4), in_range);
}

// Compaction never merges across groups, and a merge of repaired tables stays repaired with
// its marker; a major compaction leaves one table per group.
TEST(IncrementalRepairTest, CompactionKeepsGroupsApart) {
  SplitMix64 rng{5};
  MemDisk disk;
  StoreOptions o = SmallStore();
  o.compaction.min_threshold = 2;
  auto store = Store::Open(o, &disk).value();
  const TokenRange range(0, kMax / 2);
  std::map<std::string, Partition> ignored;
  Write(store.get(), rng, 400, 1000, range, &ignored);
  ASSERT_TRUE(store->PrepareIncrementalRepair(range, 1).ok());
  ASSERT_TRUE(store->FinalizeIncrementalRepair(1, 2000).ok());
  Write(store.get(), rng, 400, 3000, range, &ignored);
  ASSERT_TRUE(store->Flush().ok());
  const auto before = Collect(store.get(), TokenRange::FullRing(), 0);
  std::set<std::string> repaired_before;
  for (const auto& t : store->sstables()) {
    if (t->repair_state().status == RepairStatus::kRepaired) repaired_before.insert(t->name());
  }
  ASSERT_GE(repaired_before.size(), 2u);
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<std::optional<CompactionRecord>> r = store->MaybeCompact(4000);
    ASSERT_TRUE(r.ok());
    if (!r->has_value()) break;
    // Every input of one compaction was in one group.
    size_t from_repaired = 0;
    for (const CompactionInput& in : (*r)->inputs) from_repaired += repaired_before.count(in.name);
    EXPECT_TRUE(from_repaired == 0 || from_repaired == (*r)->inputs.size());
  }
  absl::StatusOr<std::vector<CompactionRecord>> all = store->CompactAll(5000);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(store->sstables().size(), 2u);
  EXPECT_EQ(CountState(*store, RepairStatus::kRepaired), 1u);
  EXPECT_EQ(Collect(store.get(), TokenRange::FullRing(), 0), before);
  // The merged repaired table's marker is on the disk, the inputs' are gone.
  size_t markers = 0;
  for (const std::string& name : disk.List()) markers += name.ends_with(kMarkerSuffix);
  EXPECT_EQ(markers, 1u);
  store->Crash(CrashKind::kPowerLoss);
  ASSERT_TRUE(store->Recover().ok());
  EXPECT_EQ(CountState(*store, RepairStatus::kRepaired), 1u);
}

}  // namespace
}  // namespace dsim::engine
