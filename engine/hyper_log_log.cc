#include "engine/hyper_log_log.h"

#include <cmath>
#include <limits>

#include "engine/check.h"
#include "engine/token.h"

namespace dsim::engine {
namespace {

// HLL++ linear-counting thresholds for p = 4..18 (Heule et al. 2013, appendix).
constexpr double kThresholds[] = {10,   20,   40,    80,    220,   400,    900,   1800,
                                  3100, 6500, 11500, 20000, 50000, 120000, 350000};

// Ertl's sigma(x) = x + sum_{k>=1} x^{2^k} 2^{k-1}, for x in [0, 1).
double Sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0;
  double z = x;
  for (int i = 0; i < 1000; ++i) {  // converges long before; the bound keeps the loop finite
    x *= x;
    const double previous = z;
    z += x * y;
    y += y;
    if (z == previous) break;
  }
  return z;
}

// Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^{2^-k})^2 2^-k) / 3, for x in [0, 1].
double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  for (int i = 0; i < 1000; ++i) {
    x = std::sqrt(x);
    const double previous = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
    if (z == previous) break;
  }
  return z / 3.0;
}

}  // namespace

HyperLogLog::HyperLogLog(int precision)
    : precision_(precision), registers_(size_t{1} << precision, 0) {
  DSIM_CHECK_MSG(precision >= kMinPrecision && precision <= kMaxPrecision,
                 "HLL precision must be in [4, 18]");
}

void HyperLogLog::Add(std::string_view key) { AddHash(Token(key)); }

void HyperLogLog::Merge(const HyperLogLog& other) {
  DSIM_CHECK_MSG(other.precision_ == precision_, "merging HLL sketches of different precision");
  for (size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
}

double HyperLogLog::LinearCountingThreshold() const {
  return kThresholds[precision_ - kMinPrecision];
}

double HyperLogLog::Estimate() const {
  const int q = 64 - precision_;
  const double m = static_cast<double>(registers_.size());
  // Histogram of register values 0..q+1.
  std::vector<uint64_t> counts(q + 2, 0);
  for (uint8_t r : registers_) ++counts[r];

  if (counts[0] > 0) {
    const double linear = m * std::log(m / static_cast<double>(counts[0]));
    if (linear <= LinearCountingThreshold()) return linear;
  }
  // Ertl's improved raw estimator.
  double z = m * Tau(1.0 - static_cast<double>(counts[q + 1]) / m);
  for (int k = q; k >= 1; --k) z = 0.5 * (z + static_cast<double>(counts[k]));
  z += m * Sigma(static_cast<double>(counts[0]) / m);
  const double alpha_inf = 1.0 / (2.0 * std::log(2.0));
  return alpha_inf * m * m / z;
}

std::string HyperLogLog::Serialize() const {
  std::string out;
  out.reserve(1 + registers_.size());
  out.push_back(static_cast<char>(precision_));
  out.append(reinterpret_cast<const char*>(registers_.data()), registers_.size());
  return out;
}

absl::StatusOr<HyperLogLog> HyperLogLog::Deserialize(std::string_view bytes) {
  if (bytes.empty()) return absl::DataLossError("hll: empty");
  const int p = static_cast<uint8_t>(bytes[0]);
  if (p < kMinPrecision || p > kMaxPrecision) return absl::DataLossError("hll: bad precision");
  if (bytes.size() != 1 + (size_t{1} << p)) return absl::DataLossError("hll: bad length");
  HyperLogLog h(p);
  for (size_t i = 0; i < h.registers_.size(); ++i) {
    const uint8_t r = static_cast<uint8_t>(bytes[1 + i]);
    if (r > 65 - p) return absl::DataLossError("hll: register out of range");
    h.registers_[i] = r;
  }
  return h;
}

}  // namespace dsim::engine
