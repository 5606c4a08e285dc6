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

TokenRange TokenRange::EvenPart(uint64_t parts, uint64_t i) const {
  const unsigned __int128 width = static_cast<unsigned __int128>(WidthMinusOne()) + 1;
  DSIM_CHECK_MSG(parts >= 1 && parts <= width && i < parts,
                 "cannot split a range into that many parts");
  // Offsets floor(i * width / parts) and floor((i + 1) * width / parts), wrapping mod 2^64.
  const auto end_of = [&](uint64_t k) {
    return begin_ + static_cast<uint64_t>((static_cast<unsigned __int128>(k) * width) / parts);
  };
  return TokenRange(end_of(i), end_of(i + 1));
}

std::vector<TokenRange> TokenRange::SplitEven(uint64_t parts) const {
  std::vector<TokenRange> out;
  out.reserve(parts);
  for (uint64_t i = 0; i < parts; ++i) out.push_back(EvenPart(parts, i));
  return out;
}

double TokenRange::RingFraction() const {
  // (w - 1 + 1) / 2^64, with w - 1 in [0, 2^64 - 1].
  return (static_cast<double>(WidthMinusOne()) + 1.0) / 18446744073709551616.0;
}

std::string TokenRange::ToString() const { return absl::StrFormat("(%u, %u]", begin_, end_); }

}  // namespace dsim::engine
