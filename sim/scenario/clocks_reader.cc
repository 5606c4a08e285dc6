// [clocks] (with [[clocks.node]]) of the key table (key_table.h).
#include "sim/scenario/key_table.h"

namespace dsim::sim::scenario_keys {
namespace {

void ReadClockNode(Section& d, ClockNodeConfig* cn) {
  d.Require("node", "missing: which node this override is for");
  d.Uint32("node", &cn->node, 0, kMaxNodes, "node id");
  d.OptionalDuration("offset", &cn->offset, -kHour, kHour, "initial offset (may be negative)");
  d.OptionalDouble("drift_ppm", &cn->drift_ppm, -100'000, 100'000,
                   "drift in ppm (may be negative)");
}

}  // namespace

void ReadClocks(Section s, Scenario* sc) {
  ClocksConfig& c = sc->clocks;
  s.Duration("offset_max", &c.offset_max, 0, kHour,
             "each node's initial clock offset is uniform in [-offset_max, +offset_max]");
  s.Double("drift_ppm_max", &c.drift_ppm_max, 0, 100'000,
           "each node's drift is uniform in [-drift_ppm_max, +drift_ppm_max] parts per million");
  s.Duration("ntp_period", &c.ntp_period, 0, kYear,
             "NTP-like correction interval (0: never corrected)");
  s.Duration("ntp_residual", &c.ntp_residual, 0, kHour,
             "standard deviation of the offset left right after a correction");
  s.Enum("timestamps", &c.timestamps,
         {{"wall", ClocksConfig::Timestamps::kWall}, {"hlc", ClocksConfig::Timestamps::kHlc}},
         "write timestamps from the node's wall clock (as Cassandra) or a hybrid logical clock");
  s.Array("node", "per-node overrides of the initial offset and drift", &c.nodes, ClockNodeConfig{},
          ReadClockNode);
  s.Finish();
}

}  // namespace dsim::sim::scenario_keys
