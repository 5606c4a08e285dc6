#include "engine/merging_iterator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "engine/memtable.h"
#include "engine/store.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

TEST(MergingIteratorTest, YieldsEachKeyOnceMergedInOrder) {
  SplitMix64 rng{51};
  std::vector<Memtable> sources(5);
  std::map<std::pair<uint64_t, std::string>, Partition> expected;
  for (int i = 0; i < 4000; ++i) {
    const Mutation m =
        Mutation::Put(absl::StrCat("k", rng.Next() % 700), absl::StrCat("c", rng.Next() % 3),
                      absl::StrCat("v", rng.Next() % 9), static_cast<int64_t>(rng.Next() % 20));
    sources[rng.Next() % sources.size()].Apply(m);
    auto key = std::make_pair(m.partition.token(), m.key());
    expected.try_emplace(key, Partition(m.key())).first->second.MergeFrom(m.partition);
  }
  std::vector<std::unique_ptr<PartitionIterator>> children;
  for (const Memtable& s : sources) children.push_back(s.NewIterator());
  MergingIterator it(std::move(children));
  auto want = expected.begin();
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++want) {
    ASSERT_NE(want, expected.end());
    EXPECT_EQ(it.partition(), want->second);
  }
  EXPECT_EQ(want, expected.end());
  EXPECT_TRUE(it.status().ok());
  // Seek lands on the first key at or after the token.
  const uint64_t middle = std::next(expected.begin(), 300)->first.first;
  it.Seek(middle);
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.token(), middle);
}

TEST(MergingIteratorTest, NoChildrenIsEmpty) {
  MergingIterator it({});
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().ok());
}

// Ranges whose begin is the last token, and full rings cut anywhere, scan the right tokens.
TEST(MergingIteratorTest, StoreRangeEdges) {
  MemDisk disk;
  auto store = *Store::Open(StoreOptions{}, &disk);
  std::vector<uint64_t> tokens;
  for (int i = 0; i < 300; ++i) {
    const Mutation m = Mutation::Put(absl::StrCat("k", i), "c", "v", 1);
    tokens.push_back(m.partition.token());
    ASSERT_TRUE(store->Apply(m, 1).ok());
  }
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (const TokenRange r : {TokenRange(kMax, uint64_t{1} << 62), TokenRange(tokens[5], tokens[5]),
                             TokenRange(tokens[7], tokens[9]), TokenRange(0, kMax)}) {
    uint64_t scanned = 0;
    ASSERT_TRUE(store
                    ->ForEachPartitionInRange(r,
                                              [&](const Partition& p) {
                                                EXPECT_TRUE(r.Contains(p.token()));
                                                ++scanned;
                                              })
                    .ok());
    uint64_t expected = 0;
    for (uint64_t t : tokens) expected += r.Contains(t) ? 1 : 0;
    EXPECT_EQ(scanned, expected) << r.ToString();
  }
}

}  // namespace
}  // namespace dsim::engine
