#include "engine/riblt.h"

#include <algorithm>
#include <array>
#include <bit>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "engine/check.h"
#include "engine/coding.h"
#include "engine/hash.h"

namespace dsim::engine {
namespace {

using U128 = unsigned __int128;

void StoreFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// floor(sqrt(n)) digit by digit: one result bit per two bits of n, from the highest power of
// four <= n (`top_bit` is its exponent, even).
template <typename U>
constexpr U IsqrtDigits(U n, int top_bit) {
  U bit = U{1} << top_bit;
  U root = 0;
  while (bit != 0) {
    const U trial = root + bit;
    if (n >= trial) {
      n -= trial;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return root;
}

// kSqrtTable[t] = floor(256 sqrt(t)), for the first guess of Isqrt64.
constexpr std::array<uint16_t, 256> MakeSqrtTable() {
  std::array<uint16_t, 256> t{};
  for (uint32_t i = 1; i < 256; ++i) {
    t[i] =
        static_cast<uint16_t>(IsqrtDigits<uint32_t>(i << 16, (std::bit_width(i << 16) - 1) & ~1));
  }
  return t;
}
constexpr std::array<uint16_t, 256> kSqrtTable = MakeSqrtTable();

// floor(sqrt(n)): a guess from the top 7 or 8 bits of n (relative error about 2^-7), two integer
// Newton steps (error < 2^-25 relative, a few units absolute), then exact correction steps.
uint64_t Isqrt64(uint64_t n) {
  if (n == 0) return 0;
  const int width = std::bit_width(n);
  const int shift = width > 8 ? (width - 7) & ~1 : 0;  // even; n >> shift in [64, 256)
  uint64_t x = (uint64_t{kSqrtTable[n >> shift]} << (shift / 2)) >> 8;
  if (x == 0) x = 1;
  x = (x + n / x) >> 1;
  x = (x + n / x) >> 1;
  while (U128{x} * x > n) --x;
  while (U128{x + 1} * (x + 1) <= n) ++x;
  return x;
}

// floor(sqrt(n)) for any n < 2^128 (>= 2^64 only for next indices >= 2^32: rare).
uint64_t Isqrt128(U128 n) {
  const uint64_t high = static_cast<uint64_t>(n >> 64);
  if (high == 0) return Isqrt64(static_cast<uint64_t>(n));
  return static_cast<uint64_t>(IsqrtDigits<U128>(n, (63 + std::bit_width(high)) & ~1));
}

}  // namespace

uint64_t RibltItem::Checksum() const {
  char buf[24];
  StoreFixed64(buf, key);
  StoreFixed64(buf + 8, digest_low);
  StoreFixed64(buf + 16, digest_high);
  return Hash64(std::string_view(buf, sizeof(buf)));
}

void RibltSymbol::AppendTo(std::string* out) const {
  PutFixed64(out, sum.key);
  PutFixed64(out, sum.digest_low);
  PutFixed64(out, sum.digest_high);
  PutFixed64(out, checksum);
  PutFixed64(out, static_cast<uint64_t>(count));
}

absl::StatusOr<RibltSymbol> RibltSymbol::Parse(std::string_view bytes) {
  if (bytes.size() != kSerializedBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("RIBLT symbol: %d bytes, expected %d", bytes.size(), kSerializedBytes));
  }
  RibltSymbol s;
  s.sum.key = DecodeFixed64(bytes.data());
  s.sum.digest_low = DecodeFixed64(bytes.data() + 8);
  s.sum.digest_high = DecodeFixed64(bytes.data() + 16);
  s.checksum = DecodeFixed64(bytes.data() + 24);
  s.count = static_cast<int64_t>(DecodeFixed64(bytes.data() + 32));
  return s;
}

uint64_t RibltNextIndex(uint64_t index, uint64_t r) {
  DSIM_CHECK(index < kRibltMaxSymbols);
  // (L+1)(L+2) < 2^64 for L <= 2^32 - 2, so a * 2^64 < 2^128.
  const uint64_t a = (index + 1) * (index + 2);
  const U128 w = U128{r} + 1;  // 1 .. 2^64
  const U128 q = (U128{a} << 64) / w;
  // q >= a, so x = L + 1 has x (x + 1) <= q: the result is > L. s < 2^64: no overflow below.
  const uint64_t s = Isqrt128(q);
  return U128{s} * (U128{s} + 1) <= q ? s : s - 1;
}

namespace riblt_internal {

void CodingWindow::Add(const RibltItem& item, uint64_t checksum, int64_t count_delta,
                       RibltIndexSequence seq) {
  DSIM_CHECK(entries_.size() < (uint64_t{1} << 32) - 1);
  const uint64_t slot = entries_.size();
  entries_.push_back(Entry{item, checksum, count_delta, seq});
  const uint64_t index = std::min(seq.index(), kRibltMaxSymbols);
  DSIM_CHECK(index >= last_);
  Push((index << 32) | slot);
  if (min_known_) min_ = std::min(min_, index);
}

void CodingWindow::Push(uint64_t node) {
  const int b = std::bit_width((node >> 32) ^ last_);
  buckets_[b].push_back(node);
  nonempty_ |= uint64_t{1} << b;
}

// Sizes move between buckets as indices advance; a large emptied bucket gives its memory back,
// so the capacity held stays near the item count rather than the sum of every bucket's peak.
void CodingWindow::Empty(int b) {
  if (buckets_[b].capacity() > kKeptCapacity) {
    std::vector<uint64_t>().swap(buckets_[b]);
  } else {
    buckets_[b].clear();
  }
  nonempty_ &= ~(uint64_t{1} << b);
}

// The smallest next index: the smallest in the lowest non-empty bucket.
uint64_t CodingWindow::MinIndex() {
  if (!min_known_) {
    min_ = ~uint64_t{0};
    if (nonempty_ != 0) {
      for (uint64_t node : buckets_[std::countr_zero(nonempty_)]) min_ = std::min(min_, node >> 32);
    }
    min_known_ = true;
  }
  return min_;
}

// Makes `i` (the smallest next index, above last_) the new base: only the lowest non-empty
// bucket holds indices that differ from i below its bit; it is spread over the lower buckets.
// Higher buckets keep their meaning, since i and last_ agree above that bit.
void CodingWindow::Spread(uint64_t i) {
  const int b = std::countr_zero(nonempty_);
  last_ = i;
  for (uint64_t node : buckets_[b]) Push(node);  // each to a bucket below b
  Empty(b);
}

void CodingWindow::Apply(uint64_t i, RibltSymbol* symbol) {
  DSIM_CHECK(i < kRibltMaxSymbols);
  const uint64_t min = MinIndex();
  if (min != i) {
    DSIM_CHECK(min > i);
    return;
  }
  if (last_ != i) Spread(i);
  std::vector<uint64_t>& here = buckets_[0];  // exactly the items whose next index is i
  for (size_t k = 0; k < here.size(); ++k) {
    if (k + 8 < here.size()) __builtin_prefetch(&entries_[static_cast<uint32_t>(here[k + 8])]);
    const uint64_t slot = static_cast<uint32_t>(here[k]);
    Entry& e = entries_[slot];
    symbol->sum ^= e.item;
    symbol->checksum ^= e.checksum;
    symbol->count += e.count_delta;
    e.seq.Advance();
    const uint64_t next = std::min(e.seq.index(), kRibltMaxSymbols);
    const int b = std::bit_width(next ^ i);  // >= 1: next > i
    buckets_[b].push_back((next << 32) | slot);
    nonempty_ |= uint64_t{1} << b;
  }
  Empty(0);
  min_known_ = false;
}

}  // namespace riblt_internal

void RibltEncoder::Add(const RibltItem& item) {
  DSIM_CHECK(produced_ == 0);
  const uint64_t checksum = item.Checksum();
  window_.Add(item, checksum, +1, RibltIndexSequence(checksum));
}

RibltSymbol RibltEncoder::ProduceNext() {
  RibltSymbol s;
  window_.Apply(produced_, &s);
  ++produced_;
  return s;
}

void RibltDecoder::AddLocal(const RibltItem& item) {
  DSIM_CHECK(symbols_.empty());
  const uint64_t checksum = item.Checksum();
  window_.Add(item, checksum, -1, RibltIndexSequence(checksum));
  ++local_count_;
}

void RibltDecoder::AddRemoteSymbol(const RibltSymbol& remote) {
  const uint64_t i = symbols_.size();
  RibltSymbol s = remote;
  window_.Apply(i, &s);
  symbols_.push_back(s);
  if (s.IsPure()) {
    pending_.push_back(i);
    Peel();
  }
}

void RibltDecoder::Peel() {
  while (!pending_.empty()) {
    const uint64_t i = pending_.back();
    pending_.pop_back();
    // Peeling another item since i was queued may have changed it.
    if (symbols_[i].IsPure()) PeelOne(symbols_[i]);
  }
}

// Removes the item of a pure symbol from every received symbol it maps to (queueing those that
// become pure) and hands it to the window for the symbols still to come.
void RibltDecoder::PeelOne(const RibltSymbol& pure) {
  const RibltItem item = pure.sum;  // copies: `pure` is one of symbols_, emptied below
  const uint64_t checksum = pure.checksum;
  const int64_t count = pure.count;
  (count == 1 ? remote_only_ : local_only_).push_back(item);
  RibltIndexSequence seq(checksum);
  for (; seq.index() < symbols_.size(); seq.Advance()) {
    RibltSymbol& s = symbols_[seq.index()];
    s.sum ^= item;
    s.checksum ^= checksum;
    s.count -= count;
    if (s.IsPure()) pending_.push_back(seq.index());
  }
  window_.Add(item, checksum, -count, seq);
}

std::vector<RibltItem> RibltDecoder::remote_only() const {
  std::vector<RibltItem> out = remote_only_;
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<RibltItem> RibltDecoder::local_only() const {
  std::vector<RibltItem> out = local_only_;
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dsim::engine
