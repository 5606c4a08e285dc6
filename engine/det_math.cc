// Deterministic log, log2, exp and pow; see det_math.h for the guarantee.
//
// Everything here is +, -, *, / on doubles in a fixed order, integer work on bit patterns,
// and hex-float constants. Accuracy comes from carrying the critical values as unevaluated
// sums hi + lo ("double-double"), made exact with Dekker's error-free transformations
// FastTwoSum and TwoProd (with Veltkamp's split). Those are exact only when no multiply-add
// is fused, which is why contraction is switched off below.
//
// Derivation of the constants (reproducible with any arbitrary-precision tool, e.g. mpmath at
// 300 bits, then rounded to nearest double):
//   kLn2Hi  = ln 2 rounded to 42 significant bits, so k * kLn2Hi is exact for |k| < 2^11;
//   kLn2Lo  = ln 2 - kLn2Hi;  kInvLn2Hi + kInvLn2Lo = 1 / ln 2;
//   kLogC3*, kLogRest = 2 / (2n + 1), the atanh series ln m = 2 (s + s^3/3 + s^5/5 + ...);
//   kExpP   = 2 B_2n / (2n)!, the series r coth(r/2) = 2 + r^2/6 - r^4/360 + ... (Bernoulli).
#include "engine/det_math.h"

#include <bit>
#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "engine/check.h"

#if defined(__FAST_MATH__)
#error "det_math.cc must not be compiled with -ffast-math: it relies on exact IEEE-754 rounding"
#endif
static_assert(std::numeric_limits<double>::is_iec559, "det_math needs IEEE-754 binary64");
static_assert(FLT_EVAL_METHOD == 0, "det_math needs double arithmetic in double (not x87)");

// No fused multiply-add in this file, whatever -ffp-contract the build passes: a fused a*b+c
// rounds once instead of twice, which breaks TwoProd and would make the result depend on
// whether the target has FMA. (Placed after the includes so that only this file's code is
// affected. Clang honours it unless the build says -ffp-contract=fast explicitly.)
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace dsim::engine {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

constexpr double kLn2Hi = 0x1.62e42fefa3800p-1;
constexpr double kLn2Lo = 0x1.ef35793c76730p-45;
constexpr double kInvLn2Hi = 0x1.71547652b82fep+0;
constexpr double kInvLn2Lo = 0x1.777d0ffda0d24p-56;

// 2/3 as hi + lo, then 2/5 ... 2/25 (ascending): the series to z^12 (z = s^2 <= 0.0295)
// leaves a relative truncation error below 2^-70.
constexpr double kLogC3Hi = 0x1.5555555555555p-1;
constexpr double kLogC3Lo = 0x1.5555555555555p-55;
constexpr double kLogRest[] = {
    0x1.999999999999ap-2,  // 2/5
    0x1.2492492492492p-2,  // 2/7
    0x1.c71c71c71c71cp-3,  // 2/9
    0x1.745d1745d1746p-3,  // 2/11
    0x1.3b13b13b13b14p-3,  // 2/13
    0x1.1111111111111p-3,  // 2/15
    0x1.e1e1e1e1e1e1ep-4,  // 2/17
    0x1.af286bca1af28p-4,  // 2/19
    0x1.8618618618618p-4,  // 2/21
    0x1.642c8590b2164p-4,  // 2/23
    0x1.47ae147ae147bp-4,  // 2/25
};

// r coth(r/2) - 2 to r^12; for |r| <= ln2 / 2 the next term is below 2^-56 and moves e^r by
// less than 2^-58.
constexpr double kExpP[] = {
    0x1.5555555555555p-3,    //  1/6
    -0x1.6c16c16c16c17p-9,   // -1/360
    0x1.1566abc011567p-14,   //  1/15120
    -0x1.bbd779334ef0bp-20,  // -1/604800
    0x1.66a8f2bf70ebep-25,   //  1/23950080
    -0x1.22805d644267fp-30,  // -691/653837184000
};

// ln(DBL_MAX) rounded down, and ln(2^-1075) rounded to nearest: above the first e^x is not
// finite, below the second it rounds to zero.
constexpr double kExpOverflow = 0x1.62e42fefa39efp+9;    //  709.78...
constexpr double kExpUnderflow = -0x1.74910d52d3052p+9;  // -745.13...

constexpr uint64_t kFracMask = (uint64_t{1} << 52) - 1;
// The fraction bits of sqrt 2 rounded to nearest: mantissas at or above it are halved.
constexpr uint64_t kSqrt2Frac = 0x6a09e667f3bcdULL;

// An unevaluated sum hi + lo with |lo| <= ulp(hi) / 2 (after normalising).
struct DD {
  double hi;
  double lo;
};

// c[0] + z (c[1] + z (c[2] + ...)), always evaluated from the last coefficient down.
template <size_t N>
double Horner(double z, const double (&c)[N]) {
  double acc = c[N - 1];
  for (size_t i = N - 1; i-- > 0;) acc = acc * z + c[i];
  return acc;
}

// a + b exactly, given |a| >= |b| or a == 0.
DD FastTwoSum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}

