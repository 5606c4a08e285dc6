// Exact probabilities: Ratio{numerator, denominator}, as in TigerBeetle's simulator.
//
// Loss, duplication and reordering rates are ratios so that "does this message drop?" is an
// integer comparison (Rng::Chance), identical on every platform. Scenario files may write a
// probability as a decimal (0.01), a percentage ("1%") or a fraction ("1/100"); all parse to
// the same exact ratio.
#ifndef DSIM_SIM_RATIO_H_
#define DSIM_SIM_RATIO_H_

#include <cstdint>

namespace dsim::sim {

struct Ratio {
  uint64_t num = 0;
  uint64_t den = 1;

  constexpr bool IsZero() const { return num == 0; }
  constexpr bool IsOne() const { return num >= den; }
  constexpr double ToDouble() const { return static_cast<double>(num) / static_cast<double>(den); }
  friend constexpr bool operator==(const Ratio& a, const Ratio& b) {
    return static_cast<unsigned __int128>(a.num) * b.den ==
           static_cast<unsigned __int128>(b.num) * a.den;
  }
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_RATIO_H_
