#include "engine/memtable.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/token.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

TEST(MemtableTest, SortedByTokenThenKeyAndMerged) {
  Memtable mem;
  SplitMix64 rng{5};
  for (int i = 0; i < 5000; ++i) {
    const std::string key = absl::StrCat("k", rng.Next() % 1000);
    mem.Apply(Mutation::Put(key, absl::StrCat("c", rng.Next() % 3), absl::StrCat(i),
                            static_cast<int64_t>(rng.Next() % 100)));
  }
  EXPECT_LE(mem.partition_count(), 1000u);
  auto it = mem.NewIterator();
  uint64_t last_token = 0;
  std::string last_key;
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    const Partition& p = it->partition();
    EXPECT_EQ(p.token(), Token(p.key()));
    if (n > 0) {
      EXPECT_TRUE(PartitionKeyLess(last_token, last_key, p.token(), p.key()));
    }
    last_token = p.token();
    last_key = p.key();
  }
  EXPECT_EQ(n, mem.partition_count());
  EXPECT_TRUE(it->status().ok());
}

TEST(MemtableTest, ApplyMergesWithCrdtRules) {
  Memtable mem;
  mem.Apply(Mutation::Put("k", "c", "old", 10));
  mem.Apply(Mutation::Put("k", "c", "new", 20));
  mem.Apply(Mutation::Put("k", "c", "stale", 15));
  mem.Apply(Mutation::Put("k", "d", "x", 1));
  const Partition* p = mem.Get("k");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->cells().at("c"), Cell::Live("new", 20));
  EXPECT_EQ(p->cell_count(), 2u);
  mem.Apply(Mutation::Delete("k", "c", 20, 99));  // tie: tombstone wins
  EXPECT_TRUE(mem.Get("k")->cells().at("c").tombstone);
  EXPECT_EQ(mem.Get("absent"), nullptr);
  EXPECT_EQ(mem.MinTimestampUs(), 1);
  EXPECT_EQ(mem.MaxTimestampUs(), 20);
}

TEST(MemtableTest, ByteAccountingEqualsSumOfPartitionSizes) {
  Memtable mem;
  SplitMix64 rng{6};
  for (int i = 0; i < 3000; ++i) {
    const std::string key = absl::StrCat("key", rng.Next() % 300);
    const std::string value(rng.Next() % 50, 'v');
    if (rng.Next() % 4 == 0) {
      mem.Apply(Mutation::Delete(key, absl::StrCat("c", rng.Next() % 5),
                                 static_cast<int64_t>(rng.Next() % 1000), 1));
    } else {
      mem.Apply(Mutation::Put(key, absl::StrCat("c", rng.Next() % 5), value,
                              static_cast<int64_t>(rng.Next() % 1000)));
    }
    if (i % 100 == 0) {
      int64_t sum = 0;
      for (const auto& [k, p] : mem.partitions()) sum += p.ByteSize();
      ASSERT_EQ(mem.ApproximateBytes(), sum);
    }
  }
  mem.Clear();
  EXPECT_EQ(mem.ApproximateBytes(), 0);
  EXPECT_TRUE(mem.empty());
}

TEST(MemtableTest, SeekFindsFirstTokenAtOrAfter) {
  Memtable mem;
  for (int i = 0; i < 200; ++i) mem.Apply(Mutation::Put(absl::StrCat("k", i), "c", "v", 1));
  std::vector<uint64_t> tokens;
  for (const auto& [k, p] : mem.partitions()) tokens.push_back(p.token());
  auto it = mem.NewIterator();
  for (size_t i = 0; i < tokens.size(); i += 17) {
    it->Seek(tokens[i]);
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->token(), tokens[i]);
    it->Seek(tokens[i] + 1);
    if (i + 1 < tokens.size()) {
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(it->token(), tokens[i + 1]);
    }
  }
}

}  // namespace
}  // namespace dsim::engine
