// Scenario files: TOML (toml++) -> Scenario (sim/scenario/config.h), validated.
//
// Validation rejects syntax errors, unknown keys, wrong types, bad units, out-of-range values
// and inconsistent combinations. Every problem is reported as
//
//   FILE:LINE:COLUMN: KEY.PATH: what was expected, and what was found
//
// all of them at once (up to a limit), in the InvalidArgument status message, one per line.
// A missing or unreadable file is NotFound / InvalidArgument naming the file.
//
// Overrides (`dsim run --set key.path=value`) are applied to the parsed TOML before validation,
// so they are checked exactly like keys in the file; their errors name `--set key.path`.
// Array elements are addressed by index: `--set faults.0.at=3s`.
//
// One key table (sim/scenario/key_table.h) declares every key once: the same reader code loads
// a file, documents every key (ScenarioReference) and echoes a loaded scenario (ScenarioToJson),
// so the documented keys, types and defaults and the echo cannot drift from what the loader
// accepts. key_table.h says how to add a key.
//
//   absl::StatusOr<Scenario> s = LoadScenarioFile("scenarios/quickstart.toml",
//   {"simulation.seed=7"});
#ifndef DSIM_SIM_SCENARIO_H_
#define DSIM_SIM_SCENARIO_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

// Reads and validates a scenario file. `overrides` are "key.path=value" strings; the value is
// TOML (`3`, `"10ms"`, `true`, `[1, 2]`) or, when it does not parse as TOML, a bare string.
[[nodiscard]] absl::StatusOr<Scenario> LoadScenarioFile(
    const std::string& path, const std::vector<std::string>& overrides = {});

// The same from text already in memory; `source_name` is used in messages.
[[nodiscard]] absl::StatusOr<Scenario> LoadScenarioText(
    std::string_view text, std::string_view source_name,
    const std::vector<std::string>& overrides = {});

// The scenario with every default filled in, as the `scenario` object of results.json: the key
// table's readers run in echo mode. Durations, sizes and probabilities use their canonical text
// forms (sim/core/units.h), so the echo reads like a scenario file; a latency is echoed in its
// table form, and the link classes [network.inter_rack] and [network.inter_dc] always (as
// [network.link] when unset).
nlohmann::json ScenarioToJson(const Scenario& scenario);

// The reference of every key: section, key, type, default and meaning, as Markdown tables.
std::string ScenarioReference();

}  // namespace dsim::sim

#endif  // DSIM_SIM_SCENARIO_H_
