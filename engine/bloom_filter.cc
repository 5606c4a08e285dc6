#include "engine/bloom_filter.h"

#include <bit>
#include <cmath>

#include "engine/check.h"
#include "engine/coding.h"
#include "engine/det_math.h"
#include "engine/token.h"

namespace dsim::engine {

uint64_t BloomFilter::OptimalBits(uint64_t expected_keys, double fp_chance) {
  DSIM_CHECK_MSG(fp_chance > 0.0 && fp_chance < 1.0, "bloom fp_chance must be in (0, 1)");
  const double n = static_cast<double>(expected_keys == 0 ? 1 : expected_keys);
  // m = -n ln(p) / (ln 2)^2, with the deterministic log: the size must not depend on libm.
  const double m = std::ceil(-n * DetLog(fp_chance) / (kDetLn2 * kDetLn2));
  return m < 1.0 ? 1 : static_cast<uint64_t>(m);
}

int BloomFilter::OptimalProbes(uint64_t expected_keys, uint64_t bits) {
  const double n = static_cast<double>(expected_keys == 0 ? 1 : expected_keys);
  const double k = std::round(static_cast<double>(bits) / n * kDetLn2);
  // More than 64 probes never helps (p would be below 2^-64).
  return k < 1.0 ? 1 : (k > 64.0 ? 64 : static_cast<int>(k));
}

BloomFilter BloomFilter::ForCapacity(uint64_t expected_keys, double fp_chance) {
  const uint64_t bits = OptimalBits(expected_keys, fp_chance);
  return BloomFilter(bits, OptimalProbes(expected_keys, bits), fp_chance);
}

BloomFilter::BloomFilter(uint64_t bits, int probes, double fp_chance)
    : bits_(bits), probes_(probes), fp_chance_(fp_chance), words_((bits + 63) / 64, 0) {
  DSIM_CHECK(bits_ >= 1);
  DSIM_CHECK(probes_ >= 1 && probes_ <= 64);
}

void BloomFilter::Add(std::string_view key) { AddHash(Token(key)); }

bool BloomFilter::MayContain(std::string_view key) const { return MayContainHash(Token(key)); }

double BloomFilter::TheoreticalFpRate() const {
  const double k = probes_;
  const double fill =
      1.0 - DetExp(-k * static_cast<double>(inserted_) / static_cast<double>(bits_));
  return DetPow(fill, k);
}

std::string BloomFilter::Serialize() const {
  std::string out;
  out.reserve(28 + words_.size() * 8);
  PutFixed64(&out, bits_);
  PutFixed32(&out, static_cast<uint32_t>(probes_));
  PutFixed64(&out, inserted_);
  PutFixed64(&out, std::bit_cast<uint64_t>(fp_chance_));
  for (uint64_t w : words_) PutFixed64(&out, w);
  return out;
}

absl::StatusOr<BloomFilter> BloomFilter::Deserialize(std::string_view bytes) {
  uint64_t bits = 0, inserted = 0, p_bits = 0;
  uint32_t probes = 0;
  if (!GetFixed64(&bytes, &bits) || !GetFixed32(&bytes, &probes) ||
      !GetFixed64(&bytes, &inserted) || !GetFixed64(&bytes, &p_bits)) {
    return absl::DataLossError("bloom filter: truncated header");
  }
  const double p = std::bit_cast<double>(p_bits);
  // ceil(bits / 64) words, without the overflow of (bits + 63) / 64 for bits near 2^64 (which
  // accepted a filter of 2^64 - 33 bits and no words, then read past its empty bit array).
  const uint64_t words = bits / 64 + (bits % 64 != 0 ? 1 : 0);
  if (bits == 0 || probes == 0 || probes > 64 || !(p > 0.0 && p < 1.0) || bytes.size() % 8 != 0 ||
      bytes.size() / 8 != words) {
    return absl::DataLossError("bloom filter: bad header");
  }
  BloomFilter f(bits, static_cast<int>(probes), p);
  f.inserted_ = inserted;
  for (uint64_t& w : f.words_) {
    if (!GetFixed64(&bytes, &w)) return absl::DataLossError("bloom filter: truncated bits");
  }
  return f;
}

}  // namespace dsim::engine
