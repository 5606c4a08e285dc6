// Rateless Invertible Bloom Lookup Tables (RIBLT): set reconciliation by a stream of coded
// symbols (Yang, Gilad, Alizadeh, "Practical Rateless Set Reconciliation", SIGCOMM 2024).
//
// Two replicas each hold a set of fixed-width items (RibltItem: a row-key hash and the row's
// 128-bit digest). The sender adds its set to a RibltEncoder and streams coded symbols 0, 1,
// 2, ...; the receiver adds its own set to a RibltDecoder and hands it the remote symbols one
// at a time until Decoded(). It then holds the symmetric difference: remote_only() (items only
// the sender has) and local_only() (items only the receiver has). Neither side needs to know
// the difference size d in advance; about 1.35 d symbols suffice at large d (riblt_test
// measures 1.30..1.50 at d = 10,000), whatever the set sizes. Shared items cancel out.
//
// Coded symbol: the XOR of the items mapped to it, the XOR of their checksums and their count.
// The checksum of an item is Hash64 of its three fields as fixed64 (24 bytes). The receiver
// subtracts its own items from each remote symbol, so a symbol holds the XOR over the
// difference, with count = (remote items) - (local items) in it. A symbol is pure when its
// count is +1 or -1 and its checksum is Hash64 of its sum: then the sum is one item of the
// difference (count +1: remote only, -1: local only), which is peeled: removed from every
// symbol received so far that it maps to (possibly making others pure) and from every later
// one. The difference is complete when symbol 0, to which every item maps, is empty.
// (A false pure symbol or a false empty symbol 0 needs a 64-bit checksum collision.)
//
// Wire form (RibltSymbol::AppendTo / Parse): key, digest_low, digest_high, checksum and count
// (two's complement) as five fixed64: RibltSymbol::kSerializedBytes = 40 bytes per symbol.
//
// Mapping of an item to symbol indices: every item maps to index 0, and to each index i >= 1
// independently with probability p(i) = 2 / (i + 2), the paper's 1 / (1 + i/2). The indices are
// produced in increasing order, each from one draw r of a SplitMix64 stream seeded with the
// item's checksum. From index L, with u = (r + 1) / 2^64 in (0, 1], the next index is the
// smallest m > L with (L+1)(L+2) / ((m+1)(m+2)) < u. Since P(no index in L+1..m) is the product
// of (1 - p(k)) = k / (k + 2) over k = L+1..m, that is (L+1)(L+2) / ((m+1)(m+2)), this is exact
// inverse-transform sampling (to 2^-64). In integers only (no floating point decides an index):
//   Q = floor((L+1)(L+2) * 2^64 / (r + 1)),  next = the largest x with x (x + 1) <= Q,
// x from the 128-bit integer square root s = floor(sqrt(Q)): x = s if s (s + 1) <= Q, else s - 1.
// The paper's reference code draws next = L + ceil((L + 1.5) (1 / sqrt(u) - 1)) in floating
// point: the continuous approximation, with (L + 1.5)^2 in place of (L+1)(L+2). The two agree
// to a relative 1 / (8 (L + 1.5)^2), but at small L the approximation shows: it maps an item to
// index 1 with probability 0.64 instead of 2/3 (index 2: 0.49 instead of 1/2).
//
// Limits: at most kRibltMaxSymbols symbols per stream (indices fit 32 bits), at most 2^32 - 1
// items per encoder or decoder. Items of one set must be distinct.
//
//   RibltEncoder enc;                          // on the sender
//   for (const RibltItem& x : remote_set) enc.Add(x);
//   RibltDecoder dec;                          // on the receiver
//   for (const RibltItem& x : local_set) dec.AddLocal(x);
//   while (!dec.Decoded()) dec.AddRemoteSymbol(enc.ProduceNext());  // charge kSerializedBytes
//   dec.remote_only();  dec.local_only();      // sorted
#ifndef DSIM_ENGINE_RIBLT_H_
#define DSIM_ENGINE_RIBLT_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/hash.h"

namespace dsim::engine {

// Symbol indices are below this (2^32 - 1), so (L+1)(L+2) fits 64 bits in RibltNextIndex.
inline constexpr uint64_t kRibltMaxSymbols = (uint64_t{1} << 32) - 1;

struct RibltItem {
  uint64_t key = 0;  // e.g. the row key's token or hash
  uint64_t digest_low = 0;
  uint64_t digest_high = 0;

  static RibltItem Of(uint64_t key, const Digest128& digest) {
    return RibltItem{key, digest.low, digest.high};
  }

  friend bool operator==(const RibltItem&, const RibltItem&) = default;
  friend auto operator<=>(const RibltItem&, const RibltItem&) = default;

  RibltItem& operator^=(const RibltItem& o) {
    key ^= o.key;
    digest_low ^= o.digest_low;
    digest_high ^= o.digest_high;
    return *this;
  }
  bool IsZero() const { return (key | digest_low | digest_high) == 0; }

  // Hash64 of fixed64(key), fixed64(digest_low), fixed64(digest_high).
  uint64_t Checksum() const;
};

struct RibltSymbol {
  static constexpr uint32_t kSerializedBytes = 40;

  RibltItem sum;          // XOR of the items
  uint64_t checksum = 0;  // XOR of their checksums
  int64_t count = 0;      // number of items (a decoder's difference symbol: remote - local)

  friend bool operator==(const RibltSymbol&, const RibltSymbol&) = default;

  bool IsEmpty() const { return count == 0 && checksum == 0 && sum.IsZero(); }
  // count is +1 or -1 and checksum == sum.Checksum().
  bool IsPure() const { return (count == 1 || count == -1) && checksum == sum.Checksum(); }