// a * b exactly (Dekker's product with Veltkamp's split into 26-bit halves).
// REQUIRES: |a|, |b| < 2^995, so that the split cannot overflow.
DD TwoProd(double a, double b) {
  constexpr double kSplit = 0x1.0000002p+27;  // 2^27 + 1
  const double ca = kSplit * a;
  const double a_hi = ca - (ca - a);
  const double a_lo = a - a_hi;
  const double cb = kSplit * b;
  const double b_hi = cb - (cb - b);
  const double b_lo = b - b_hi;
  const double p = a * b;
  return {p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo};
}

// (a.hi + a.lo) * (b.hi + b.lo) to about 2^-104 relative, normalised.
DD MulDD(DD a, DD b) {
  DD p = TwoProd(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return FastTwoSum(p.hi, p.lo);
}

// x = 2^k * m with m in [sqrt(1/2), sqrt(2)), and ln m = log_m.hi + log_m.lo to 2^-63
// relative (measured against a 300-bit reference; the double-precision rest of P dominates).
struct Reduced {
  int k;
  DD log_m;
};

// REQUIRES: x positive and finite.
Reduced ReduceAndLog(double x) {
  DSIM_CHECK(x > 0 && x < kInf);
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  int biased = static_cast<int>(bits >> 52);
  uint64_t frac = bits & kFracMask;
  if (biased == 0) {
    // Subnormal: shift the leading one up to the hidden bit, in integers (no FP on a
    // subnormal, so flush-to-zero could not interfere).
    const int shift = std::countl_zero(frac) - 11;
    frac = (frac << shift) & kFracMask;
    biased = 1 - shift;
  }
  int k = biased - 1023;
  uint64_t m_biased = 1023;  // m = 1.frac in [1, 2) ...
  if (frac >= kSqrt2Frac) {  // ... or half that, so that |ln m| <= ln2 / 2
    m_biased = 1022;
    ++k;
  }
  const double m = std::bit_cast<double>((m_biased << 52) | frac);

  // ln m = 2 atanh(s) with s = f / (2 + f), f = m - 1, |s| <= 0.1716. f is exact (Sterbenz),
  // 2 + f is carried exactly as d, and s as sh + sl from the exact remainder f - sh * d.
  const double f = m - 1.0;
  const DD d = FastTwoSum(2.0, f);
  const double sh = f / d.hi;
  const DD q = TwoProd(sh, d.hi);
  const double sl = (((f - q.hi) - q.lo) - sh * d.lo) / d.hi;

  // ln m = 2s + s^3 P(s^2), P(z) = 2/3 + 2/5 z + ...: 2s, s^3 and the leading 2/3 in
  // double-double; the rest of P is below 0.013 of P and needs only double precision.
  DD z = TwoProd(sh, sh);
  z.lo += 2.0 * sh * sl;
  DD s3 = TwoProd(sh, z.hi);
  s3.lo += sh * z.lo + sl * z.hi;
  const double rest = z.hi * Horner(z.hi, kLogRest);
  DD p = FastTwoSum(kLogC3Hi, rest);
  p.lo += kLogC3Lo;
  const DD tail = MulDD(s3, p);
  DD log_m = FastTwoSum(2.0 * sh, tail.hi);
  log_m.lo += 2.0 * sl + tail.lo;
  return {k, FastTwoSum(log_m.hi, log_m.lo)};
}

// ln x = k ln2 + ln m as a normalised hi + lo. REQUIRES: x positive and finite.
DD LogDD(double x) {
  const Reduced r = ReduceAndLog(x);
  const double k = r.k;
  // |k ln2| >= ln2 > |ln m| unless k == 0, so FastTwoSum applies; k * kLn2Hi is exact.
  DD sum = FastTwoSum(k * kLn2Hi, r.log_m.hi);
  sum.lo += k * kLn2Lo + r.log_m.lo;
  return FastTwoSum(sum.hi, sum.lo);
}

// y * 2^k for y in [0.7, 1.5) and k in [-1075, 1024], rounding once if the result is
// subnormal (the first step is exact, the second is a single correctly rounded multiply).
double ScaleByTwoTo(double y, int k) {
  DSIM_CHECK(k >= -1075 && k <= 1024);
  const auto two_to = [](int n) {  // 2^n for n in [-1022, 1023], built from its bits
    return std::bit_cast<double>(static_cast<uint64_t>(n + 1023) << 52);
  };
  if (k > 1023) return (y * 2.0) * two_to(k - 1);
  if (k < -1021) return (y * two_to(k + 1000)) * two_to(-1000);
  return y * two_to(k);
}

// e^(zh + zl) for |zl| <= ulp(zh). k = round(zh / ln2), r = zh + zl - k ln2 as hi - lo with
// hi exact (k kLn2Hi is exact and close to zh), then e^r = 1 + r + r c / (2 - c) where
// c = r - (r coth(r/2) - 2) (the form of fdlibm's exp, with Taylor coefficients), then 2^k.
double ExpDD(double zh, double zl) {
  DSIM_CHECK_MSG(zh == zh, "DetExp of NaN");
  if (zh > kExpOverflow) return kInf;
  if (zh < kExpUnderflow) return 0.0;
  const double t = zh * kInvLn2Hi;
  const int k = static_cast<int>(t < 0 ? t - 0.5 : t + 0.5);
  const double kd = k;
  const double hi = zh - kd * kLn2Hi;
  const double lo = kd * kLn2Lo - zl;
  const double r = hi - lo;
  const double rr = r * r;
  const double c = r - rr * Horner(rr, kExpP);
  // e^r - 1 = hi + (q - lo) with q = r c / (2 - c) <= 0.07, then 1 + that rounded once.
  const double q = (r * c) / (2.0 - c);
  const DD em1 = FastTwoSum(hi, q - lo);  // |hi| >= |q - lo| since |q| < |r| / 4
  DD y = FastTwoSum(1.0, em1.hi);
  y.lo += em1.lo;
  return ScaleByTwoTo(y.hi + y.lo, k);
}

}  // namespace

