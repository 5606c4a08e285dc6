// Helpers shared by the benchmarks: inputs derived from an index without a generator.
#ifndef DSIM_TESTS_BENCH_BENCH_UTIL_H_
#define DSIM_TESTS_BENCH_BENCH_UTIL_H_

#include <cstdint>

namespace dsim::engine {

// SplitMix64's finaliser: a well-mixed 64-bit value for each x (inputs from an index).
inline uint64_t Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace dsim::engine

#endif  // DSIM_TESTS_BENCH_BENCH_UTIL_H_
