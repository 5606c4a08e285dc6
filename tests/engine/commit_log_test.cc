#include "engine/commit_log.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "engine/store.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

Mutation RandomMutation(SplitMix64& rng, int i) {
  const std::string key = absl::StrCat("k", rng.Below(50));
  if (rng.Below(4) == 0) return Mutation::Delete(key, absl::StrCat("c", rng.Below(3)), i, i);
  return Mutation::Put(key, absl::StrCat("c", rng.Below(3)), std::string(rng.Below(30), 'v'), i);
}

std::vector<Mutation> ReplayAll(MemDisk* disk, ReplayResult* result) {
  std::vector<Mutation> out;
  absl::StatusOr<ReplayResult> r =
      CommitLog::Replay(disk, "commitlog-", [&](Mutation&& m) { out.push_back(std::move(m)); });
  EXPECT_TRUE(r.ok()) << r.status();
  if (r.ok()) *result = *r;
  return out;
}

// Periodic: a power loss drops exactly the records appended since the last sync; the rest
// replay intact and in order. Random append/sync interleavings.
TEST(CommitLogTest, PeriodicLosesExactlyTheRecordsSinceLastSync) {
  SplitMix64 rng{11};
  for (int trial = 0; trial < 300; ++trial) {
    MemDisk disk;
    CommitLog log(&disk, {CommitLogSync::kPeriodic, 1000, "commitlog-"});
    ASSERT_TRUE(log.Open().ok());
    std::vector<Mutation> appended;
    size_t synced = 0;
    const int n = 1 + static_cast<int>(rng.Below(60));
    for (int i = 0; i < n; ++i) {
      appended.push_back(RandomMutation(rng, i));
      absl::StatusOr<bool> durable = log.Append(appended.back(), i);
      ASSERT_TRUE(durable.ok());
      EXPECT_FALSE(*durable);
      if (rng.Below(8) == 0) {
        ASSERT_TRUE(log.Sync(i).ok());
        synced = appended.size();
      }
    }
    EXPECT_EQ(log.records_since_sync(), appended.size() - synced);
    disk.DropUnsyncedData();
    ReplayResult result;
    const std::vector<Mutation> replayed = ReplayAll(&disk, &result);
    ASSERT_EQ(replayed.size(), synced);
    for (size_t i = 0; i < synced; ++i) EXPECT_EQ(replayed[i], appended[i]);
    EXPECT_EQ(result.records_replayed, synced);
    EXPECT_EQ(result.records_dropped, 0u);
  }
}

TEST(CommitLogTest, BatchLosesNothingAcknowledged) {
  SplitMix64 rng{12};
  MemDisk disk;
  CommitLog log(&disk, {CommitLogSync::kBatch, 1000, "commitlog-"});
  ASSERT_TRUE(log.Open().ok());
  std::vector<Mutation> acknowledged;
  for (int i = 0; i < 500; ++i) {
    Mutation m = RandomMutation(rng, i);
    absl::StatusOr<bool> durable = log.Append(m, i);
    ASSERT_TRUE(durable.ok());
    ASSERT_TRUE(*durable);
    acknowledged.push_back(m);
  }
  disk.DropUnsyncedData();
  ReplayResult result;
  EXPECT_EQ(ReplayAll(&disk, &result), acknowledged);
  EXPECT_EQ(result.records_dropped, 0u);
}

// A tail torn at any byte of the last record: that record is dropped and counted, every
// earlier record replays.
TEST(CommitLogTest, TornTailIsDroppedAndCounted) {
  SplitMix64 rng{13};
  MemDisk source;
  CommitLog log(&source, {CommitLogSync::kBatch, 1000, "commitlog-"});
  ASSERT_TRUE(log.Open().ok());
  std::vector<Mutation> appended;
  for (int i = 0; i < 20; ++i) {
    appended.push_back(RandomMutation(rng, i));
    ASSERT_TRUE(log.Append(appended.back(), i).ok());
  }
  const uint64_t full = *source.Size(log.active_segment());
  const uint64_t last_record = CommitLog::kHeaderBytes + appended.back().Encode().size();
  std::string bytes;
  ASSERT_TRUE(source.Read(log.active_segment(), 0, full, &bytes).ok());
  for (uint64_t cut = full - last_record + 1; cut < full; ++cut) {
    MemDisk disk;
    ASSERT_TRUE(disk.Append(log.active_segment(), bytes.substr(0, cut)).ok());
    ReplayResult result;
    const std::vector<Mutation> replayed = ReplayAll(&disk, &result);
    ASSERT_EQ(replayed.size(), appended.size() - 1) << "cut " << cut;
    for (size_t i = 0; i < replayed.size(); ++i) EXPECT_EQ(replayed[i], appended[i]);
    EXPECT_EQ(result.records_dropped, 1u);
    EXPECT_EQ(result.bytes_dropped, cut - (full - last_record));
  }
}

