// Parsing and formatting of the quantities scenario files carry: durations ("250us", "1.5s"),
// sizes ("64KiB"), bandwidths ("100MiB/s", "1Gbps") and probabilities (0.01, "1%", "1/100").
//
// Every parse is exact: decimal digits are read as integers, never through a double, so "0.1s"
// is exactly 100,000,000 ns and 0.01 is exactly Ratio{1, 100}. Errors are InvalidArgument with a
// message that says what was expected; the scenario loader adds file, line, column and key.
//
//   absl::StatusOr<Nanos> d = ParseDuration("250us");   // 250'000
//   absl::StatusOr<uint64_t> s = ParseSize("64KiB");     // 65'536
#ifndef DSIM_SIM_UNITS_H_
#define DSIM_SIM_UNITS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sim/core/ratio.h"
#include "sim/core/time.h"

namespace dsim::sim {

// "<decimal><unit>" with unit ns, us (or µs), ms, s, m (or min), h, d; a leading '-' is accepted
// (callers decide whether negative values are allowed). "0" alone is zero. Sub-nanosecond
// fractions are an error, as is overflow.
[[nodiscard]] absl::StatusOr<Nanos> ParseDuration(std::string_view text);

// "<decimal><unit>" with unit B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers
// of 1024). A plain decimal integer is bytes. Fractions must come out to whole bytes.
[[nodiscard]] absl::StatusOr<uint64_t> ParseSize(std::string_view text);

// Bytes per second: "<size>/s" (e.g. "100MiB/s") or a bit rate "<decimal>bps|Kbps|Mbps|Gbps"
// (powers of 1000, divided by 8; must come out to whole bytes per second).
[[nodiscard]] absl::StatusOr<uint64_t> ParseBandwidth(std::string_view text);

// A probability in [0, 1]: a decimal ("0.01"), a percentage ("1%", "0.5%") or a fraction
// ("1/100"). The result is reduced to lowest terms.
[[nodiscard]] absl::StatusOr<Ratio> ParseProbability(std::string_view text);

// Canonical text forms, inverse of the parsers (Parse(Format(x)) == x): the largest unit that
// represents the value exactly ("1500ms" -> "1500ms", "2000ms" -> "2s").
std::string FormatDuration(Nanos d);
std::string FormatSize(uint64_t bytes);
std::string FormatBandwidth(uint64_t bytes_per_sec);
// "0", "1", or "a/b" in lowest terms.
std::string FormatRatio(Ratio r);

}  // namespace dsim::sim

#endif  // DSIM_SIM_UNITS_H_
