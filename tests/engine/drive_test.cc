#include "engine/drive.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/coding.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

const TokenRange kRange(100, 5000);

DriveEntry RandomEntry(SplitMix64& rng, uint64_t id) {
  return DriveEntry{id, Digest128{rng.Next(), rng.Next()}, rng.Below(1 << 30), rng.Below(5000)};
}

std::set<DriveEntry> AsSet(const std::map<uint64_t, DriveEntry>& m) {
  std::set<DriveEntry> s;
  for (const auto& [id, e] : m) s.insert(e);
  return s;
}

std::vector<DriveEntry> Minus(const std::set<DriveEntry>& a, const std::set<DriveEntry>& b) {
  std::vector<DriveEntry> out;  // std::set orders by id first: ascending id
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Applies `ops` random changes to `d` and `model` alike: adds of new or re-used ids, removes of
// held ids. Ids come from [0, id_space).
void RandomChanges(SplitMix64& rng, int ops, uint64_t id_space, Drive* d,
                   std::map<uint64_t, DriveEntry>* model) {
  for (int i = 0; i < ops; ++i) {
    const uint64_t id = rng.Below(id_space);
    if (model->contains(id)) {
      ASSERT_TRUE(d->Remove(id).ok());
      model->erase(id);
    } else {
      const DriveEntry e = RandomEntry(rng, id);
      ASSERT_TRUE(d->Add(e).ok());
      (*model)[id] = e;
    }
  }
}

TEST(DriveTest, AddRemoveAndVersions) {
  Drive d(kRange);
  EXPECT_EQ(d.version(), 0u);
  const DriveEntry a{7, Digest128{1, 2}, 1000, 3};
  ASSERT_TRUE(d.Add(a).ok());
  EXPECT_EQ(d.Add(DriveEntry{7, Digest128{3, 4}, 10, 1}).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(d.Remove(8).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(d.version(), 1u);  // failed changes are not logged
  EXPECT_EQ(*d.Find(7), a);
  EXPECT_EQ(d.size_bytes(), 1000u);
  ASSERT_TRUE(d.Remove(7).ok());
  EXPECT_FALSE(d.Find(7).has_value());
  EXPECT_EQ(d.version(), 2u);
  EXPECT_EQ(d.size_bytes(), 0u);
  ASSERT_TRUE(d.Add(DriveEntry{7, Digest128{5, 6}, 20, 1}).ok());  // an id may come back
  const absl::Span<const DriveChange> log = *d.ChangesSince(0);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], (DriveChange{1, DriveOp::kAdd, a}));
  EXPECT_EQ(log[1], (DriveChange{2, DriveOp::kRemove, a}));
  EXPECT_EQ(log[2].version, 3u);
  EXPECT_EQ(d.ChangesSince(3)->size(), 0u);
  EXPECT_EQ(d.ChangesSince(4).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(d.NetChangesSince(4).status().code(), absl::StatusCode::kOutOfRange);
  // Since version 1: `a` went, the new 7 came: both sides of a replaced id.
  const DriveDelta delta = *d.NetChangesSince(1);
  EXPECT_EQ(delta.removed, std::vector<DriveEntry>{a});
  EXPECT_EQ(delta.added, std::vector<DriveEntry>{*d.Find(7)});
}

TEST(DriveTest, RootIsAnIndependentHashOfTheSortedManifest) {
  SplitMix64 rng{1};
  std::vector<DriveEntry> entries;
  for (uint64_t i = 0; i < 50; ++i) entries.push_back(RandomEntry(rng, rng.Next()));
  Drive forward(kRange), backward(kRange);
  for (const DriveEntry& e : entries) ASSERT_TRUE(forward.Add(e).ok());
  for (size_t i = entries.size(); i-- > 0;) ASSERT_TRUE(backward.Add(entries[i]).ok());
  EXPECT_EQ(forward.root(), backward.root());  // the history does not matter
  std::sort(entries.begin(), entries.end());
  std::string in = "\x03";
  PutFixed64(&in, kRange.begin());
  PutFixed64(&in, kRange.end());
  PutFixed64(&in, entries.size());
  for (const DriveEntry& e : entries) {
    for (uint64_t v :
         {e.sstable_id, e.dag_root.low, e.dag_root.high, e.size_bytes, e.chunk_count}) {
      PutFixed64(&in, v);
    }
  }
  EXPECT_EQ(forward.root(), Hash128(in));
  EXPECT_EQ(forward.Entries(), entries);
  // Every field of every entry, and the range, change it.
  const Digest128 root = forward.root();
  for (int field = 0; field < 4; ++field) {
    Drive d(kRange);
    for (size_t i = 0; i < entries.size(); ++i) {
      DriveEntry e = entries[i];
      if (i == 17 && field == 0) e.dag_root.high ^= 1;
      if (i == 17 && field == 1) e.size_bytes += 1;
      if (i == 17 && field == 2) e.chunk_count += 1;
      if (i == 17 && field == 3) e.sstable_id += 1;
      ASSERT_TRUE(d.Add(e).ok());
    }
    EXPECT_NE(d.root(), root) << field;
  }
  Drive other_range(TokenRange(100, 5001));
  for (const DriveEntry& e : entries) ASSERT_TRUE(other_range.Add(e).ok());
  EXPECT_NE(other_range.root(), root);
  // Cached root is refreshed by a change.
  ASSERT_TRUE(forward.Remove(entries[3].sstable_id).ok());
  EXPECT_NE(forward.root(), root);
  ASSERT_TRUE(forward.Add(entries[3]).ok());
  EXPECT_EQ(forward.root(), root);
}

TEST(DriveTest, DiffMatchesBruteForce) {
  SplitMix64 rng{2};
  for (int trial = 0; trial < 40; ++trial) {
    // A common history, then each side goes its own way; a small id space makes re-used ids
    // (same id, other contents) common.
    Drive a(kRange);
    std::map<uint64_t, DriveEntry> ma;
    const uint64_t ids = 5 + rng.Below(200);
    RandomChanges(rng, static_cast<int>(rng.Below(300)), ids, &a, &ma);
    Drive b = a;
    std::map<uint64_t, DriveEntry> mb = ma;
    RandomChanges(rng, static_cast<int>(rng.Below(trial % 4 == 0 ? 1 : 60)), ids, &a, &ma);
    RandomChanges(rng, static_cast<int>(rng.Below(60)), ids, &b, &mb);
    const DriveDiff diff = DiffDrives(a, b);
    EXPECT_EQ(diff.only_a, Minus(AsSet(ma), AsSet(mb))) << trial;
    EXPECT_EQ(diff.only_b, Minus(AsSet(mb), AsSet(ma))) << trial;
    EXPECT_EQ(a.root() == b.root(), ma == mb) << trial;
    const DriveDiff back = DiffDrives(b, a);
    EXPECT_EQ(back.only_a, diff.only_b);
    EXPECT_EQ(back.only_b, diff.only_a);
  }
}

TEST(DriveTest, ChangesSinceMatchesBruteForce) {
  SplitMix64 rng{3};
  Drive d(kRange);
  std::map<uint64_t, DriveEntry> model;
  std::vector<std::map<uint64_t, DriveEntry>> snapshots = {model};  // state at each version
  std::vector<DriveChange> history;
  for (int i = 0; i < 400; ++i) {
    const uint64_t id = rng.Below(60);
    if (model.contains(id)) {
      history.push_back(DriveChange{history.size() + 1, DriveOp::kRemove, model[id]});
      ASSERT_TRUE(d.Remove(id).ok());
      model.erase(id);
    } else {
      const DriveEntry e = RandomEntry(rng, id);
      history.push_back(DriveChange{history.size() + 1, DriveOp::kAdd, e});
      ASSERT_TRUE(d.Add(e).ok());
      model[id] = e;
    }
    snapshots.push_back(model);
  }
  ASSERT_EQ(d.version(), 400u);
  for (uint64_t v = 0; v <= d.version(); ++v) {
    const absl::Span<const DriveChange> changes = *d.ChangesSince(v);
    EXPECT_EQ(std::vector<DriveChange>(changes.begin(), changes.end()),
              std::vector<DriveChange>(history.begin() + v, history.end()));
    const DriveDelta delta = *d.NetChangesSince(v);
    EXPECT_EQ(delta.added, Minus(AsSet(model), AsSet(snapshots[v]))) << v;
    EXPECT_EQ(delta.removed, Minus(AsSet(snapshots[v]), AsSet(model))) << v;
  }
}

TEST(DriveTest, WireSizes) {
  SplitMix64 rng{4};
  Drive d(kRange);
  EXPECT_EQ(d.SerializeManifest().size(), 32u);
  for (uint64_t i = 0; i < 9; ++i) ASSERT_TRUE(d.Add(RandomEntry(rng, i)).ok());
  EXPECT_EQ(d.ManifestSerializedBytes(), 32u + 40 * 9);
  EXPECT_EQ(d.SerializeManifest().size(), d.ManifestSerializedBytes());
  EXPECT_EQ(Drive::ChangesSerializedBytes(3), 16u + 41 * 3);
  const DriveEntry e = *d.Find(4);
  std::string wire;
  e.AppendTo(&wire);
  ASSERT_EQ(wire.size(), DriveEntry::kSerializedBytes);
  EXPECT_EQ(*DriveEntry::Parse(wire), e);
  EXPECT_EQ(DriveEntry::Parse(wire + "x").status().code(), absl::StatusCode::kInvalidArgument);
  // The manifest's entries are the entries' wire forms, ascending by id, after the header.
  EXPECT_EQ(d.SerializeManifest().substr(32 + 40 * 4, 40), wire);
}

TEST(DriveTest, LackingChunksMatchesBruteForce) {
  SplitMix64 rng{5};
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<ChunkAddress> pool;
    for (int i = 0; i < 100; ++i) pool.push_back(Digest128{rng.Next(), rng.Next()});
    std::vector<ChunkAddress> wanted, have;
    for (uint64_t i = rng.Below(300); i > 0; --i) wanted.push_back(pool[rng.Below(100)]);
    for (uint64_t i = rng.Below(300); i > 0; --i) have.push_back(pool[rng.Below(100)]);
    const std::set<ChunkAddress> hs(have.begin(), have.end());
    std::set<ChunkAddress> expected;
    for (const ChunkAddress& a : wanted) {
      if (!hs.contains(a)) expected.insert(a);
    }
    const std::vector<ChunkAddress> lacking = LackingChunks(wanted, have);
    EXPECT_EQ(lacking, std::vector<ChunkAddress>(expected.begin(), expected.end()));
    // Against a store holding `have`: the same.
    ChunkStore store;
    std::map<ChunkAddress, std::string> bytes_of;
    for (int i = 0; i < 100; ++i) {
      const std::string bytes = std::to_string(trial * 1000 + i);
      pool[i] = ChunkAddressOf(bytes);
      bytes_of[pool[i]] = bytes;
    }
    std::vector<ChunkAddress> wanted2, have2;
    for (uint64_t i = rng.Below(300); i > 0; --i) wanted2.push_back(pool[rng.Below(100)]);
    for (uint64_t i = rng.Below(300); i > 0; --i) {
      have2.push_back(pool[rng.Below(100)]);
      store.Put(bytes_of[have2.back()]);
    }
    EXPECT_EQ(LackingChunks(wanted2, store), LackingChunks(wanted2, have2));
  }
}

}  // namespace
}  // namespace dsim::engine
