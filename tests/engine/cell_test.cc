// Property tests of the LWW cell CRDT and of partition (cell-by-cell) merge.
#include "engine/cell.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/mutation.h"
#include "engine/partition.h"
#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

// SplitMix64: a tiny, fixed generator so the cases are the same everywhere.
// Small domains on purpose: timestamp, value and deletion-time ties are frequent.
Cell RandomCell(SplitMix64& rng) {
  static const char* const kValues[] = {"", "a", "b", "ab", "ba", "\xff"};
  Cell c;
  c.timestamp_us = static_cast<int64_t>(rng.Below(4)) - 1;  // -1..2
  c.tombstone = rng.Below(2) == 0;
  c.value = c.tombstone && rng.Below(2) == 0 ? "" : kValues[rng.Below(6)];
  c.local_deletion_time_us = c.tombstone ? static_cast<int64_t>(rng.Below(3)) : 0;
  return c;
}

constexpr const char* kColumns[] = {"c0", "c1", "c2", "c3"};

Partition RandomPartition(SplitMix64& rng, const std::string& key) {
  Partition p(key);
  const int cells = static_cast<int>(rng.Below(5));
  for (int i = 0; i < cells; ++i) p.Put(kColumns[rng.Below(4)], RandomCell(rng));
  return p;
}

// The rule from the design, written independently of CellLess: which input wins.
const Cell& ExpectedWinner(const Cell& a, const Cell& b) {
  if (a.timestamp_us != b.timestamp_us) return a.timestamp_us > b.timestamp_us ? a : b;
  if (a.tombstone != b.tombstone) return a.tombstone ? a : b;
  if (a.value != b.value) {
    // Byte-wise (unsigned) comparison.
    const std::string& x = a.value;
    const std::string& y = b.value;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (x[i] != y[i]) {
        return static_cast<unsigned char>(x[i]) > static_cast<unsigned char>(y[i]) ? a : b;
      }
    }
    return x.size() > y.size() ? a : b;
  }
  return a.local_deletion_time_us >= b.local_deletion_time_us ? a : b;
}

constexpr int kCases = 20000;

TEST(CellTest, MergeFollowsTheRules) {
  SplitMix64 rng{1};
  for (int i = 0; i < kCases; ++i) {
    const Cell a = RandomCell(rng), b = RandomCell(rng);
    EXPECT_EQ(Merge(a, b), ExpectedWinner(a, b));
  }
}

TEST(CellTest, NamedCases) {
  EXPECT_EQ(Merge(Cell::Live("x", 10), Cell::Live("a", 11)), Cell::Live("a", 11));
  EXPECT_EQ(Merge(Cell::Live("z", 10), Cell::Tombstone(10, 5)), Cell::Tombstone(10, 5));
  EXPECT_EQ(Merge(Cell::Live("a", 10), Cell::Live("b", 10)), Cell::Live("b", 10));
  EXPECT_EQ(Merge(Cell::Tombstone(9, 100), Cell::Live("a", 10)), Cell::Live("a", 10));
  EXPECT_EQ(Merge(Cell::Tombstone(10, 1), Cell::Tombstone(10, 2)), Cell::Tombstone(10, 2));
}

TEST(CellTest, MergeIsCommutativeAssociativeIdempotent) {
  SplitMix64 rng{2};
  for (int i = 0; i < kCases; ++i) {
    const Cell a = RandomCell(rng), b = RandomCell(rng), c = RandomCell(rng);
    ASSERT_EQ(Merge(a, b), Merge(b, a));
    ASSERT_EQ(Merge(Merge(a, b), c), Merge(a, Merge(b, c)));
    ASSERT_EQ(Merge(a, a), a);
    const Cell m = Merge(a, b);
    ASSERT_TRUE(m == a || m == b);
    Cell in_place = a;
    MergeInto(&in_place, b);
    ASSERT_EQ(in_place, m);
  }
}

