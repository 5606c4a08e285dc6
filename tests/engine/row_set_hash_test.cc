#include "engine/row_set_hash.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/engine/test_rng.h"

namespace dsim::engine {
namespace {

std::vector<Digest128> RandomRows(uint64_t seed, int n) {
  SplitMix64 rng{seed};
  std::vector<Digest128> rows;
  for (int i = 0; i < n; ++i) rows.push_back(Digest128{rng.Next(), rng.Next()});
  return rows;
}

Digest128 HashOf(const std::vector<Digest128>& rows) {
  RowSetHash h;
  for (const Digest128& d : rows) h.Add(d);
  return h.Finish();
}

TEST(RowSetHashTest, IsOrderIndependentAndSeesEveryMissingExtraOrChangedRow) {
  std::vector<Digest128> rows = RandomRows(7, 300);
  const Digest128 h = HashOf(rows);
  std::vector<Digest128> reversed(rows.rbegin(), rows.rend());
  EXPECT_EQ(HashOf(reversed), h);
  for (size_t i = 0; i < rows.size(); i += 37) {
    std::vector<Digest128> missing = rows;
    missing.erase(missing.begin() + static_cast<std::ptrdiff_t>(i));
    EXPECT_NE(HashOf(missing), h);
    std::vector<Digest128> changed = rows;
    changed[i].low ^= 1;
    EXPECT_NE(HashOf(changed), h);
    std::vector<Digest128> extra = rows;
    extra.push_back(rows[i]);  // a duplicate still counts
    EXPECT_NE(HashOf(extra), h);
  }
  EXPECT_EQ(HashOf({}), Digest128{});
}

TEST(RowSetHashTest, SumsAsOne128BitInteger) {
  // {2^64 - 1, 1} and {2^64, 0} have the same 128-bit sum and count: equal only if the carry
  // out of the low word reaches the high word.
  RowSetHash h;
  h.Add(Digest128{~uint64_t{0}, 0});
  h.Add(Digest128{1, 0});
  RowSetHash g;
  g.Add(Digest128{0, 1});
  g.Add(Digest128{0, 0});
  EXPECT_EQ(h.Finish(), g.Finish());
  EXPECT_EQ(h.count(), 2u);
}

}  // namespace
}  // namespace dsim::engine
