// Rng: the simulator's only source of randomness. xoshiro256++ (Blackman & Vigna) draws, seeded
// through SplitMix64; every distribution is written here by hand, because std::*_distribution
// and absl::BitGen give different numbers on different standard libraries and versions.
//
// Named streams: each component draws from its own generator, derived from the root seed, the
// component's name and an index (usually the node id), so adding draws in one component never
// changes what another one sees:
//
//   Rng net(StreamSeed(scenario.simulation.seed, "network", node));
//   if (net.Chance(link.loss)) { ... }             // exact: integer comparison, no float
//   Nanos delay = min + net.Bounded(max - min + 1);  // unbiased (Lemire)
//
// Decisions use the integer draws (Next, Bounded, Chance). The real-valued distributions
// (Uniform01, Exponential, Normal, LogNormal, Zipf) use IEEE double arithmetic (correctly
// rounded +, -, *, /, sqrt) and the deterministic DetLog/DetExp of engine/det_math.h, never
// libm's log/exp/pow: with the build's -ffp-contract=off and no fast-math they give the same
// bits on every IEEE-754 machine, compiler and optimisation level, not only on this one.
// Each draw consumes a documented, data-independent-or-bounded number of words.
#ifndef DSIM_SIM_RANDOM_H_
#define DSIM_SIM_RANDOM_H_

#include <cstdint>
#include <string_view>

#include "engine/check.h"
#include "sim/core/ratio.h"

namespace dsim::sim {

// One step of SplitMix64: advances *state and returns the next output. Used to seed.
uint64_t SplitMix64(uint64_t* state);

// The seed of the stream (root_seed, component, index): a stable function (FNV-1a of the name,
// then SplitMix64 mixing), so stream seeds do not depend on creation order.
uint64_t StreamSeed(uint64_t root_seed, std::string_view component, uint64_t index);

class Rng {
 public:
  // Seeds the 256-bit state from `seed` with four SplitMix64 steps (never all zero).
  explicit Rng(uint64_t seed = 0);

  // A generator whose xoshiro256++ state is exactly `state` (not seeded through SplitMix64), to
  // check the generator against its authors' reference outputs. REQUIRES: not all zero.
  static Rng FromState(const uint64_t (&state)[4]) {
    DSIM_CHECK((state[0] | state[1] | state[2] | state[3]) != 0);
    Rng r;
    for (int i = 0; i < 4; ++i) r.s_[i] = state[i];
    return r;
  }

  // The next 64 uniform bits (xoshiro256++). Cost: a handful of integer ops.
  uint64_t Next() {
    const uint64_t result = Rotl(s_[0] + s_[3], 23) + s_[0];
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, bound), unbiased, by Lemire's multiply-and-reject method ("Fast random
  // integer generation in an interval", 2019). Usually one Next(); rejects with probability
  // < bound / 2^64. REQUIRES: bound > 0.
  uint64_t Bounded(uint64_t bound) {
    DSIM_CHECK(bound > 0);
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * bound;
    uint64_t low = static_cast<uint64_t>(m);
    if (__builtin_expect(low < bound, 0)) {
      const uint64_t threshold = -bound % bound;  // 2^64 mod bound
      while (low < threshold) {
        m = static_cast<unsigned __int128>(Next()) * bound;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [lo, hi], inclusive. REQUIRES: lo <= hi.
  int64_t UniformInt(int64_t lo, int64_t hi);

  // True with probability exactly p.num / p.den: draws u uniform in [0, den) and returns
  // u < num. No floating point. Ratios of 0 and >= 1 consume no draw.
  // REQUIRES: p.den > 0.
  bool Chance(Ratio p) {
    DSIM_CHECK(p.den > 0);
    if (p.num == 0) return false;
    if (p.num >= p.den) return true;
    return Bounded(p.den) < p.num;
  }

  // Uniform double in [0, 1): the top 53 bits of one draw, times 2^-53.
  double Uniform01() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Exponential with the given mean: -mean * ln(1 - U). REQUIRES: mean >= 0.
  double Exponential(double mean);

  // Normal N(mean, stddev^2) by Marsaglia's polar method (no trigonometry). Draws come in
  // pairs; the second value of a pair is cached and returned by the next call.
  // REQUIRES: stddev >= 0.
  double Normal(double mean, double stddev);

  // exp(N(mu, sigma^2)). REQUIRES: sigma >= 0.
  double LogNormal(double mu, double sigma);

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

// Zipf over ranks 1..n with exponent s: P(k) proportional to k^-s. Rejection-inversion
// (Hörmann & Derflinger 1996, as in Apache Commons RNG): O(1) memory and expected O(1) draws
// per sample for any n, so key spaces of billions work. Deterministic given the Rng.
class ZipfDistribution {
 public:
  // REQUIRES: n >= 1, s > 0.
  ZipfDistribution(uint64_t n, double s);

  // A rank in [1, n].
  uint64_t Sample(Rng& rng) const;

  uint64_t n() const { return n_; }
  double exponent() const { return s_; }

 private:
  double H(double x) const;
  double HInverse(double x) const;
  double Hx0MinusHn() const { return h_integral_x1_ - h_integral_n_; }

  uint64_t n_;
  double s_;
  double h_integral_x1_;
  double h_integral_n_;
  double shift_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_RANDOM_H_
