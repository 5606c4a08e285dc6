// `dsim run --set key.path=value`: an override applied to the parsed TOML of a scenario before
// it is read, so that the value is checked exactly like a key of the file; the errors of the
// value name `--set key.path` instead of a file position. Array elements are addressed by index
// (`faults.0.at`); missing tables on the path are created.
#ifndef DSIM_SIM_SCENARIO_OVERRIDES_H_
#define DSIM_SIM_SCENARIO_OVERRIDES_H_

#include <toml++/toml.h>

#include <string>

#include "absl/status/status.h"

namespace dsim::sim::scenario_keys {

// Sets the key `assignment` names ("key.path=value") in `root`. The value is TOML (`3`,
// `"10ms"`, `true`, `[1, 2]`) or, when it does not parse as TOML, a bare string. InvalidArgument
// for a malformed assignment, an unreadable value or a path through a non-table.
[[nodiscard]] absl::Status ApplyOverride(toml::table* root, const std::string& assignment);

}  // namespace dsim::sim::scenario_keys

#endif  // DSIM_SIM_SCENARIO_OVERRIDES_H_
