#include "analysis/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/check.h"

namespace dsim::analysis {
namespace {

// Continued fraction of the incomplete beta function (modified Lentz's method), valid for
// x < (a + 1) / (a + b + 2); see Numerical Recipes, 3rd ed., section 6.4.
double BetaContinuedFraction(double a, double b, double x) {
  constexpr int kMaxIterations = 10'000;
  constexpr double kEpsilon = 1e-16;
  constexpr double kTiny = 1e-300;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return h;
}

// The regularized incomplete beta function I_x(a, b).
double RegularizedIncompleteBeta(double a, double b, double x) {
  DSIM_CHECK(a > 0 && b > 0 && x >= 0 && x <= 1);
  if (x == 0.0 || x == 1.0) return x;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * BetaContinuedFraction(a, b, x) / a;
  return 1.0 - front * BetaContinuedFraction(b, a, 1.0 - x) / b;
}

}  // namespace

double Quantile(const std::vector<double>& sorted, double p) {
  DSIM_CHECK(!sorted.empty());
  DSIM_CHECK(p >= 0.0 && p <= 1.0);
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

double StudentTCdf(double t, double df) {
  DSIM_CHECK(df > 0);
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  // P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2).
  const double tail = 0.5 * RegularizedIncompleteBeta(df / 2.0, 0.5, df / (df + t * t));
  return t >= 0 ? 1.0 - tail : tail;
}

double StudentTQuantile(double p, double df) {
  DSIM_CHECK(p > 0.0 && p < 1.0);
  DSIM_CHECK(df > 0);
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -StudentTQuantile(1.0 - p, df);
  // Bracket the quantile in [0, hi], then halve the bracket until it stops shrinking. Bisection
  // is slow but exact and deterministic, and this runs once per summary line.
  double lo = 0.0;
  double hi = 1.0;
  for (int i = 0; i < 2000 && StudentTCdf(hi, df) < p; ++i) hi *= 2.0;
  for (int i = 0; i < 2000; ++i) {
    const double mid = lo + (hi - lo) / 2.0;
    if (mid <= lo || mid >= hi) break;
    if (StudentTCdf(mid, df) < p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo + (hi - lo) / 2.0;
}

Summary Summarize(const std::vector<std::optional<double>>& values) {
  Summary s;
  std::vector<double> present;
  present.reserve(values.size());
  for (const std::optional<double>& v : values) {
    if (!v.has_value()) {
      ++s.nulls;
      continue;
    }
    DSIM_CHECK(std::isfinite(*v));
    present.push_back(*v);
  }
  s.count = present.size();
  if (present.empty()) return s;

  // Sums in the caller's (canonical) order, so the bits do not depend on anything else.
  double sum = 0.0;
  for (double v : present) sum += v;
  const double n = static_cast<double>(present.size());
  std::vector<double> sorted = present;
  std::sort(sorted.begin(), sorted.end());
  s.min = sorted.front();
  s.max = sorted.back();
  // Rounding can push the mean of equal values one ulp outside [min, max]; keep it inside.
  s.mean = std::clamp(sum / n, *s.min, *s.max);
  s.p50 = Quantile(sorted, 0.50);
  s.p95 = Quantile(sorted, 0.95);
  if (present.size() >= 2) {
    double squares = 0.0;
    for (double v : present) squares += (v - *s.mean) * (v - *s.mean);
    s.stddev = std::sqrt(squares / (n - 1.0));
    const double half_width = StudentTQuantile(0.975, n - 1.0) * *s.stddev / std::sqrt(n);
    s.ci95_low = *s.mean - half_width;
    s.ci95_high = *s.mean + half_width;
  }
  return s;
}

}  // namespace dsim::analysis
