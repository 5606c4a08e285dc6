// Identifiers shared by every layer of the simulator.
//
// NodeId: a virtual node, dense from 0 to nodes - 1 in the order the scenario declares its
// datacenters (sim/scenario/config.h). It is the lowest-level name in the world: the scheduler
// tags events with it, the network routes by it, the cluster indexes replicas by it.
#ifndef DSIM_SIM_CORE_IDS_H_
#define DSIM_SIM_CORE_IDS_H_

#include <cstdint>

namespace dsim::sim {

using NodeId = uint32_t;

}  // namespace dsim::sim

#endif  // DSIM_SIM_CORE_IDS_H_
