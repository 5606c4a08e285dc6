#include "sim/scenario/overrides.h"

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace dsim::sim::scenario_keys {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// One step of a key path: a table key, or an array index ("faults[2]", or "faults.2").
struct Step {
  std::string key;       // empty for an index
  size_t index = 0;      // for an index
  bool bracket = false;  // an index written [N]: the container is an array, made when missing
};

// "faults[2].groups[0]" -> faults, [2], groups, [0]; a dotted all-digit segment under an array
// is an index too (told apart while walking). InvalidArgument names the override.
absl::StatusOr<std::vector<Step>> ParsePath(std::string_view path, const std::string& source) {
  std::vector<Step> steps;
  for (absl::string_view part : absl::StrSplit(AV(path), '.')) {
    const size_t bracket = part.find('[');
    absl::string_view key = part.substr(0, bracket);
    if (key.empty() && (bracket != 0 || steps.empty())) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": empty segment in the key path"));
    }
    if (!key.empty()) steps.push_back(Step{std::string(key)});
    for (size_t open = bracket; open != absl::string_view::npos;) {
      const size_t close = part.find(']', open);
      size_t index = 0;
      if (close == absl::string_view::npos ||
          !absl::SimpleAtoi(part.substr(open + 1, close - open - 1), &index)) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": expected an array index such as faults[0] in the key path, got \"", part,
            "\""));
      }
      steps.push_back(Step{"", index, true});
      open = close + 1 == part.size() ? absl::string_view::npos : close + 1;
      if (open != absl::string_view::npos && part[open] != '[') {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": unexpected \"", part.substr(open), "\" in the key path"));
      }
    }
  }
  return steps;
}

// A TOML value parsed from `text`, its source region naming the override (so an error in a
// value, or in a table or array the override made, names it).
absl::StatusOr<toml::table> ParseAs(const std::string& text, const std::string& source) {
  try {
    return toml::parse(absl::StrCat("v = ", text), std::string_view(source));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": cannot read the value: ", AV(e.description())));
  }
}

// The value as the table {v = value}: TOML if it parses, else the text as a string (so
// --set clocks.timestamps=hlc works unquoted).
absl::StatusOr<toml::table> ParseValue(const std::string& value, const std::string& source) {
  absl::StatusOr<toml::table> parsed = ParseAs(value, source);
  if (parsed.ok()) return parsed;
  std::string escaped;
  for (char ch : value) {
    if (ch == '"' || ch == '\\') escaped += '\\';
    escaped += ch;
  }
  return ParseAs(absl::StrCat("\"", escaped, "\""), source);
}

// An empty table or array made by the override `source`, as {v = ...} in `holder`.
toml::node* Made(toml::table* holder, bool array, const std::string& source) {
  *holder = *ParseAs(array ? "[]" : "{}", source);
  return holder->get("v");
}

std::string StepText(const Step& s, bool first) {
  if (!s.key.empty()) return first ? s.key : absl::StrCat(".", s.key);
  return absl::StrCat("[", s.index, "]");
}

// Puts `value` at `step` of `container`, or, with value null, the existing child there (a new
// table, or array when `next_is_index`, when missing). An index may be the array's length: that
// appends. `walked` is the path so far, for messages.
absl::StatusOr<toml::node*> Place(toml::node* container, const Step& step, toml::node* value,
                                  bool next_is_index, const std::string& walked,
                                  const std::string& source) {
  toml::table made;
  if (toml::array* arr = container->as_array()) {
    if (!step.key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": ", walked, " is an array: index it, e.g. ", walked, "[0]"));
    }
    const std::string here = absl::StrCat(walked, "[", step.index, "]");
    if (step.index > arr->size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": ", here, ": no such element (", walked, " has ", arr->size(),
                       " elements, indexed from 0; ", walked, "[", arr->size(), "] appends one)"));
    }
    if (value == nullptr && step.index < arr->size()) return arr->get(step.index);
    toml::node& v = value != nullptr ? *value : *Made(&made, next_is_index, source);
    if (step.index == arr->size()) {
      arr->push_back(std::move(v));
    } else {
      arr->replace(arr->cbegin() + static_cast<std::ptrdiff_t>(step.index), std::move(v));
    }
    return arr->get(step.index);
  }
  toml::table* t = container->as_table();
  if (t == nullptr || step.key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": ", walked, t == nullptr ? " is not a table" : " is a table, not an array"));
  }
  if (value != nullptr) {
    t->insert_or_assign(step.key, std::move(*value));
  } else if (t->get(step.key) == nullptr) {
    t->insert(step.key, std::move(*Made(&made, next_is_index, source)));
  }
  return t->get(step.key);
}

}  // namespace

absl::Status ApplyOverride(toml::table* root, const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--set ", assignment, ": expected key.path=value, e.g. --set network.link.loss=0.05"));
  }
  const std::string source = absl::StrCat("--set ", assignment);
  absl::StatusOr<std::vector<Step>> steps = ParsePath(assignment.substr(0, eq), source);
  if (!steps.ok()) return steps.status();
  absl::StatusOr<toml::table> parsed = ParseValue(assignment.substr(eq + 1), source);
  if (!parsed.ok()) return parsed.status();
  toml::node* cur = root;
  std::string walked;
  for (size_t i = 0; i < steps->size(); ++i) {
    const bool last = i + 1 == steps->size();
    const bool next_is_index = !last && (*steps)[i + 1].bracket;
    Step step = (*steps)[i];
    // The dotted form of an index, "faults.0.at", under an array.
    size_t dotted = 0;
    if (cur->is_array() && !step.key.empty() && absl::SimpleAtoi(step.key, &dotted)) {
      step = Step{"", dotted, false};
    }
    absl::StatusOr<toml::node*> next =
        Place(cur, step, last ? parsed->get("v") : nullptr, next_is_index, walked, source);
    if (!next.ok()) return next.status();
    cur = *next;
    absl::StrAppend(&walked, StepText(step, i == 0));
  }
  return absl::OkStatus();
}

}  // namespace dsim::sim::scenario_keys