// A flipped byte inside record k (payload or checksum): records before k replay; k and every
// record after it are dropped and counted. A flip in k's length field drops at least k.
TEST(CommitLogTest, CorruptRecordStopsReplayAndCountsTheRest) {
  SplitMix64 rng{14};
  MemDisk disk;
  CommitLog log(&disk, {CommitLogSync::kBatch, 1000, "commitlog-"});
  ASSERT_TRUE(log.Open().ok());
  std::vector<uint64_t> starts;
  constexpr int kRecords = 30;
  for (int i = 0; i < kRecords; ++i) {
    starts.push_back(*disk.Size(log.active_segment()));
    ASSERT_TRUE(log.Append(RandomMutation(rng, i), i).ok());
  }
  starts.push_back(*disk.Size(log.active_segment()));
  for (int k = 0; k < kRecords; ++k) {
    for (uint64_t offset = starts[k]; offset < starts[k + 1]; ++offset) {
      ASSERT_TRUE(disk.FlipByte(log.active_segment(), offset, 0x10).ok());
      ReplayResult result;
      const std::vector<Mutation> replayed = ReplayAll(&disk, &result);
      EXPECT_EQ(replayed.size(), static_cast<size_t>(k)) << "offset " << offset;
      if (offset >= starts[k] + 4) {
        EXPECT_EQ(result.records_dropped, static_cast<uint64_t>(kRecords - k));
      } else {
        EXPECT_GE(result.records_dropped, 1u);
      }
      EXPECT_EQ(result.bytes_dropped, starts[kRecords] - starts[k]);
      ASSERT_TRUE(disk.FlipByte(log.active_segment(), offset, 0x10).ok());
    }
  }
}

TEST(CommitLogTest, SyncDueFollowsThePeriod) {
  MemDisk disk;
  CommitLog log(&disk, {CommitLogSync::kPeriodic, 1000, "commitlog-"});
  ASSERT_TRUE(log.Open().ok());
  EXPECT_FALSE(log.SyncDue(5000));  // nothing pending
  ASSERT_TRUE(log.Append(Mutation::Put("k", "c", "v", 1), 10).ok());
  EXPECT_TRUE(log.SyncDue(1000));
  ASSERT_TRUE(log.Sync(1500).ok());
  ASSERT_TRUE(log.Append(Mutation::Put("k", "c", "v", 2), 1600).ok());
  EXPECT_FALSE(log.SyncDue(2499));
  EXPECT_TRUE(log.SyncDue(2500));
  EXPECT_EQ(log.NextSyncDueUs(), 2500);
}

// The same guarantees through the store: crash after a periodic sync loses exactly the later
// writes; under batch nothing acknowledged is lost; recovery reports what it replayed.
TEST(StoreCommitLogTest, PeriodicCrashLosesOnlyUnsyncedWrites) {
  MemDisk disk;
  StoreOptions options;
  options.commitlog_sync = CommitLogSync::kPeriodic;
  options.commitlog_sync_period_us = 1'000'000;
  auto store = *Store::Open(options, &disk);
  for (int i = 0; i < 40; ++i) {
    absl::StatusOr<ApplyResult> r =
        store->Apply(Mutation::Put(absl::StrCat("k", i), "c", "v", i), i);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->durable);
  }
  absl::StatusOr<bool> synced = store->MaybeSync(999'999);
  ASSERT_TRUE(synced.ok());
  EXPECT_FALSE(*synced);  // not yet due
  synced = store->MaybeSync(1'000'000);
  ASSERT_TRUE(synced.ok());
  EXPECT_TRUE(*synced);
  for (int i = 40; i < 55; ++i) {
    ASSERT_TRUE(store->Apply(Mutation::Put(absl::StrCat("k", i), "c", "v", i), i).ok());
  }
  store->Crash(CrashKind::kPowerLoss);
  absl::StatusOr<RecoveryReport> report = store->Recover();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->replay.records_replayed, 40u);
  EXPECT_EQ(report->replay.records_dropped, 0u);
  for (int i = 0; i < 55; ++i) {
    absl::StatusOr<std::optional<Partition>> p = store->Read(absl::StrCat("k", i));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->has_value(), i < 40) << i;
  }
  // The replayed data was flushed: a second crash loses nothing and replays nothing.
  store->Crash(CrashKind::kPowerLoss);
  report = store->Recover();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->replay.records_replayed, 0u);
  EXPECT_TRUE((*store->Read("k39")).has_value());
}

TEST(StoreCommitLogTest, BatchCrashLosesNothingAcknowledged) {
  MemDisk disk;
  StoreOptions options;
  options.commitlog_sync = CommitLogSync::kBatch;
  auto store = *Store::Open(options, &disk);
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<ApplyResult> r =
        store->Apply(Mutation::Put(absl::StrCat("k", i), "c", "v", i), i);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->durable);
  }
  store->Crash(CrashKind::kPowerLoss);
  absl::StatusOr<RecoveryReport> report = store->Recover();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->replay.records_replayed, 100u);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE((*store->Read(absl::StrCat("k", i))).has_value());
}

TEST(StoreCommitLogTest, TornTailThroughTheStore) {
  MemDisk disk;
  StoreOptions options;
  options.commitlog_sync = CommitLogSync::kBatch;
  auto store = *Store::Open(options, &disk);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store->Apply(Mutation::Put(absl::StrCat("k", i), "c", "v", i), i).ok());
  }
  store->Crash(CrashKind::kPowerLoss);
  std::string segment;
  for (const std::string& name : disk.List()) {
    if (name.rfind("commitlog-", 0) == 0 && *disk.Size(name) > 0) segment = name;
  }
  ASSERT_FALSE(segment.empty());
  ASSERT_TRUE(disk.Truncate(segment, *disk.Size(segment) - 3).ok());
  absl::StatusOr<RecoveryReport> report = store->Recover();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->replay.records_replayed, 9u);
  EXPECT_EQ(report->replay.records_dropped, 1u);
  EXPECT_FALSE((*store->Read("k9")).has_value());
  EXPECT_TRUE((*store->Read("k8")).has_value());
  EXPECT_EQ(store->stats().records_dropped, 1u);
}

}  // namespace
}  // namespace dsim::engine
