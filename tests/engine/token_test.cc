#include "engine/token.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace dsim::engine {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(TokenTest, IsXxh3OfTheKey) {
  EXPECT_EQ(Token("abc"), XXH3_64bits("abc", 3));
  EXPECT_EQ(Token(""), XXH3_64bits("", 0));
}

TEST(TokenRangeTest, HalfOpenSemantics) {
  const TokenRange r(100, 200);
  EXPECT_FALSE(r.Contains(100));
  EXPECT_TRUE(r.Contains(101));
  EXPECT_TRUE(r.Contains(200));
  EXPECT_FALSE(r.Contains(201));
  EXPECT_FALSE(r.Wraps());
  EXPECT_EQ(r.WidthMinusOne(), 99u);
  EXPECT_EQ(r.Offset(101), 0u);
  EXPECT_EQ(r.Offset(200), 99u);
}

TEST(TokenRangeTest, Wrapping) {
  const TokenRange r(kMax - 1, 1);  // kMax, 0, 1
  EXPECT_TRUE(r.Wraps());
  EXPECT_FALSE(r.Contains(kMax - 1));
  EXPECT_TRUE(r.Contains(kMax));
  EXPECT_TRUE(r.Contains(0));
  EXPECT_TRUE(r.Contains(1));
  EXPECT_FALSE(r.Contains(2));
  EXPECT_EQ(r.WidthMinusOne(), 2u);
  EXPECT_EQ(r.Offset(0), 1u);
}

TEST(TokenRangeTest, FullRing) {
  const TokenRange full = TokenRange::FullRing();
  EXPECT_TRUE(full.IsFullRing());
  for (uint64_t t : {uint64_t{0}, uint64_t{1}, kMax, uint64_t{1} << 63})
    EXPECT_TRUE(full.Contains(t));
  EXPECT_EQ(full.WidthMinusOne(), kMax);
  EXPECT_DOUBLE_EQ(full.RingFraction(), 1.0);
  const TokenRange at(77, 77);
  EXPECT_TRUE(at.Contains(77));
  EXPECT_EQ(at.Offset(78), 0u);
  EXPECT_EQ(at.Offset(77), kMax);
}

TEST(TokenRangeTest, SplitHalvesAndCovers) {
  auto [l, r] = TokenRange::FullRing().Split();
  EXPECT_EQ(l, TokenRange(0, uint64_t{1} << 63));
  EXPECT_EQ(r, TokenRange(uint64_t{1} << 63, 0));
  auto [a, b] = TokenRange(10, 15).Split();  // 5 tokens: 2 left, 3 right
  EXPECT_EQ(a, TokenRange(10, 12));
  EXPECT_EQ(b, TokenRange(12, 15));
  auto [c, d] = TokenRange(kMax - 1, 1).Split();  // 3 tokens wrapping: kMax | 0, 1
  EXPECT_EQ(c, TokenRange(kMax - 1, kMax));
  EXPECT_EQ(d, TokenRange(kMax, 1));
  // Every token of the parent is in exactly one half.
  const TokenRange parent(kMax - 5, 6);
  auto [x, y] = parent.Split();
  for (uint64_t t = kMax - 10; t != 12; ++t) {
    EXPECT_EQ(parent.Contains(t), x.Contains(t) + y.Contains(t) == 1) << t;
    EXPECT_FALSE(x.Contains(t) && y.Contains(t));
  }
}

}  // namespace
}  // namespace dsim::engine

namespace dsim::engine {
namespace {

// SplitEven against its definition, computed independently: the parts are contiguous, cover
// the range exactly, and their widths (counted with Contains on small ranges) differ by <= 1.
TEST(TokenRangeTest, SplitEvenCoversTheRangeWithWidthsWithinOneToken) {
  for (const TokenRange r : {TokenRange(100, 200), TokenRange(~uint64_t{0} - 20, 30)}) {
    for (uint64_t parts : {1, 2, 3, 7, 50}) {
      const std::vector<TokenRange> p = r.SplitEven(parts);
      ASSERT_EQ(p.size(), parts);
      EXPECT_EQ(p.front().begin(), r.begin());
      EXPECT_EQ(p.back().end(), r.end());
      uint64_t min_width = ~uint64_t{0}, max_width = 0;
      for (size_t i = 0; i < p.size(); ++i) {
        if (i > 0) {
          EXPECT_EQ(p[i].begin(), p[i - 1].end());
        }
        EXPECT_EQ(p[i], r.EvenPart(parts, i));
        uint64_t width = 0;
        for (uint64_t t = r.begin() + 1; t != r.end() + 1; ++t) width += p[i].Contains(t) ? 1 : 0;
        EXPECT_EQ(width, p[i].WidthMinusOne() + 1);
        min_width = std::min(min_width, width);
        max_width = std::max(max_width, width);
      }
      EXPECT_LE(max_width - min_width, 1u);
    }
  }
  // The full ring in two: halves of 2^63 tokens.
  const std::vector<TokenRange> halves = TokenRange(5, 5).SplitEven(2);
  EXPECT_EQ(halves[0], TokenRange(5, 5 + (uint64_t{1} << 63)));
  EXPECT_EQ(halves[1], TokenRange(5 + (uint64_t{1} << 63), 5));
  EXPECT_EQ(TokenRange(5, 5).SplitEven(1)[0], TokenRange(5, 5));
}

}  // namespace
}  // namespace dsim::engine
