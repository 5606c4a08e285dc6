// The scenario key table: one reader per section of a scenario file, each written once against
// toml_section::Section (sim/scenario/toml_section.h) and run in all three of its modes:
//
//   reading      a file into a Scenario (LoadScenarioFile, load.cc);
//   documenting  every key (ScenarioReference: `dsim help scenario`, scenarios/README.md);
//   echo         a loaded Scenario back into its canonical text form (ScenarioToJson: the
//                `scenario` object of results.json).
//
// So every key is declared exactly once. To add one: write one getter call in its section's
// reader, next to the keys it belongs with,
//
//   s.Duration("warmup", &sc->simulation.warmup, 0, kYear, "time before measuring starts");
//
// add the field to config.h and use it; that call reads the key (type, unit and range checked,
// unknown-key suggestions included), documents it and echoes it. Then run .ci/regen-docs to
// refresh scenarios/README.md (Scenario.ReadmeReferenceMatchesTheLoader fails until you do) and
// refresh the expected echoes of tests/sim/scenario/testdata/echo/ (their README says how).
// A check across sections goes into consistency.cc; a new fault action is one ReadX function in
// fault_reader.cc plus one row of its dispatch table.
//
// The readers live in cluster_reader.cc ([simulation], [cluster]), network_reader.cc ([network]
// and latencies), clocks_reader.cc, storage_reader.cc ([storage], [repair], [metrics]),
// workload_reader.cc and fault_reader.cc ([[faults]]). Each takes the section and the Scenario:
// reading stores into it; documenting reads a default Scenario; echo reads a copy of the loaded
// one (so a reader may keep scratch values in it, but must not append to its arrays: Array does).
#ifndef DSIM_SIM_SCENARIO_KEY_TABLE_H_
#define DSIM_SIM_SCENARIO_KEY_TABLE_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/core/time.h"
#include "sim/scenario/config.h"
#include "sim/scenario/toml_section.h"

namespace dsim::sim::scenario_keys {

using toml_section::Context;
using toml_section::DescribeValue;
using toml_section::DocEntry;
using toml_section::Section;

inline constexpr uint32_t kMaxNodes = 1'000'000;
// Replicas a partition may have: the ring stores at most this many per segment
// (Ring::kMaxReplicas).
inline constexpr uint32_t kMaxReplicationFactor = 16;
inline constexpr Nanos kMaxLatency = kHour;
inline constexpr Nanos kYear = 365 * 24 * kHour;

// Runs every section reader on the top level, in the order of the reference. Reading mode does
// not report unknown top-level keys (the caller finishes `top` when it has run its checks).
void ReadScenario(Section& top, Scenario* sc);

// Every documented key, in reference order: the entries ScenarioReference() renders.
std::vector<DocEntry> ScenarioKeys();

void ReadSimulation(Section s, Scenario* sc);
void ReadCluster(Section s, Scenario* sc);
void ReadNetwork(Section s, Scenario* sc);
void ReadClocks(Section s, Scenario* sc);
void ReadStorage(Section s, Scenario* sc);
void ReadRepair(Section s, Scenario* sc);
void ReadWorkload(Section s, Scenario* sc);
void ReadFaults(Section& top, Scenario* sc);
void ReadMetrics(Section s, Scenario* sc);
void ReadChecks(Section s, Scenario* sc);

// The keys of a link class (latency, loss, ...), used by [network] and degrade_link faults.
// Documented once, under [network.link]; elsewhere the reference says "same keys as".
void ReadLinkClass(Section& s, LinkClassConfig* link);

// "partition", "cut_link", ...: the `action` name of a fault kind.
std::string_view FaultKindName(FaultConfig::Kind kind);

}  // namespace dsim::sim::scenario_keys

#endif  // DSIM_SIM_SCENARIO_KEY_TABLE_H_
