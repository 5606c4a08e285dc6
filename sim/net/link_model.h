// LinkModel: one class of directed link, compiled from a LinkClassConfig for the hot path:
// latency sampling, exact loss / duplication / reordering ratios, and serialisation delay.
//
//   LinkModel link(config.network.link);
//   if (rng.Chance(link.loss())) ...;
//   Nanos delay = link.SerializationDelay(bytes) + link.SampleLatency(rng);
//
// Latency draws: constant consumes no randomness; uniform is an unbiased integer in
// [min, max] (one Bounded draw); normal is N(mean, stddev^2) truncated at 0 (clamped, so the
// mass below 0 becomes 0 ns) and lognormal is exp(N(ln median, sigma^2)), both rounded to the
// nearest nanosecond and capped at 10^15 ns (11.6 days) so the conversion never overflows.
#ifndef DSIM_SIM_LINK_MODEL_H_
#define DSIM_SIM_LINK_MODEL_H_

#include <cstdint>

#include "sim/core/random.h"
#include "sim/core/ratio.h"
#include "sim/core/time.h"
#include "sim/net/transfer_time.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class LinkModel {
 public:
  // REQUIRES: the config passed validation (min <= max, non-negative times, den > 0).
  explicit LinkModel(const LinkClassConfig& config);

  Nanos SampleLatency(Rng& rng) const {
    switch (latency_kind_) {
      case LatencyConfig::Kind::kConstant:
        return a_;
      case LatencyConfig::Kind::kUniform:
        return a_ + static_cast<Nanos>(rng.Bounded(span_));
      default:
        return SampleSlow(rng);
    }
  }

  // bytes / bandwidth in nanoseconds, rounded up; 0 when the bandwidth is unlimited
  // (TransferTime, the rule repair's streams and validations follow too).
  Nanos SerializationDelay(uint64_t bytes) const {
    return TransferTime(bytes, bandwidth_bytes_per_sec_);
  }

  // The latency distribution's mean (for shortest-path routing weights).
  Nanos MeanLatency() const { return mean_ns_; }

  Ratio loss() const { return loss_; }
  Ratio duplicate() const { return duplicate_; }
  Ratio reorder() const { return reorder_; }
  uint64_t bandwidth_bytes_per_sec() const { return bandwidth_bytes_per_sec_; }
  const LinkClassConfig& config() const { return config_; }

 private:
  Nanos SampleSlow(Rng& rng) const;

  LinkClassConfig config_;
  LatencyConfig::Kind latency_kind_;
  Nanos a_ = 0;        // constant: the value; uniform: min
  uint64_t span_ = 1;  // uniform: max - min + 1
  double mu_ = 0;      // normal: mean; lognormal: ln(median)
  double sigma_ = 0;   // normal: stddev; lognormal: sigma
  Nanos mean_ns_ = 0;
  Ratio loss_, duplicate_, reorder_;
  uint64_t bandwidth_bytes_per_sec_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_LINK_MODEL_H_
