// `dsim run --set key.path=value`: an override applied to the parsed TOML of a scenario before
// it is read, so that the value is checked exactly like a key of the file; the errors of the
// value name the override, "--set key.path=value", instead of a file position (and a check across
// keys names it after its message: "(from --set key.path=value)").
//
// Paths: table keys joined by dots; array elements by index, `faults[0].at` (the form errors
// print) or `faults.0.at`. An index equal to the array's length appends an element (an empty
// table the following keys fill: `--set faults[2].action=crash --set faults[2].at=3s`, or a whole
// one: `--set 'faults[2]={action = "crash", at = "3s", node = 1}'`); a larger one is an error.
// Missing tables on the path are made (an array when an index follows), as if the override had
// written them.
#ifndef DSIM_SIM_SCENARIO_OVERRIDES_H_
#define DSIM_SIM_SCENARIO_OVERRIDES_H_

#include <toml++/toml.h>

#include <string>

#include "absl/status/status.h"

namespace dsim::sim::scenario_keys {

// Sets the key `assignment` names ("key.path=value") in `root`. The value is TOML (`3`,
// `"10ms"`, `true`, `[1, 2]`) or, when it does not parse as TOML, a bare string. InvalidArgument,
// naming the override, for a malformed assignment or path, an unreadable value, an index past the
// end of an array, or a path through a value that is not a table (or not an array, for an index).
[[nodiscard]] absl::Status ApplyOverride(toml::table* root, const std::string& assignment);

}  // namespace dsim::sim::scenario_keys

#endif  // DSIM_SIM_SCENARIO_OVERRIDES_H_
