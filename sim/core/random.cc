#include "sim/core/random.h"

#include <cmath>

#include "engine/det_math.h"

namespace dsim::sim {

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t StreamSeed(uint64_t root_seed, std::string_view component, uint64_t index) {
  // FNV-1a over the component name: stable across platforms, unlike std::hash.
  uint64_t name_hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : component) {
    name_hash ^= c;
    name_hash *= 0x100000001b3ULL;
  }
  // Chain the three inputs through SplitMix64 so that nearby seeds, names and indices give
  // unrelated streams.
  uint64_t state = root_seed;
  uint64_t h = SplitMix64(&state);
  state = h ^ name_hash;
  h = SplitMix64(&state);
  state = h ^ index;
  return SplitMix64(&state);
}

Rng::Rng(uint64_t seed) {
  uint64_t state = seed;
  for (uint64_t& word : s_) word = SplitMix64(&state);
  // SplitMix64 is a bijection of its counter, so four consecutive outputs are never all zero;
  // check anyway, since an all-zero state would make xoshiro output zeros forever.
  DSIM_CHECK((s_[0] | s_[1] | s_[2] | s_[3]) != 0);
}

int64_t Rng::UniformInt(int64_t lo, int64_t hi) {
  DSIM_CHECK(lo <= hi);
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<int64_t>(Next());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + Bounded(span + 1));
}

double Rng::Exponential(double mean) {
  DSIM_CHECK(mean >= 0);
  // 1 - U is in (0, 1], so the log is finite.
  return -mean * engine::DetLog(1.0 - Uniform01());
}

double Rng::Normal(double mean, double stddev) {
  DSIM_CHECK(stddev >= 0);
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return mean + stddev * spare_normal_;
  }
  // Marsaglia polar: a point uniform in the unit disc (by rejection, acceptance pi/4, so the
  // loop runs 1.27 times on average; bounded to keep the "bound on every loop" rule: the chance
  // of 1000 rejections in a row is (1 - pi/4)^1000, about 1e-668).
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const double u = 2.0 * Uniform01() - 1.0;
    const double v = 2.0 * Uniform01() - 1.0;
    const double r2 = u * u + v * v;
    if (r2 >= 1.0 || r2 == 0.0) continue;
    const double f = engine::DetSqrt(-2.0 * engine::DetLog(r2) / r2);
    spare_normal_ = v * f;
    has_spare_normal_ = true;
    return mean + stddev * (u * f);
  }
  DSIM_CHECK_MSG(false, "Marsaglia polar method did not terminate");
  return mean;
}

double Rng::LogNormal(double mu, double sigma) {
  DSIM_CHECK(sigma >= 0);
  return engine::DetExp(Normal(mu, sigma));
}

namespace {

// log1p(x) from the deterministic log, accurate for small x: Goldberg's correction
// log(u) * x / (u - 1) with u = 1 + x rounded cancels the rounding of u (Kahan's trick).
double Log1p(double x) {
  const double u = 1.0 + x;
  if (u == 1.0) return x;
  return engine::DetLog(u) * x / (u - 1.0);
}

// expm1(x) from the deterministic exp, accurate for small x (the same trick, Kahan).
double Expm1(double x) {
  const double u = engine::DetExp(x);
  if (u == 1.0) return x;
  const double um1 = u - 1.0;
  if (um1 == -1.0) return -1.0;
  return um1 * x / engine::DetLog(u);
}

// log1p(x) / x, accurate near 0.
double Helper1(double x) {
  return std::abs(x) > 1e-8 ? Log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

// expm1(x) / x, accurate near 0.
double Helper2(double x) {
  return std::abs(x) > 1e-8 ? Expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
}

}  // namespace

ZipfDistribution::ZipfDistribution(uint64_t n, double s) : n_(n), s_(s) {
  DSIM_CHECK(n >= 1);
  DSIM_CHECK(s > 0);
  h_integral_x1_ = H(1.5) - 1.0;
  h_integral_n_ = H(static_cast<double>(n) + 0.5);
  shift_ = 2.0 - HInverse(H(2.5) - engine::DetExp(-s_ * engine::kDetLn2));
}

// The integral of x^-s: (x^(1-s) - 1) / (1 - s), or log(x) when s == 1.
double ZipfDistribution::H(double x) const {
  const double log_x = engine::DetLog(x);
  return Helper2((1.0 - s_) * log_x) * log_x;
}

double ZipfDistribution::HInverse(double x) const {
  double t = x * (1.0 - s_);
  if (t < -1.0) t = -1.0;  // rounding guard
  return engine::DetExp(Helper1(t) * x);
}

uint64_t ZipfDistribution::Sample(Rng& rng) const {
  // Expected iterations are below 1.1 for every n and s; the bound is far beyond any run.
  for (int attempt = 0; attempt < 1'000'000; ++attempt) {
    const double u = h_integral_n_ + rng.Uniform01() * (h_integral_x1_ - h_integral_n_);
    const double x = HInverse(u);
    double k_real = std::floor(x + 0.5);
    if (k_real < 1.0) k_real = 1.0;
    if (k_real > static_cast<double>(n_)) k_real = static_cast<double>(n_);
    const uint64_t k = static_cast<uint64_t>(k_real);
    if (k_real - x <= shift_ ||
        u >= H(k_real + 0.5) - engine::DetExp(-s_ * engine::DetLog(k_real))) {
      return k;
    }
  }
  DSIM_CHECK_MSG(false, "Zipf rejection-inversion did not terminate");
  return 1;
}

}  // namespace dsim::sim
