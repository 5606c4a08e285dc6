// HyperLogLog: a cardinality sketch of 64-bit hashes (one per SSTable, over partition tokens).
//
// Precision p in [4, 18] (default 13, Cassandra's) gives m = 2^p one-byte registers. A hash h
// goes to register h >> (64 - p) and offers the rank of its remaining 64 - p bits (leading
// zeros + 1, or 64 - p + 1 when they are all zero); a register keeps the largest rank it saw.
// Merge takes the register-wise max, so merging sketches equals sketching the union.
//
// Sparse mode (HLL++, as Cassandra's HyperLogLogPlus(13, 25)): a new sketch starts sparse,
// keeping one entry per distinct 25-bit index (the top 25 bits of the hash) with the rank of
// the remaining 39 bits, sorted by index. While sparse, Estimate() is linear counting over
// 2^25 virtual registers, which is exact up to collisions of 25-bit indexes (about
// n^2 / 2^26: well under one key for the few thousand keys a sparse sketch holds). Once it
// holds more than m / 4 entries (as many bytes as the dense registers) it converts to the
// dense form, register by register exactly as if every hash had been added densely, so the
// representation never changes a dense estimate, and merging equals sketching the union in
// either form.
//
// Estimate() of the dense form:
//   - small range (HLL++ style): while some register is still zero, the linear-counting
//     estimate m ln(m / V) (V = zero registers) is used if it is at most the HLL++ threshold
//     for p (Heule, Nunkesser, Hall 2013, table of thresholds: 10, 20, 40, 80, 220, 400, 900,
//     1800, 3100, 6500, 11500, 20000, 50000, 120000, 350000 for p = 4..18);
//   - otherwise Ertl's improved raw estimator (O. Ertl, "New cardinality estimation algorithms
//     for HyperLogLog sketches", 2017, section 3.3), which corrects the bias of the classic
//     raw estimate at small and mid cardinalities without HLL++'s empirical bias tables.
// With 64-bit hashes no large-range correction is needed; the estimate is at most 2^64 (when
// every register holds 64 - p + 1, where Ertl's formula gives infinity). Standard error is about
// 1.04 / sqrt(m) (1.15 % at p = 13).
//
// Serialised form: one byte p, then either m register bytes (dense), or (sparse) the byte
// 0xFF, a 4-byte little-endian entry count and 4-byte little-endian entries
// (index << 6 | rank), ascending.
//
//   HyperLogLog hll(13);
//   hll.AddHash(Token("key"));
//   double n = hll.Estimate();
#ifndef DSIM_ENGINE_HYPER_LOG_LOG_H_
#define DSIM_ENGINE_HYPER_LOG_LOG_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace dsim::engine {

class HyperLogLog {
 public:
  static constexpr int kMinPrecision = 4;
  static constexpr int kMaxPrecision = 18;
  static constexpr int kDefaultPrecision = 13;

  // REQUIRES: kMinPrecision <= precision <= kMaxPrecision.
  explicit HyperLogLog(int precision = kDefaultPrecision);

  static constexpr int kSparsePrecision = 25;
  static constexpr uint8_t kSparseMarker = 0xFF;  // a dense sketch's first register is <= 61

  // What to sketch for a partition token: SplitMix64's bijective finaliser of it. A token is a
  // ring position, and one node's SSTables hold only the tokens of its own ranges, so raw
  // tokens would reach a fraction of the registers and the estimate would come out low
  // (Cassandra sketches a separate hash of the key for the same reason). The SSTable builder
  // and Store::EstimatePartitions add SpreadToken(token).
  static uint64_t SpreadToken(uint64_t token) {
    token = (token ^ (token >> 30)) * 0xbf58476d1ce4e5b9ULL;
    token = (token ^ (token >> 27)) * 0x94d049bb133111ebULL;
    return token ^ (token >> 31);
  }

  void AddHash(uint64_t hash) {
    if (sparse_) {
      AddSparse(hash);
      return;
    }
    const uint64_t index = hash >> (64 - precision_);
    const uint64_t rest = hash << precision_;  // the low 64 - p bits, shifted to the top
    const uint8_t rank = rest == 0 ? static_cast<uint8_t>(65 - precision_)
                                   : static_cast<uint8_t>(std::countl_zero(rest) + 1);
    uint8_t& reg = registers_[index];
    reg = std::max(reg, rank);
  }
  void Add(std::string_view key);
  // AddHash of each, in one pass: the same sketch as adding them one by one, in any order (a
  // sparse sketch sorts the batch and merges it in O(n log n + entries) instead of inserting
  // each into its sorted entries).
  void AddHashes(absl::Span<const uint64_t> hashes);

  // Register-wise max. REQUIRES: other.precision() == precision().
  void Merge(const HyperLogLog& other);

  double Estimate() const;
  // The linear-counting threshold used for this precision.
  double LinearCountingThreshold() const;

  int precision() const { return precision_; }
  bool sparse() const { return sparse_; }
  // The m dense registers (computed from the sparse entries while sparse).
  std::vector<uint8_t> registers() const;

  std::string Serialize() const;
  [[nodiscard]] static absl::StatusOr<HyperLogLog> Deserialize(std::string_view bytes);

  friend bool operator==(const HyperLogLog&, const HyperLogLog&) = default;

 private:
  void AddSparse(uint64_t hash);
  static uint32_t SparseEntryOf(uint64_t hash);
  void InsertSparse(uint32_t entry);
  // Merges `entries` (ascending, one per index) into the sparse entries in one linear pass,
  // keeping the larger rank per index; converts to dense past the limit. REQUIRES: sparse.
  void MergeSparseSorted(const std::vector<uint32_t>& entries);
  // Converts to the dense form (no-op when dense).
  void ToDense();
  size_t SparseLimit() const { return (size_t{1} << precision_) / 4; }
  static uint8_t DenseRankOf(uint32_t entry, int precision);

  int precision_;
  bool sparse_ = true;
  std::vector<uint32_t> sparse_entries_;  // index << 6 | rank, ascending, one per index
  std::vector<uint8_t> registers_;        // empty while sparse
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_HYPER_LOG_LOG_H_
