#include "sim/net/link_model.h"

#include <cmath>

#include "engine/check.h"
#include "engine/det_math.h"

namespace dsim::sim {

namespace {

constexpr double kMaxLatencyNs = 1e15;

Nanos RoundLatency(double ns) {
  if (!(ns > 0)) return 0;  // also maps NaN to 0
  if (ns > kMaxLatencyNs) ns = kMaxLatencyNs;
  return static_cast<Nanos>(std::llround(ns));
}

}  // namespace

LinkModel::LinkModel(const LinkClassConfig& config)
    : config_(config),
      latency_kind_(config.latency.kind),
      loss_(config.loss),
      duplicate_(config.duplicate),
      reorder_(config.reorder),
      bandwidth_bytes_per_sec_(config.bandwidth_bytes_per_sec) {
  DSIM_CHECK(loss_.den > 0 && duplicate_.den > 0 && reorder_.den > 0);
  const LatencyConfig& l = config.latency;
  switch (l.kind) {
    case LatencyConfig::Kind::kConstant:
      DSIM_CHECK(l.value >= 0);
      a_ = l.value;
      mean_ns_ = l.value;
      break;
    case LatencyConfig::Kind::kUniform:
      DSIM_CHECK(0 <= l.min && l.min <= l.max);
      a_ = l.min;
      span_ = static_cast<uint64_t>(l.max - l.min) + 1;
      mean_ns_ = l.min + (l.max - l.min) / 2;
      break;
    case LatencyConfig::Kind::kNormal:
      DSIM_CHECK(l.stddev >= 0);
      mu_ = static_cast<double>(l.mean);
      sigma_ = static_cast<double>(l.stddev);
      mean_ns_ = l.mean > 0 ? l.mean : 0;
      break;
    case LatencyConfig::Kind::kLogNormal:
      DSIM_CHECK(l.median > 0 && l.sigma >= 0);
      mu_ = engine::DetLog(static_cast<double>(l.median));
      sigma_ = l.sigma;
      mean_ns_ =
          RoundLatency(static_cast<double>(l.median) * engine::DetExp(l.sigma * l.sigma / 2));
      break;
  }
}

Nanos LinkModel::SampleSlow(Rng& rng) const {
  if (latency_kind_ == LatencyConfig::Kind::kNormal) return RoundLatency(rng.Normal(mu_, sigma_));
  DSIM_CHECK(latency_kind_ == LatencyConfig::Kind::kLogNormal);
  return RoundLatency(rng.LogNormal(mu_, sigma_));
}

}  // namespace dsim::sim
