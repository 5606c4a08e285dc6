// NodeClock: one node's view of time. A node reads true_time + offset(true_time), where the
// offset starts at an initial skew, grows with the oscillator's drift (integer parts per
// billion, computed with __int128: no floating point on the read path), is reset by periodic
// NTP-like corrections to a residual error, and can be stepped (jumps) and re-drifted on the
// fault schedule. Write timestamps are NowMicros(), as in Cassandra.
//
// NTP corrections need no events: correction k happens at true time phase + k * period
// (k >= 0, phase in [0, period) per node) and sets the offset to residual(k), a normal draw
// from a stream seeded by (ntp_seed, k), computed lazily when first needed. A correction undoes
// earlier jumps (NTP steps the clock back); drift persists (it is the oscillator's).
//
//   NodeClock clock({.initial_offset = 3 * kMillisecond, .drift_ppb = 50'000});
//   int64_t ts = clock.NowMicros(sched.now());
//
// Reads and changes must come in non-decreasing true time after the last change (Jump or
// SetDrift), which the simulator guarantees because true time never goes backwards.
//
// HybridLogicalClock: the HLC of Kulkarni et al. (2014) on top of a node's physical clock in
// microseconds, for clocks.timestamps = "hlc": timestamps never go backwards on a node and
// always exceed the timestamp of any message received.
#ifndef DSIM_SIM_CLOCK_H_
#define DSIM_SIM_CLOCK_H_

#include <compare>
#include <cstdint>
#include <vector>

#include "sim/core/metrics.h"
#include "sim/core/time.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

struct ClockParams {
  Nanos initial_offset = 0;
  int64_t drift_ppb = 0;  // parts per billion; +1000 ppb = the clock gains 1 us per second
  Nanos ntp_period = 0;   // 0: no corrections
  Nanos ntp_phase = 0;    // first correction time; REQUIRES 0 <= phase < period (if period > 0)
  Nanos ntp_residual_stddev = 0;
  uint64_t ntp_seed = 0;  // seeds the per-epoch residual draws
};

class NodeClock {
 public:
  explicit NodeClock(const ClockParams& params);

  // offset(t) = local time - true time. REQUIRES: t >= the time of the last Jump/SetDrift.
  Nanos OffsetAt(Nanos true_time);
  Nanos NowNanos(Nanos true_time) { return true_time + OffsetAt(true_time); }
  // Microseconds, rounded toward negative infinity (write timestamps).
  int64_t NowMicros(Nanos true_time);

  // Steps the clock by `delta` at true time t (until the next NTP correction).
  // REQUIRES: t >= the time of the last change.
  void Jump(Nanos true_time, Nanos delta);
  // Changes the drift from true time t on. REQUIRES: t >= the time of the last change.
  void SetDriftPpb(Nanos true_time, int64_t drift_ppb);

  int64_t drift_ppb() const { return drift_ppb_; }
  const ClockParams& params() const { return params_; }
  // The residual error set by correction `epoch` (deterministic, cached for the last epoch).
  Nanos Residual(int64_t epoch);

 private:
  ClockParams params_;
  // The current segment: offset(t) = base_offset_ + drift_ppb_ * (t - base_time_) / 1e9 until
  // the first correction after base_time_.
  Nanos base_time_ = 0;
  Nanos base_offset_ = 0;
  int64_t drift_ppb_ = 0;
  int64_t cached_epoch_ = -1;
  Nanos cached_residual_ = 0;
};

// Builds every node's clock from [clocks]: offsets uniform in [-offset_max, offset_max], drifts
// uniform in [-drift_ppm_max, drift_ppm_max] (integer ppb), NTP phases uniform in
// [0, ntp_period), all from the stream ("clock", node); then the per-node overrides.
std::vector<NodeClock> MakeNodeClocks(const ClocksConfig& config, uint32_t nodes,
                                      uint64_t root_seed);

// The clock metric of a run: clocks.offset_abs_max, the largest |offset| of any node at `end`
// (seconds). Both worlds export it the same way.
void ExportClockMetrics(std::vector<NodeClock>* clocks, Nanos end, MetricSet* metrics);

// Parts per million (as written in scenario files) to integer parts per billion.
int64_t PpmToPpb(double ppm);

struct HlcTimestamp {
  int64_t wall_micros = 0;
  uint32_t logical = 0;
  friend auto operator<=>(const HlcTimestamp&, const HlcTimestamp&) = default;
};

class HybridLogicalClock {
 public:
  // A local or send event at physical time `physical_micros`.
  HlcTimestamp Now(int64_t physical_micros);
  // Receiving a message stamped `remote` at physical time `physical_micros`.
  HlcTimestamp Receive(int64_t physical_micros, HlcTimestamp remote);
  HlcTimestamp last() const { return last_; }

 private:
  HlcTimestamp last_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_CLOCK_H_
