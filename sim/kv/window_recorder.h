// WindowRecorder: availability, latency and divergence of a kv run per window of time — each
// workload phase and each lasting fault's span (a partition, a cut or degraded link, a
// corruption or drop_mutations window) — as `windows.<label>.*` metrics.
//
// The run calls Cut(now) at every instant a window can begin or end (a phase starts or the
// workload ends, a lasting fault begins or ends: FaultSchedule's window edges) and once at
// the end; cuts at one instant share a snapshot. A cut snapshots the
// coordinator's cumulative counters and latency histograms, the oracle's divergence area, and
// the largest divergent count since the previous cut (Oracle::TakeSpanMax). A window's figures
// are the differences between the snapshots at its ends, so every operation decided inside it
// counts once, by the instant it was decided (an acknowledgement, an "unavailable" answer, a
// time-out), which is also how timeseries.csv's cumulative columns count. Latency percentiles
// come from the difference of the histograms (bucket resolution, < 0.1 %).
//
// Recording is bookkeeping: it schedules nothing and draws no randomness. Cost per cut: a copy
// of two latency histograms (~8 KiB per power of two of the largest latency, ~350 KiB for a
// 2 s time-out), so memory grows with the number of phases and lasting faults, not with
// instants (crashes, repairs, marks) or time.
//
//   WindowRecorder rec(&coordinator, &oracle);
//   rec.Cut(now);                                    // at each phase and fault edge
//   rec.ExportTo(phases, faults_applied, end, &m);   // at the end, after a last Cut(end)
#ifndef DSIM_SIM_KV_WINDOW_RECORDER_H_
#define DSIM_SIM_KV_WINDOW_RECORDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/applied_fault.h"
#include "sim/core/histogram.h"
#include "sim/core/metrics.h"
#include "sim/core/time.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class Coordinator;
class Oracle;

class WindowRecorder {
 public:
  WindowRecorder(const Coordinator* coordinator, Oracle* oracle);

  void Cut(Nanos now);

  // The windows: each phase (its configured span from 0, cut at `end`) and each lasting fault
  // of `faults` (to its end, or `end` when still in effect). Labels: "phase.<name>" and
  // "fault.<name>" (a phase whose name is empty or not unique: "phase.<index>"; a fault without
  // a name: "fault.<index>"; characters other than letters,
  // digits, '_' and '-' become '_'). Metrics per window: start, end (s); ops.write and ops.read
  // availability (succeeded / decided in the window; null when none was decided), decided
  // count and latency p50 / p99 (s; null when none succeeded); divergent_cells_max and
  // divergence_area (cell*s).
  // REQUIRES: Cut(end) was the last cut.
  void ExportTo(const std::vector<KvPhaseConfig>& phases, const std::vector<AppliedFault>& faults,
                Nanos end, MetricSet* metrics) const;

 private:
  struct Snapshot {
    Nanos time = 0;
    uint64_t writes_ok = 0, writes_failed = 0, reads_ok = 0, reads_failed = 0;
    LatencyHistogram write_latency, read_latency;
    double area = 0;
    uint64_t span_max = 0;  // largest divergent count since the previous snapshot
  };
  void ExportWindow(const std::string& label, Nanos start, Nanos end, MetricSet* m) const;
  // The last snapshot at or before `t`, and the first at or after it.
  size_t LastAtOrBefore(Nanos t) const;
  size_t FirstAtOrAfter(Nanos t) const;

  const Coordinator* coordinator_;
  Oracle* oracle_;
  std::vector<Snapshot> snapshots_;  // by time
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_WINDOW_RECORDER_H_