double DetLog(double x) {
  DSIM_CHECK_MSG(x >= 0, "DetLog of a negative number or NaN");
  if (x == 0) return -kInf;
  if (x == kInf) return kInf;
  return LogDD(x).hi;
}

double DetLog2(double x) {
  DSIM_CHECK_MSG(x >= 0, "DetLog2 of a negative number or NaN");
  if (x == 0) return -kInf;
  if (x == kInf) return kInf;
  const Reduced r = ReduceAndLog(x);
  const DD log2_m = MulDD(r.log_m, DD{kInvLn2Hi, kInvLn2Lo});  // |log2 m| <= 1/2
  DD sum = FastTwoSum(static_cast<double>(r.k), log2_m.hi);    // k is an exact integer
  sum.lo += log2_m.lo;
  return sum.hi + sum.lo;
}

double DetExp(double x) { return ExpDD(x, 0.0); }

double DetPow(double x, double y) {
  DSIM_CHECK_MSG(x >= 0, "DetPow of a negative base or NaN");
  DSIM_CHECK_MSG(y == y, "DetPow to a NaN exponent");
  if (y == 0 || x == 1) return 1.0;
  if (x == 0) return y > 0 ? 0.0 : kInf;
  if (x == kInf) return y > 0 ? kInf : 0.0;
  const DD log_x = LogDD(x);  // nonzero: x != 1
  // For x != 1, |ln x| >= 2^-53, so |y| >= 2^64 means |y ln x| > 2000: the result saturates
  // (and TwoProd below needs |y| well under 2^995).
  const double z_approx = y * log_x.hi;
  if (!(y > -0x1p64 && y < 0x1p64) || z_approx > 2 * kExpOverflow || z_approx < 2 * kExpUnderflow) {
    return z_approx > 0 ? kInf : 0.0;
  }
  DD z = TwoProd(y, log_x.hi);
  z.lo += y * log_x.lo;
  z = FastTwoSum(z.hi, z.lo);
  return ExpDD(z.hi, z.lo);
}

}  // namespace dsim::engine
