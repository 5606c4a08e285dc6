#include "sim/clock.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "engine/check.h"
#include "sim/core/random.h"

namespace dsim::sim {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// drift_ppb * dt / 1e9, rounded toward negative infinity, without overflow.
Nanos DriftOver(int64_t drift_ppb, Nanos dt) {
  const __int128 product = static_cast<__int128>(drift_ppb) * dt;
  __int128 q = product / 1'000'000'000;
  if (product % 1'000'000'000 != 0 && product < 0) --q;
  return static_cast<Nanos>(q);
}

}  // namespace

NodeClock::NodeClock(const ClockParams& params)
    : params_(params), base_offset_(params.initial_offset), drift_ppb_(params.drift_ppb) {
  DSIM_CHECK(params.ntp_period >= 0);
  DSIM_CHECK(params.ntp_period == 0 ||
             (params.ntp_phase >= 0 && params.ntp_phase < params.ntp_period));
  DSIM_CHECK(params.ntp_residual_stddev >= 0);
}

Nanos NodeClock::Residual(int64_t epoch) {
  if (epoch != cached_epoch_) {
    Rng rng(StreamSeed(params_.ntp_seed, "ntp_epoch", static_cast<uint64_t>(epoch)));
    cached_residual_ = static_cast<Nanos>(
        std::llround(rng.Normal(0.0, static_cast<double>(params_.ntp_residual_stddev))));
    cached_epoch_ = epoch;
  }
  return cached_residual_;
}

Nanos NodeClock::OffsetAt(Nanos true_time) {
  DSIM_CHECK_MSG(true_time >= base_time_, "clock read before its last change");
  if (params_.ntp_period > 0 && true_time >= params_.ntp_phase) {
    const int64_t epoch = (true_time - params_.ntp_phase) / params_.ntp_period;
    const Nanos corrected_at = params_.ntp_phase + epoch * params_.ntp_period;
    if (corrected_at > base_time_) {
      return Residual(epoch) + DriftOver(drift_ppb_, true_time - corrected_at);
    }
  }
  return base_offset_ + DriftOver(drift_ppb_, true_time - base_time_);
}

int64_t NodeClock::NowMicros(Nanos true_time) {
  return FloorDiv(NowNanos(true_time), kMicrosecond);
}

void NodeClock::Jump(Nanos true_time, Nanos delta) {
  base_offset_ = OffsetAt(true_time) + delta;
  base_time_ = true_time;
}

void NodeClock::SetDriftPpb(Nanos true_time, int64_t drift_ppb) {
  base_offset_ = OffsetAt(true_time);
  base_time_ = true_time;
  drift_ppb_ = drift_ppb;
}

int64_t PpmToPpb(double ppm) { return static_cast<int64_t>(std::llround(ppm * 1000.0)); }

void ExportClockMetrics(std::vector<NodeClock>* clocks, Nanos end, MetricSet* metrics) {
  Nanos offset_abs_max = 0;
  for (NodeClock& clock : *clocks) {
    offset_abs_max = std::max(offset_abs_max, std::abs(clock.OffsetAt(end)));
  }
  metrics->Set("clocks.offset_abs_max", ToSeconds(offset_abs_max), "s");
}

std::vector<NodeClock> MakeNodeClocks(const ClocksConfig& config, uint32_t nodes,
                                      uint64_t root_seed) {
  DSIM_CHECK(config.offset_max >= 0);
  DSIM_CHECK(config.ntp_period >= 0);
  const int64_t drift_ppb_max = PpmToPpb(config.drift_ppm_max);
  DSIM_CHECK(drift_ppb_max >= 0);
  std::vector<ClockParams> params(nodes);
  for (NodeId node = 0; node < nodes; ++node) {
    // Always three draws in this order, so one setting never shifts another's draws.
    Rng rng(StreamSeed(root_seed, "clock", node));
    ClockParams& p = params[node];
    p.initial_offset = rng.UniformInt(-config.offset_max, config.offset_max);
    p.drift_ppb = rng.UniformInt(-drift_ppb_max, drift_ppb_max);
    p.ntp_period = config.ntp_period;
    p.ntp_phase = config.ntp_period > 0 ? rng.UniformInt(0, config.ntp_period - 1) : 0;
    p.ntp_residual_stddev = config.ntp_residual;
    p.ntp_seed = StreamSeed(root_seed, "clock.ntp", node);
  }
  for (const ClockNodeConfig& override_config : config.nodes) {
    DSIM_CHECK(override_config.node < nodes);
    ClockParams& p = params[override_config.node];
    if (override_config.offset) p.initial_offset = *override_config.offset;
    if (override_config.drift_ppm) p.drift_ppb = PpmToPpb(*override_config.drift_ppm);
  }
  std::vector<NodeClock> clocks;
  clocks.reserve(nodes);
  for (const ClockParams& p : params) clocks.emplace_back(p);
  return clocks;
}

HlcTimestamp HybridLogicalClock::Now(int64_t physical_micros) {
  if (physical_micros > last_.wall_micros) {
    last_ = {physical_micros, 0};
  } else {
    DSIM_CHECK(last_.logical < UINT32_MAX);
    ++last_.logical;
  }
  return last_;
}

HlcTimestamp HybridLogicalClock::Receive(int64_t physical_micros, HlcTimestamp remote) {
  const int64_t wall = std::max({last_.wall_micros, remote.wall_micros, physical_micros});
  uint32_t logical;
  if (wall == last_.wall_micros && wall == remote.wall_micros) {
    logical = std::max(last_.logical, remote.logical) + 1;
  } else if (wall == last_.wall_micros) {
    logical = last_.logical + 1;
  } else if (wall == remote.wall_micros) {
    logical = remote.logical + 1;
  } else {
    logical = 0;
  }
  DSIM_CHECK(logical > 0 || wall == physical_micros);
  last_ = {wall, logical};
  return last_;
}

}  // namespace dsim::sim
