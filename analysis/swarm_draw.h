// One seed of `dsim swarm`: a scenario drawn from the seed around a base scenario's workload, in
// the manner of TigerBeetle's swarm testing. The draw keeps the base's [cluster], [storage],
// [repair] and [workload] (and its storage.test_defect), drops its [[faults]], and draws:
//   - which fault kinds this seed uses at all: each of loss, duplicate, partition, skew, crash,
//     power_loss, replace, drop_mutations and short_gc_grace is switched on with probability
//     1/2 (a kind that is off is absent from the whole run, so rare interactions of the others
//     get room), and the commit-log sync mode (batch or periodic, 1/2 each);
//   - their parameters: network.link loss 0-30 % and duplication 0-5 % (per mille steps),
//     clocks.offset_max 0-500 ms and drift_ppm_max 0-200, gc_grace 1-20 s; 1-3 network faults
//     (a partition of 1..N/2 nodes, the same one way, or a cut link) of 0.5-3 s; 1-4 node
//     failures (crash or power_loss, a node at a time, never one already down), each back after
//     0.2-3.2 s by restart or (replace on, probability 1/3) replace; 1-2 drop_mutations windows
//     of 0.5-2.5 s dropping 1-50 % of a node's incoming mutations; with the disk kind (on with
//     probability 1/2, drawn from its own stream "swarm_disk" so that adding it changed no
//     other draw of any seed) 1-3 corrupt_sstable faults, a node and a time each;
//   - all inside the chaos phase [0, L), L the end of the workload, then the liveness phase at
//     L: a heal of every network fault, a restart of every node still down, with the disk kind
//     a verify of every node at L + 0.5 s (it finds every corrupt SSTable before the repair
//     does), a full repair at L + 1 s (faults named liveness-heal, liveness-restart-N,
//     liveness-verify, liveness-repair: kPinnedPrefix, which dsim shrink keeps); the run lasts
//     until L + bound + 2 s, bound = LivenessBound.
// The drawn scenario enables every checker ([checks]: lost_writes, zombies, stale_reads, and
// liveness_within = bound), so `dsim run` of its text reproduces the seed's verdict alone.
//
// Contract: a pure function of (base, seed): same inputs, same table and the same parameter
// lines, byte for byte (randomness from the "swarm" and "swarm_disk" streams of the seed,
// sim/core/random.h; no hashing order, no wall clock). Times are whole milliseconds. The base's own
// seed is replaced.
//
//   SwarmDraw d = DrawSwarm(base_table, base_scenario, /*seed=*/7);
//   for (const std::string& p : d.params) std::printf("  %s\n", p.c_str());
#ifndef DSIM_ANALYSIS_SWARM_DRAW_H_
#define DSIM_ANALYSIS_SWARM_DRAW_H_

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/time.h"
#include "sim/scenario/config.h"

namespace dsim::analysis {

struct SwarmDraw {
  toml::table scenario;             // the drawn scenario, as a scenario file's table
  std::vector<std::string> params;  // "loss 0.137", one per drawn parameter, in draw order
};

// REQUIRES: `base` is the table `base_scenario` was loaded from; a kv workload.
SwarmDraw DrawSwarm(const toml::table& base, const sim::Scenario& base_scenario, uint64_t seed);

// How long after the liveness phase begins the run must have converged: 1 s until the repair
// starts, plus twice the repair's cost estimated from the data and the repair schedule (reading
// and streaming every replica's data, keys x columns x (value + 40 B) x RF, at the validation and
// stream rates; per token range, 12 one-way trips of the slowest link, each resent 1 / (1 -
// loss) times on average, ranges at repair.concurrency at once), plus 1 s of margin.
sim::Nanos LivenessBound(const sim::Scenario& drawn);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SWARM_DRAW_H_
