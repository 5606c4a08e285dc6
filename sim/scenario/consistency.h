// The checks of a scenario that span sections, run by the loader (load.cc) after every section
// is read: datacenter names used by [[network.dc_links]], [[clocks.node]] ids, replication
// against the cluster's size, fault actions and keys that need the kv workload, and a relay run
// that would never end. Each problem goes to the Context like a reader's, located at the top
// level (or at the key, for keys of the other workload).
#ifndef DSIM_SIM_SCENARIO_CONSISTENCY_H_
#define DSIM_SIM_SCENARIO_CONSISTENCY_H_

#include <toml++/toml.h>

#include "sim/scenario/config.h"
#include "sim/scenario/toml_section.h"

namespace dsim::sim::scenario_keys {

// Cross-section checks of `sc`, read from the file whose top level is `top`.
void CheckConsistency(toml_section::Section& top, const Scenario& sc);

// Keys that only the other workload reads would be silently ignored: reports them instead.
void CheckWorkloadSpecificKeys(toml_section::Context* ctx, const toml::table& root,
                               const Scenario& sc);

}  // namespace dsim::sim::scenario_keys

#endif  // DSIM_SIM_SCENARIO_CONSISTENCY_H_
