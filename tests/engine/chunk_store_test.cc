#include "engine/chunk_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/coding.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

TEST(ChunkStoreTest, DataIsFreedExactlyWhenTheLastReferenceGoes) {
  ChunkStore store;
  const std::string bytes(1000, 'a');
  const ChunkStore::PutResult first = store.Put(bytes);
  EXPECT_TRUE(first.inserted);
  EXPECT_EQ(first.address, Hash128(bytes));
  const ChunkStore::PutResult second = store.Put(bytes);
  EXPECT_FALSE(second.inserted);
  EXPECT_EQ(second.address, first.address);
  ASSERT_TRUE(store.AddRef(first.address).ok());
  EXPECT_EQ(store.RefCount(first.address), 3u);
  EXPECT_EQ(store.chunk_count(), 1u);
  EXPECT_EQ(store.bytes_held(), 1000u);  // held once
  EXPECT_EQ(store.ref_count_total(), 3u);
  EXPECT_FALSE(*store.Release(first.address));
  EXPECT_FALSE(*store.Release(first.address));
  EXPECT_TRUE(store.Contains(first.address));
  EXPECT_EQ(*store.Get(first.address), bytes);
  EXPECT_TRUE(*store.Release(first.address));  // the last one
  EXPECT_FALSE(store.Contains(first.address));
  EXPECT_EQ(store.RefCount(first.address), 0u);
  EXPECT_EQ(store.bytes_held(), 0u);
  EXPECT_EQ(store.chunk_count(), 0u);
  EXPECT_EQ(store.Get(first.address).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.Release(first.address).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.AddRef(first.address).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store.Put(bytes).inserted);  // stored anew
}

TEST(ChunkStoreTest, MatchesARefCountModelUnderRandomOperations) {
  SplitMix64 rng{1};
  std::vector<std::string> pool;
  for (int i = 0; i < 40; ++i) pool.push_back(RandomBytes(rng, rng.Below(500)));  // "" too
  ChunkStore store;
  std::map<std::string, uint64_t> model;  // bytes -> count
  for (int step = 0; step < 20000; ++step) {
    const std::string& bytes = pool[rng.Below(pool.size())];
    const ChunkAddress address = Hash128(bytes);
    const bool held = model.contains(bytes);
    switch (rng.Below(3)) {
      case 0: {
        EXPECT_EQ(store.Put(bytes).inserted, !held);
        ++model[bytes];
        break;
      }
      case 1: {
        EXPECT_EQ(store.AddRef(address).ok(), held);
        if (held) ++model[bytes];
        break;
      }
      default: {
        absl::StatusOr<bool> freed = store.Release(address);
        ASSERT_EQ(freed.ok(), held);
        if (!held) break;
        EXPECT_EQ(*freed, model[bytes] == 1);
        if (--model[bytes] == 0) model.erase(bytes);
        break;
      }
    }
    uint64_t bytes_held = 0, refs = 0;
    for (const auto& [b, n] : model) {
      bytes_held += b.size();
      refs += n;
    }
    ASSERT_EQ(store.chunk_count(), model.size());
    ASSERT_EQ(store.bytes_held(), bytes_held);
    ASSERT_EQ(store.ref_count_total(), refs);
    ASSERT_EQ(store.Contains(address), model.contains(bytes));
    ASSERT_EQ(store.RefCount(address), model.contains(bytes) ? model[bytes] : 0);
  }
  std::vector<ChunkAddress> expected;
  for (const auto& [b, n] : model) expected.push_back(Hash128(b));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(store.Addresses(), expected);
}

TEST(ChunkStoreTest, PutVerifiedRejectsBytesOfAnotherAddress) {
  ChunkStore store;
  const ChunkAddress want = Hash128("the chunk asked for");
  absl::StatusOr<ChunkStore::PutResult> bad = store.PutVerified(want, "something else");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(store.chunk_count(), 0u);
  absl::StatusOr<ChunkStore::PutResult> good = store.PutVerified(want, "the chunk asked for");
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(good->inserted);
  EXPECT_EQ(good->address, want);
}

TEST(ChunkStoreTest, ViewsSurviveOtherChanges) {
  SplitMix64 rng{2};
  ChunkStore store;
  const std::string short_chunk = "tiny";  // inside std::string's inline buffer
  const std::string long_chunk = RandomBytes(rng, 5000);
  const ChunkAddress a = store.Put(short_chunk).address;
  const ChunkAddress b = store.Put(long_chunk).address;
  const std::string_view va = *store.Get(a), vb = *store.Get(b);
  std::vector<ChunkAddress> others;
  for (int i = 0; i < 2000; ++i) others.push_back(store.Put(RandomBytes(rng, 1 + i % 40)).address);
  for (int i = 0; i < 2000; i += 2) ASSERT_TRUE(store.Release(others[i]).ok());
  EXPECT_EQ(va, short_chunk);
  EXPECT_EQ(vb, long_chunk);
}

TEST(ChunkStoreTest, MissingIsSortedAndDistinct) {
  ChunkStore store;
  const ChunkAddress held = store.Put("held").address;
  const ChunkAddress x = Hash128("x"), y = Hash128("y");
  std::vector<ChunkAddress> expected = {x, y};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(store.Missing({y, held, x, y, x, held}), expected);
  EXPECT_EQ(store.Missing({held}), std::vector<ChunkAddress>{});
}

}  // namespace
}  // namespace dsim::engine
