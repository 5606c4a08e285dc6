// Simulated time: a signed 64-bit count of nanoseconds since the start of the run.
//
// True simulation time never goes backwards; node clocks (sim/clock.h) read a skewed view of it.
// Integer nanoseconds everywhere on the decision paths: no floating-point seconds.
#ifndef DSIM_SIM_TIME_H_
#define DSIM_SIM_TIME_H_

#include <cstdint>
#include <limits>

namespace dsim::sim {

using Nanos = int64_t;

inline constexpr Nanos kNanosecond = 1;
inline constexpr Nanos kMicrosecond = 1'000;
inline constexpr Nanos kMillisecond = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;
inline constexpr Nanos kMinute = 60 * kSecond;
inline constexpr Nanos kHour = 60 * kMinute;
inline constexpr Nanos kNanosMax = std::numeric_limits<Nanos>::max();

// Seconds as a double, for reports only (never for decisions).
inline constexpr double ToSeconds(Nanos t) { return static_cast<double>(t) / 1e9; }

}  // namespace dsim::sim

#endif  // DSIM_SIM_TIME_H_
