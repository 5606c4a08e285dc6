// KvWorkload: the seeded client of the key-value cluster.
//
// Phases run back to back from time 0 (workload.kv.phases; none: one 10 s phase "steady" with
// the defaults). In a phase, operations arrive as a Poisson process at `rate` per second
// (exponential gaps, in integer nanoseconds), each at a coordinator drawn uniformly among the
// nodes (a client driver skips down nodes: the next node up, in id order), and each is an
// insert, update, delete or read with probability proportional to the phase's weights:
//   insert  the next never-written key ("k0", "k1", ... in order), every column live; once every
//           key is written, inserts overwrite keys like updates of all columns;
//   update  one column (uniform) of a written key, live;
//   delete  every column of a written key (tombstones);
//   read    a written key, the whole partition.
// Updates, deletes and reads pick among the keys written so far by popularity: uniform, or
// Zipf(zipf_exponent) over the written keys by insertion rank (k0 the most popular). An
// operation that finds no written key yet becomes an insert. A phase boundary is an ordinary
// event, so quiet phases (rate 0) keep the run alive until they end.
//
// Randomness: the stream ("workload", 0) alone, so workload changes never move network drops
// or ring tokens. The arrival gap and the operation's draws are made in a fixed order per
// arrival.
#ifndef DSIM_SIM_KV_WORKLOAD_H_
#define DSIM_SIM_KV_WORKLOAD_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "sim/core/metrics.h"
#include "sim/core/random.h"
#include "sim/core/scheduler.h"
#include "sim/kv/cluster.h"
#include "sim/kv/coordinator.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class KvWorkload : public EventHandler {
 public:
  // Registers kKvArrival and kKvPhase. Pointers must outlive it.
  KvWorkload(const KvWorkloadConfig& config, uint64_t root_seed, Cluster* cluster,
             Coordinator* coordinator, Scheduler* scheduler);

  // Schedules the first phase at time `at`.
  void Start(Nanos at);

  void OnEvent(const Event& event) override;

  // Called at each phase's start and at the end of the last one (for per-window metrics;
  // empty: none). Set before Start.
  void set_phase_edge_observer(std::function<void(Nanos)> f) { on_phase_edge_ = std::move(f); }

  // When the last phase ends (relative to Start).
  Nanos total_duration() const;
  uint64_t keys_written() const { return written_; }
  // The phases run (the configured ones, or the default single phase).
  const std::vector<KvPhaseConfig>& phases() const { return phases_; }

  // workload.* metrics.
  void ExportTo(MetricSet* metrics) const;

 private:
  void StartPhase(size_t index, Nanos at);
  void ScheduleNextArrival(Nanos from);
  void Issue();
  NodeId PickCoordinator();
  uint64_t PickWrittenKey();

  KvWorkloadConfig config_;
  std::function<void(Nanos)> on_phase_edge_;
  std::vector<KvPhaseConfig> phases_;
  Cluster* cluster_;
  Coordinator* coordinator_;
  Scheduler* scheduler_;
  Rng rng_;
  size_t phase_ = 0;
  Nanos phase_end_ = 0;
  uint64_t written_ = 0;
  std::optional<ZipfDistribution> zipf_;  // over `zipf_n_` keys
  uint64_t zipf_n_ = 0;

  uint64_t inserts_ = 0;
  uint64_t updates_ = 0;
  uint64_t deletes_ = 0;
  uint64_t reads_ = 0;
  uint64_t no_coordinator_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_WORKLOAD_H_
