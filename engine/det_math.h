// Deterministic elementary functions: log, log2, exp and pow that return the same bits on
// every machine, for the draws, delays and sizes that decide what a simulation does.
//
// Why: libm (std::log, std::exp, std::pow, ...) is only "faithful"; another glibc, musl, macOS
// or another architecture may return a different last bit, and one bit in an exponential
// arrival gap moves an event, which changes the whole run. These routines are built only from
// IEEE-754 operations that are correctly rounded (+, -, *, / and sqrt), integer operations on
// the bit pattern, and constants written as exact hex-float literals, evaluated in one fixed
// order. Nothing in them calls libm.
//
// Guarantee: on any IEEE-754 binary64 machine, with round-to-nearest (the default; nothing in
// dsim changes it), FLT_EVAL_METHOD == 0 (every x86-64 and AArch64 build; not x87), no
// -ffast-math, no flush-to-zero, and no fused multiply-add contraction, each function is a
// pure function of the bits of its arguments: the same input bits give the same output bits
// on every such machine, compiler and optimisation level (checked: GCC 12 and Clang 14 at
// -O0 to -O3, with and without -march=native). det_math.cc enforces what it can itself: it
// refuses to compile under -ffast-math, and it switches contraction off for its own code by
// pragma (always with GCC; with Clang unless the build passes -ffp-contract=fast explicitly).
// Golden hashes over 100,000 results per function (tests/engine/det_math_test.cc) catch any
// change. The pragma covers this file only: the caller's arithmetic around a call
// (mu + sigma * z, u*u + v*v) is deterministic only if the caller's file is compiled without
// contraction too, which is why the whole build needs -ffp-contract=off.
//
// Not: correctly rounded, so not always equal to libm, only close. Measured against a 300-bit
// reference (mpmath) on 330,000 points: DetLog and DetLog2 within 0.500 ulp (correctly
// rounded but for near-halfway cases), DetExp within 0.59 ulp (0.70 for subnormal results),
// DetPow within 0.70 ulp; against glibc at most 1 ulp apart, equal on 99.96% (log), 99.9%
// (log2), 98.8% (exp) and 98.7% (pow) of the test's inputs. Not fast: per call about 25 ns
// for DetLog, 9 ns for DetExp and 50 ns for DetPow, against 4, 4 and 13 ns for glibc
// (tests/bench/engine_det_math_benchmark.cc, 2.6 GHz x86-64).
//
// Cost: no allocation, no tables, no state; safe to call from anywhere.
//
// For the callers that decide events (the sim's random distributions and the Bloom filter):
//   exponential(rate):  -DetLog(u) / rate      with u in (0, 1]. For u = k * 2^-53 (the usual
//                       53-bit uniform) 1 - u is exact, so DetLog(1 - u) loses nothing and no
//                       log1p is needed.
//   normal:             Marsaglia's polar method, which needs only log, sqrt and a division
//                       (Box-Muller needs cos and sin, which this file does not offer):
//                         do { u = 2a - 1; v = 2b - 1; s = u*u + v*v; } while (s >= 1 || s == 0);
//                         z0 = u * DetSqrt(-2 * DetLog(s) / s);  z1 = v * (same factor)
//   lognormal:          DetExp(mu + sigma * z)
//   Zipf, power laws:   DetPow(rank, -exponent)
//   Bloom filter:       m = -n * DetLog(p) / (kDetLn2 * kDetLn2), k = round(m / n * kDetLn2)
#ifndef DSIM_ENGINE_DET_MATH_H_
#define DSIM_ENGINE_DET_MATH_H_

#include <cmath>

namespace dsim::engine {

// ln 2 rounded to nearest: the same value std::log(2.0) returns on glibc, as a literal.
inline constexpr double kDetLn2 = 0x1.62e42fefa39efp-1;

// Natural logarithm. DetLog(1) == 0, DetLog(0) == -inf, DetLog(+inf) == +inf; subnormal
// inputs are handled exactly.
// REQUIRES: x >= 0 and x is not NaN (checked).
double DetLog(double x);

// Base-2 logarithm; exact for powers of two (DetLog2(0x1p-1074) == -1074).
// REQUIRES: x >= 0 and x is not NaN (checked).
double DetLog2(double x);

// e^x. Overflows to +inf for x > 709.78 (the last x whose e^x is finite), underflows to +0
// for x < -745.13 (where e^x is below half the least subnormal); subnormal results in between
// lose precision gradually, as IEEE-754 arithmetic does. DetExp(0) == 1.
// REQUIRES: x is not NaN (checked).
double DetExp(double x);

// x^y for x >= 0, computed as e^(y ln x) with ln x carried to 2^-63 relative (double-double),
// so the error stays below 1 ulp even when y ln x is large. Special cases, all exact:
// DetPow(x, 0) == 1 and DetPow(1, y) == 1 for every x, y; DetPow(0, y) is +0 for y > 0 and
// +inf for y < 0; DetPow(+inf, y) is +inf for y > 0 and +0 for y < 0; an infinite y gives
// +inf or +0 by whether x^y grows or shrinks.
// REQUIRES: x >= 0, and neither x nor y is NaN (checked).
double DetPow(double x, double y);

// Square root: std::sqrt itself, which IEEE-754 requires to be correctly rounded, so it is
// already the same everywhere. Offered here so callers of this file need nothing else.
inline double DetSqrt(double x) { return std::sqrt(x); }

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_DET_MATH_H_
