// RunOutput: everything one run produces, the content of results.json (with the scenario echo),
// timeseries.csv and (kv runs) nodes.csv. RunScenario (sim/simulation.h) returns it; the worlds
// that build it (sim/kv/kv_world.h, sim/relay/) fill its metrics, timeseries and the faults their
// fault schedule applied, RunScenario the run fields. Deterministic: nothing in it depends on the
// wall clock or the host.
#ifndef DSIM_SIM_RUN_OUTPUT_H_
#define DSIM_SIM_RUN_OUTPUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/applied_fault.h"
#include "sim/core/metrics.h"
#include "sim/core/time.h"
#include "sim/core/timeseries.h"

namespace dsim::sim {

// One row per node of a kv run (nodes.csv): `columns` name the values of every row; empty for
// workloads without nodes of their own (relay).
struct NodeTable {
  std::vector<std::string> columns;
  std::vector<std::vector<uint64_t>> rows;  // rows[node][column]

  // "node,<columns>\n" then one line per node, in node order.
  std::string ToCsv() const;
};

struct RunOutput {
  uint64_t trace_hash = 0;        // running XXH3 over every processed event
  uint64_t events_processed = 0;  // events executed (cancelled ones not counted)
  Nanos end_time = 0;             // true time when the run stopped
  // Why the run stopped: "workload_done", "duration", "max_events" or "quiescent".
  std::string stop_reason;
  MetricSet metrics;
  Timeseries timeseries;
  // What the fault schedule applied, by fault index (FaultSchedule::Applied).
  std::vector<AppliedFault> faults_applied;
  NodeTable nodes;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_RUN_OUTPUT_H_
