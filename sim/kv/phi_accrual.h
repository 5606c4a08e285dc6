// ArrivalWindow: the phi-accrual failure detector's view of one peer from one observer, as
// Cassandra's org.apache.cassandra.gms.ArrivalWindow keeps it (Hayashibara et al., "The phi
// accrual failure detector", 2004, with Cassandra's exponential simplification).
//
// It keeps the last heartbeat arrival and a bounded window of the intervals between arrivals:
//   - the first arrival records `initial_interval` as its interval (Cassandra: 2 x the gossip
//     interval, FD_INITIAL_VALUE), so a young window already has a mean;
//   - later arrivals record (arrival - last arrival), unless it exceeds `initial_interval`
//     (Cassandra's MAX_INTERVAL, the same value): a gap from a partition or a crash is not
//     learned as normal, so a peer that comes back is judged by its usual rhythm;
//   - at most kSampleSize intervals are kept (Cassandra's SAMPLE_SIZE); the oldest goes first.
// phi(now) = PHI_FACTOR * (now - last arrival) / mean, PHI_FACTOR = 1 / ln(10) (Cassandra's
// exponential distribution, in base-10 orders of magnitude), and a peer is convicted when
// phi > threshold. No libm decides it: Convicts() compares
//   elapsed > threshold * kLn10 * mean
// with kLn10 a literal and plain IEEE-754 multiplications (correctly rounded, -ffp-contract=off),
// so the answer is the same on every machine. Phi() is for reports and tests only.
//
//   ArrivalWindow w(/*initial_interval=*/2 * kSecond);
//   w.Add(t0);          // records the 2 s initial interval
//   w.Add(t0 + kSecond);  // records 1 s: mean 1.5 s
//   bool down = w.Convicts(now, /*threshold=*/8);  // now - last > 8 * ln(10) * 1.5 s = 27.6 s
//
// Costs: Add O(1) (a ring buffer grown up to kSampleSize, 8 bytes an interval), Convicts O(1)
// (the interval sum is kept exactly, in integer nanoseconds).
#ifndef DSIM_SIM_KV_PHI_ACCRUAL_H_
#define DSIM_SIM_KV_PHI_ACCRUAL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/core/time.h"

namespace dsim::sim {

class ArrivalWindow {
 public:
  static constexpr size_t kSampleSize = 1000;         // Cassandra's SAMPLE_SIZE
  static constexpr double kLn10 = 2.302585092994046;  // ln(10), the nearest double
  static constexpr double kPhiFactor = 1.0 / kLn10;   // Cassandra's PHI_FACTOR

  // REQUIRES: initial_interval > 0.
  explicit ArrivalWindow(Nanos initial_interval);

  // Forgets every arrival (a new window).
  void Reset();
  // A heartbeat arrived at `arrival`. REQUIRES: arrival >= last_arrival() when not empty().
  void Add(Nanos arrival);

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }  // intervals in the window
  // REQUIRES: !empty().
  Nanos last_arrival() const { return last_; }
  // The mean interval, in nanoseconds. REQUIRES: !empty().
  double MeanNanos() const;
  // Cassandra's phi at `now` (uses a division; never decides anything). REQUIRES: !empty().
  double Phi(Nanos now) const;
  // Whether phi(now) > threshold: now - last_arrival() > threshold * kLn10 * MeanNanos().
  // REQUIRES: !empty().
  bool Convicts(Nanos now, double threshold) const;

 private:
  void Record(Nanos interval);

  Nanos initial_interval_;
  std::vector<Nanos> intervals_;  // ring buffer, grown to kSampleSize
  size_t next_ = 0;               // where the next interval goes once full
  size_t size_ = 0;
  int64_t sum_ = 0;  // of the intervals in the window
  Nanos last_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_PHI_ACCRUAL_H_
