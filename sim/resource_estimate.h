// ResourceEstimate: what a scenario will need before it runs — peak memory, broken down by the
// part of the world that holds it and the scenario keys that drive each part, and the most
// events pending at once. `dsim validate` prints it; `dsim run` refuses, before starting, a
// scenario whose estimate exceeds --max-memory, naming the keys to change.
//
// A model, not a measurement: each part is a count derived from the scenario (cells written,
// replicas, nodes, rows, tree leaves) times a per-item cost measured on the Release build
// (tests/analysis/resource_estimate_test.cc checks the total against the measured peak of every
// shipped scenario, within a factor of 2). Pure: no host facts, no randomness, no run.
//
//   ResourceEstimate e = EstimateResources(scenario);
//   if (e.peak_bytes > limit) ... e.parts[i].keys names what drives the largest part
#ifndef DSIM_SIM_RESOURCE_ESTIMATE_H_
#define DSIM_SIM_RESOURCE_ESTIMATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario/config.h"

namespace dsim::sim {

struct ResourceEstimate {
  struct Part {
    std::string name;  // "stores", "oracle", ...
    uint64_t bytes = 0;
    std::string keys;  // the scenario keys that drive it, e.g. "workload.kv.keys x columns"
  };
  uint64_t peak_bytes = 0;      // the sum of the parts
  uint64_t pending_events = 0;  // the most events pending at once (scheduler slots)
  std::vector<Part> parts;      // largest first
};

// How long the run will last as far as the scenario says: simulation.duration, or without it
// (kv workload) the phases' total duration and the last fault, whichever is later; 0 when unknown
// (a relay run that ends on its delivery count).
Nanos RunHorizon(const Scenario& scenario);

ResourceEstimate EstimateResources(const Scenario& scenario);

// "812 MiB: stores 520 MiB (workload.kv.keys x columns x value_size x replication_factor), ..."
std::string FormatEstimate(const ResourceEstimate& estimate);

}  // namespace dsim::sim

#endif  // DSIM_SIM_RESOURCE_ESTIMATE_H_
