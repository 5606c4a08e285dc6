// BloomFilter: the classic bit-array Bloom filter over partition keys, one per SSTable.
//
// Sizing, for n expected keys and target false-positive chance p (Cassandra's
// bloom_filter_fp_chance):
//   m = ceil(-n ln p / (ln 2)^2) bits,   k = max(1, round(m / n * ln 2)) probes.
// Probes use double hashing from one 64-bit XXH3 hash h of the key (the partition token):
//   h1 = splitmix64_finaliser(h), h2 = fmix64(h) | 1,
//   probe i at bit floor(((h1 + i * h2) mod 2^64) * m / 2^64).
// (fmix64 is MurmurHash3's bijective finaliser, which makes h2 look independent of h1; the
// multiply-shift maps a 64-bit value onto [0, m) without a division.)
// A key that was added is always reported present (no false negatives). The false-positive
// rate for the n keys actually inserted is, in theory, (1 - e^{-k n / m})^k.
//
// Serialised form: fixed64 m, fixed32 k, fixed64 inserted count, fixed64 bit pattern of the
// configured p (IEEE double), then ceil(m / 64) fixed64 words.
//
//   BloomFilter f = BloomFilter::ForCapacity(1000, 0.01);
//   f.AddHash(Token("key"));
//   f.MayContainHash(Token("key"));  // true
#ifndef DSIM_ENGINE_BLOOM_FILTER_H_
#define DSIM_ENGINE_BLOOM_FILTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dsim::engine {

class BloomFilter {
 public:
  // Sized for `expected_keys` (n; 0 is treated as 1) at false-positive chance `fp_chance`.
  // REQUIRES: 0 < fp_chance < 1.
  static BloomFilter ForCapacity(uint64_t expected_keys, double fp_chance);

  // m and k from the formulas above.
  static uint64_t OptimalBits(uint64_t expected_keys, double fp_chance);
  static int OptimalProbes(uint64_t expected_keys, uint64_t bits);

  // A filter with explicit m and k. REQUIRES: bits >= 1, probes >= 1.
  BloomFilter(uint64_t bits, int probes, double fp_chance);

  // Adds a key given its 64-bit hash (the token). Counts every call as one inserted key.
  void AddHash(uint64_t hash) {
    const uint64_t h2 = Mix(hash);
    uint64_t g = Spread(hash);
    for (int i = 0; i < probes_; ++i, g += h2) {
      const uint64_t bit = Reduce(g);
      words_[bit >> 6] |= uint64_t{1} << (bit & 63);
    }
    ++inserted_;
  }
  void Add(std::string_view key);

  // False: the key was certainly never added. True: it may have been.
  // Branch-free over the probes: k independent loads beat early exit, whose unpredictable
  // branch costs more than the loads it saves (measured by engine_bloom_filter_benchmark).
  bool MayContainHash(uint64_t hash) const {
    const uint64_t h2 = Mix(hash);
    uint64_t g = Spread(hash);
    uint64_t all = 1;
    for (int i = 0; i < probes_; ++i, g += h2) {
      const uint64_t bit = Reduce(g);
      all &= words_[bit >> 6] >> (bit & 63);
    }
    return (all & 1) != 0;
  }
  bool MayContain(std::string_view key) const;

  // (1 - e^{-k n / m})^k with n = inserted_count().
  double TheoreticalFpRate() const;

  uint64_t bits() const { return bits_; }
  int probes() const { return probes_; }
  uint64_t inserted_count() const { return inserted_; }
  double fp_chance() const { return fp_chance_; }
  // Bytes of the bit array.
  uint64_t ByteSize() const { return words_.size() * 8; }

  std::string Serialize() const;
  [[nodiscard]] static absl::StatusOr<BloomFilter> Deserialize(std::string_view bytes);

  friend bool operator==(const BloomFilter&, const BloomFilter&) = default;

 private:
  // SplitMix64's finaliser (bijective). A token is a position on the ring, and one node's
  // SSTables hold only the tokens of its own ranges: used raw, the first probe of every key
  // of a table would fall in the same narrow part of the bit array (and the filter would show
  // far more false positives than the formula). Spreading the token first decorrelates the
  // probes from data placement.
  static uint64_t Spread(uint64_t h) {
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
  }
  static uint64_t Mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h | 1;
  }
  uint64_t Reduce(uint64_t g) const {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(g) * bits_) >> 64);
  }

  uint64_t bits_;
  int probes_;
  double fp_chance_;
  uint64_t inserted_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_BLOOM_FILTER_H_
