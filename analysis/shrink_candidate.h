// The scenario `dsim shrink` edits, as TOML: the parsed file with its `--set` overrides applied,
// and the edits that make smaller candidates of it (entries of `faults` or of
// `workload.kv.phases` taken out, a phase cut shorter, fewer nodes). A candidate is loaded from
// its own text by the normal loader, so it is validated exactly as `dsim run` would validate the
// minimal.toml written from it, and the text is what runs.
//
// Contract: edits never change the table they are given (they return a copy); indexes are those
// of the loaded scenario's `faults` (the loader keeps the file's order); ScenarioTomlText is
// deterministic (toml++'s formatter: keys in table order, floats round-trip).
//
//   absl::StatusOr<toml::table> t = ReadScenarioTable("scenarios/x.toml", {"simulation.seed=3"});
//   toml::table smaller = WithoutArrayEntries(*t, "faults", {0, 5});
//   absl::StatusOr<sim::Scenario> s = LoadCandidate(smaller, "scenarios/x.toml");
#ifndef DSIM_ANALYSIS_SHRINK_CANDIDATE_H_
#define DSIM_ANALYSIS_SHRINK_CANDIDATE_H_

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/core/time.h"
#include "sim/scenario/config.h"

namespace dsim::analysis {

// The scenario file parsed, with `overrides` ("key.path=value") applied. REQUIRES: the file loads
// (sim::LoadScenarioFile with the same overrides succeeded); errors otherwise name the file.
[[nodiscard]] absl::StatusOr<toml::table> ReadScenarioTable(
    const std::string& file, const std::vector<std::string>& overrides);

// The table as TOML text (toml++'s formatter).
std::string ScenarioTomlText(const toml::table& table);

// The candidate loaded from its text; InvalidArgument (the loader's messages) when the loader
// rejects it. The scenario's name is `[simulation] name`, else `source_name`.
[[nodiscard]] absl::StatusOr<sim::Scenario> LoadCandidate(const toml::table& table,
                                                          const std::string& source_name);

// The table without the elements at `removed` (ascending indexes) of the array at dotted `path`
// ("faults", "workload.kv.phases"). An absent array stays absent.
toml::table WithoutArrayEntries(const toml::table& table, const std::string& path,
                                const std::vector<size_t>& removed);

// The number of elements of the array at `path` (0 when absent).
size_t ArraySize(const toml::table& table, const std::string& path);

// The table with `workload.kv.phases[phase].duration` set to `duration` (as duration text).
// REQUIRES: phase < ArraySize(table, "workload.kv.phases").
toml::table WithPhaseDuration(const toml::table& table, size_t phase, sim::Nanos duration);

// The cluster with `nodes` nodes: `cluster.nodes` without datacenters; with
// `cluster.datacenters`, datacenter `dc`'s node count (its racks cut to at most its nodes, and
// `cluster.nodes`, which must be their sum, left out).
toml::table WithNodes(const toml::table& table, std::optional<size_t> dc, uint32_t nodes);

// Sets `[simulation] name` when the table has none.
void SetNameIfAbsent(toml::table* table, const std::string& name);

// The highest node id a fault of `scenario` names (node, link ends, partition members); 0 when
// none does. Fewer nodes than this plus one would make the faults invalid.
uint32_t HighestFaultNode(const sim::Scenario& scenario);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SHRINK_CANDIDATE_H_
