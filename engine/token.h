// Tokens and token ranges: where a partition lives on the ring.
//
// A partition's token is XXH3_64 of its key, read as an unsigned 64-bit position on a ring of
// 2^64 positions. A TokenRange is the half-open ring interval (begin, end], as in Cassandra:
//   - begin < end:  the tokens t with begin < t <= end;
//   - begin > end:  it wraps past 2^64-1: t > begin or t <= end;
//   - begin == end: the full ring (every token). There is no empty TokenRange.
// So adjacent ranges (a, b] and (b, c] share no token and their union is (a, c]; a ring cut at
// tokens t0 < t1 < ... < tn-1 is exactly the ranges (t0, t1], ..., (tn-1, t0].
//
// Ring order inside a range starts just after `begin`: the first token is begin + 1 (mod 2^64)
// and the last is `end`. For a non-wrapping range that is plain ascending token order. The
// Merkle tree, streaming and the ring all use this one type.
//
//   TokenRange r(100, 200);       // (100, 200]
//   r.Contains(200);              // true
//   auto [left, right] = r.Split();  // (100, 150], (150, 200]
#ifndef DSIM_ENGINE_TOKEN_H_
#define DSIM_ENGINE_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dsim::engine {

// XXH3_64 of the partition key.
uint64_t Token(std::string_view partition_key);

class TokenRange {
 public:
  // The half-open range (begin, end]; begin == end means the full ring.
  constexpr TokenRange(uint64_t begin, uint64_t end) : begin_(begin), end_(end) {}
  // The full ring, cut at token 0: (0, 0].
  static constexpr TokenRange FullRing() { return TokenRange(0, 0); }

  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }
  bool IsFullRing() const { return begin_ == end_; }
  bool Wraps() const { return begin_ >= end_; }

  bool Contains(uint64_t token) const {
    if (begin_ < end_) return token > begin_ && token <= end_;
    return token > begin_ || token <= end_;  // wrapping or full ring
  }

  // Distance of `token` from the start of the range in ring order: 0 for begin + 1,
  // WidthMinusOne() for end. REQUIRES: Contains(token).
  uint64_t Offset(uint64_t token) const { return token - begin_ - 1; }

  // Number of tokens in the range minus one (the full ring has 2^64 tokens, which does not fit).
  uint64_t WidthMinusOne() const { return end_ - begin_ - 1; }

  // Halves the range: (begin, mid] and (mid, end] with mid = begin + floor(width / 2).
  // REQUIRES: the range holds at least two tokens.
  std::pair<TokenRange, TokenRange> Split() const;
  // The range cut into `parts` contiguous ranges in ring order, part i ending at token
  // begin + floor((i + 1) * width / parts): widths differ by at most one token, and together
  // they are exactly this range. REQUIRES: 1 <= parts <= width.
  std::vector<TokenRange> SplitEven(uint64_t parts) const;
  // Part i of SplitEven(parts), computed alone. REQUIRES: 1 <= parts <= width, i < parts.
  TokenRange EvenPart(uint64_t parts, uint64_t i) const;

  // Fraction of the ring this range covers, in (0, 1].
  double RingFraction() const;

  std::string ToString() const;

  friend bool operator==(const TokenRange&, const TokenRange&) = default;

 private:
  uint64_t begin_;
  uint64_t end_;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_TOKEN_H_
