#include "engine/token.h"

#include "absl/strings/str_format.h"
#include "engine/check.h"
#include "engine/hash.h"

namespace dsim::engine {

uint64_t Token(std::string_view partition_key) { return Hash64(partition_key); }

std::pair<TokenRange, TokenRange> TokenRange::Split() const {
  // Width = WidthMinusOne() + 1 tokens, computed without overflow for the full ring (2^64).
  const uint64_t width_minus_one = WidthMinusOne();
  DSIM_CHECK_MSG(width_minus_one >= 1, "cannot split a range of one token");
  const uint64_t half = width_minus_one / 2 + (width_minus_one & 1);  // floor((w - 1 + 1) / 2)
  const uint64_t mid = begin_ + half;
  return {TokenRange(begin_, mid), TokenRange(mid, end_)};
}

double TokenRange::RingFraction() const {
  // (w - 1 + 1) / 2^64, with w - 1 in [0, 2^64 - 1].
  return (static_cast<double>(WidthMinusOne()) + 1.0) / 18446744073709551616.0;
}

std::string TokenRange::ToString() const { return absl::StrFormat("(%u, %u]", begin_, end_); }

}  // namespace dsim::engine