  // Appends exactly kSerializedBytes bytes.
  void AppendTo(std::string* out) const;
  // InvalidArgument unless bytes.size() == kSerializedBytes; every 40-byte string parses.
  [[nodiscard]] static absl::StatusOr<RibltSymbol> Parse(std::string_view bytes);
};

// The mapping rule above: the index after `index` for the draw `r`. Always > index.
// REQUIRES: index < kRibltMaxSymbols.
uint64_t RibltNextIndex(uint64_t index, uint64_t r);

// The increasing sequence of symbol indices one item maps to: 0 first, then RibltNextIndex with
// draws from SplitMix64 seeded with the item's checksum.
class RibltIndexSequence {
 public:
  explicit RibltIndexSequence(uint64_t checksum) : state_(checksum) {}

  uint64_t index() const { return index_; }
  // REQUIRES: index() < kRibltMaxSymbols.
  void Advance() { index_ = RibltNextIndex(index_, NextDraw()); }

 private:
  uint64_t NextDraw() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  uint64_t state_;
  uint64_t index_ = 0;
};

namespace riblt_internal {

// Items with their index sequences, in a radix heap on their next index (a monotone priority
// queue: keys never fall below the last index applied). Apply(i) adds every item whose next
// index is i to a symbol and advances it. XOR and + commute, so a symbol does not depend on the
// order of Add calls. Bucket b holds the items whose next index differs from last_ first in bit
// b - 1 (bucket 0: next index == last_), so the smallest index is always in the lowest non-empty
// bucket; when it is reached, that bucket is spread over the lower ones. Each item moves down a
// bucket at most 32 times per index it maps to; a node is 8 bytes and the item data (56 bytes)
// is only read when applied. Memory: about 64 bytes per item plus bucket slack (10^6 items:
// 87 MB peak while producing 14,000 symbols).
class CodingWindow {
 public:
  // `seq.index()` is the first index the item is applied at; `count_delta` is added to a
  // symbol's count per application. REQUIRES: seq.index() > every index applied so far.
  void Add(const RibltItem& item, uint64_t checksum, int64_t count_delta, RibltIndexSequence seq);
  // REQUIRES: i < kRibltMaxSymbols; i > every index applied before.
  void Apply(uint64_t i, RibltSymbol* symbol);
  size_t size() const { return entries_.size(); }

 private:
  static constexpr int kBuckets = 33;  // next indices are capped to 32 bits
  struct Entry {
    RibltItem item;
    uint64_t checksum;
    int64_t count_delta;
    RibltIndexSequence seq;
  };
  static constexpr size_t kKeptCapacity = 1024;  // nodes an emptied bucket may keep
  void Push(uint64_t node);
  void Empty(int b);
  uint64_t MinIndex();
  void Spread(uint64_t i);

  std::vector<Entry> entries_;
  // Nodes: (min(next index, kRibltMaxSymbols) << 32) | slot in entries_. Indices capped at
  // kRibltMaxSymbols are never applied.
  std::vector<uint64_t> buckets_[kBuckets];
  uint64_t nonempty_ = 0;  // bit b: buckets_[b] is not empty
  uint64_t last_ = 0;      // the buckets are relative to this index
  bool min_known_ = true;  // min_: the smallest next index (~0: none)
  uint64_t min_ = ~uint64_t{0};
};

}  // namespace riblt_internal

// The sender's side: holds a set, produces its coded symbols 0, 1, 2, ... on demand. Work per
// symbol i: one index draw and a few bucket moves per item mapped to it (about 2n / (i + 2) of
// n items); producing symbols 0..m-1 draws about n (2 ln(m) - 0.85) indices in all. The
// receiver repeats this work for its own items.
class RibltEncoder {
 public:
  // REQUIRES: symbols_produced() == 0; `item` not added before.
  void Add(const RibltItem& item);
  // Coded symbol number symbols_produced(). REQUIRES: symbols_produced() < kRibltMaxSymbols.
  RibltSymbol ProduceNext();

  uint64_t symbols_produced() const { return produced_; }
  size_t item_count() const { return window_.size(); }

 private:
  riblt_internal::CodingWindow window_;
  uint64_t produced_ = 0;
};

// The receiver's side: its own set, and the remote symbols received so far with the local
// items and every peeled item removed. Memory: kSerializedBytes per received symbol plus the
// window's (about 64 bytes) per local or recovered item.
class RibltDecoder {
 public:
  // REQUIRES: symbols_received() == 0; `item` not added before.
  void AddLocal(const RibltItem& item);
  // Takes remote symbol number symbols_received() (the sender's ProduceNext() in order) and
  // peels every symbol that becomes pure. REQUIRES: symbols_received() < kRibltMaxSymbols.
  void AddRemoteSymbol(const RibltSymbol& remote);

  // Symbol 0 is empty after peeling: remote_only() and local_only() are the whole difference.
  bool Decoded() const { return !symbols_.empty() && symbols_[0].IsEmpty(); }
  uint64_t symbols_received() const { return symbols_.size(); }
  size_t local_count() const { return local_count_; }

  // Items recovered so far, sorted (complete once Decoded()).
  std::vector<RibltItem> remote_only() const;
  std::vector<RibltItem> local_only() const;
  size_t remote_only_count() const { return remote_only_.size(); }
  size_t local_only_count() const { return local_only_.size(); }

 private:
  void Peel();
  void PeelOne(const RibltSymbol& pure);

  riblt_internal::CodingWindow window_;  // local items (delta -1) and peeled items
  std::vector<RibltSymbol> symbols_;     // remote - local - peeled, by index
  std::vector<uint64_t> pending_;        // indices that were pure when last touched
  std::vector<RibltItem> remote_only_;   // in peeling order
  std::vector<RibltItem> local_only_;
  size_t local_count_ = 0;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_RIBLT_H_
