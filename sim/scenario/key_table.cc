// The key table's root (ReadScenario: which sections, in which order) and its two non-reading
// entry points: the documented keys (ScenarioKeys) and the echo of a loaded scenario
// (ScenarioToJson). Loading is in load.cc, the rendered reference in reference.cc.
#include "sim/scenario/key_table.h"

#include "sim/scenario/scenario.h"

namespace dsim::sim {
namespace scenario_keys {

void ReadScenario(Section& top, Scenario* sc) {
  ReadSimulation(top.Table("simulation", "seed, duration, event budget"), sc);
  ReadCluster(top.Table("cluster", "nodes, datacenters, racks"), sc);
  ReadNetwork(top.Table("network", "link classes and the datacenter graph"), sc);
  ReadClocks(top.Table("clocks", "clock skew, drift and correction"), sc);
  ReadStorage(top.Table("storage", "every node's storage engine"), sc);
  ReadRepair(top.Table("repair", "Merkle-tree anti-entropy repair"), sc);
  ReadWorkload(top.Table("workload", "what the nodes do"), sc);
  ReadFaults(top, sc);
  ReadMetrics(top.Table("metrics", "sampling of timeseries.csv"), sc);
  ReadChecks(top.Table("checks", "the checkers dsim run evaluates, each with its exit code"), sc);
}

std::vector<DocEntry> ScenarioKeys() {
  std::vector<DocEntry> docs;
  Context ctx(&docs);
  Section top(&ctx, nullptr, "");
  Scenario defaults;
  ReadScenario(top, &defaults);
  return docs;
}

}  // namespace scenario_keys

nlohmann::json ScenarioToJson(const Scenario& scenario) {
  nlohmann::json echo = nlohmann::json::object();
  scenario_keys::Context ctx(&echo);
  scenario_keys::Section top(&ctx, nullptr, "");
  // The readers take a Scenario to store into; echoing stores nothing, so a copy keeps `scenario`
  // untouched whatever a reader does with its scratch values.
  Scenario copy = scenario;
  scenario_keys::ReadScenario(top, &copy);
  return echo;
}

}  // namespace dsim::sim