TEST(PartitionTest, MergeIsCommutativeAssociativeIdempotent) {
  SplitMix64 rng{3};
  for (int i = 0; i < kCases; ++i) {
    const Partition a = RandomPartition(rng, "k"), b = RandomPartition(rng, "k"),
                    c = RandomPartition(rng, "k");
    const Partition ab = Merge(a, b);
    ASSERT_EQ(ab, Merge(b, a));
    ASSERT_EQ(Merge(ab, c), Merge(a, Merge(b, c)));
    ASSERT_EQ(Merge(a, a), a);
    ASSERT_EQ(Merge(ab, b), ab);  // re-delivery changes nothing
    ASSERT_EQ(ab.Digest(), Merge(b, a).Digest());
    // Every column of the merge holds the cell-wise winner.
    for (const auto& [name, cell] : ab.cells()) {
      const auto ia = a.cells().find(name);
      const auto ib = b.cells().find(name);
      Cell expected = ia != a.cells().end() ? ia->second : ib->second;
      if (ia != a.cells().end() && ib != b.cells().end()) expected = Merge(ia->second, ib->second);
      ASSERT_EQ(cell, expected);
    }
    ASSERT_EQ(ab.cell_count(), [&] {
      size_t n = a.cell_count();
      for (const auto& [name, cell] : b.cells()) n += a.cells().contains(name) ? 0 : 1;
      return n;
    }());
  }
}

TEST(PartitionTest, EncodingRoundTripsAndIsCanonical) {
  SplitMix64 rng{4};
  for (int i = 0; i < 2000; ++i) {
    const Partition p = RandomPartition(rng, absl::StrCat("key", i));
    std::string bytes = p.Encode();
    std::string_view in = bytes;
    absl::StatusOr<Partition> back = Partition::DecodeFrom(&in);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(*back, p);
    EXPECT_EQ(back->token(), p.token());
    EXPECT_EQ(back->Digest(), p.Digest());
    // Building the same content in another order gives the same bytes.
    Partition q(p.key());
    for (auto it = p.cells().rbegin(); it != p.cells().rend(); ++it) q.Put(it->first, it->second);
    EXPECT_EQ(q.Encode(), bytes);
    // Every strict prefix fails to decode.
    for (size_t n = 0; n < bytes.size(); n += 3) {
      std::string_view prefix = std::string_view(bytes).substr(0, n);
      EXPECT_FALSE(Partition::DecodeFrom(&prefix).ok());
    }
  }
}

TEST(PartitionTest, DigestSeesEveryField) {
  Partition p("k");
  p.Put("c", Cell::Live("v", 10));
  const Digest128 base = p.Digest();
  Partition value("k"), ts("k"), tomb("k"), column("k"), key("k2");
  value.Put("c", Cell::Live("w", 10));
  ts.Put("c", Cell::Live("v", 11));
  tomb.Put("c", Cell{"v", 10, true, 0});
  column.Put("d", Cell::Live("v", 10));
  key.Put("c", Cell::Live("v", 10));
  for (const Partition* q : {&value, &ts, &tomb, &column, &key}) EXPECT_NE(q->Digest(), base);
}

TEST(PartitionTest, ByteSizeAccounting) {
  Partition p("key");  // 3 + 8
  EXPECT_EQ(p.ByteSize(), 11);
  p.Put("col", Cell::Live("value", 1));  // + 3 + 5 + 17
  EXPECT_EQ(p.ByteSize(), 36);
  p.Put("col", Cell::Tombstone(2, 2));  // value now empty
  EXPECT_EQ(p.ByteSize(), 31);
}

TEST(MutationTest, EncodeDecode) {
  Mutation m = Mutation::Put("k", "c", "v", 5);
  m.partition.Put("d", Cell::Tombstone(6, 7));
  absl::StatusOr<Mutation> back = Mutation::Decode(m.Encode());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, m);
  EXPECT_FALSE(Mutation::Decode(m.Encode() + "x").ok());
  EXPECT_EQ(Mutation::Delete("k", "c", 3, 4).partition.cells().at("c"), Cell::Tombstone(3, 4));
}

}  // namespace
}  // namespace dsim::engine
