// A tiny SplitMix64 for generating engine test inputs from fixed seeds. The engine tests must
// not depend on the simulator's generator (engine/ is tested without sim/), and std::
// distributions differ between standard libraries.
#ifndef DSIM_TESTS_ENGINE_TEST_RNG_H_
#define DSIM_TESTS_ENGINE_TEST_RNG_H_

#include <cstdint>
#include <string>

#include "engine/coding.h"

namespace dsim::engine {

struct SplitMix64 {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Slightly biased for n not a power of two; irrelevant for test inputs.
  uint64_t Below(uint64_t n) { return Next() % n; }
};

// n bytes drawn from rng (fixed64 words, little-endian, cut to n).
inline std::string RandomBytes(SplitMix64& rng, size_t n) {
  std::string s;
  s.reserve(n + 8);
  while (s.size() < n) PutFixed64(&s, rng.Next());
  s.resize(n);
  return s;
}

}  // namespace dsim::engine

#endif  // DSIM_TESTS_ENGINE_TEST_RNG_H_
