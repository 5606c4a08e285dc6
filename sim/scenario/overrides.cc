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

// The value as the table {v = value}: TOML if it parses, else the text as a string (so
// --set clocks.timestamps=hlc works unquoted).
absl::StatusOr<toml::table> ParseValue(const std::string& value, const std::string& source) {
  try {
    return toml::parse(absl::StrCat("v = ", value), std::string_view(source));
  } catch (const toml::parse_error&) {
    // Not TOML: read it as a string below.
  }
  std::string escaped;
  for (char ch : value) {
    if (ch == '"' || ch == '\\') escaped += '\\';
    escaped += ch;
  }
  try {
    return toml::parse(absl::StrCat("v = \"", escaped, "\""), std::string_view(source));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": cannot read the value: ", AV(e.description())));
  }
}

// Walks every segment of `parts` but the last from `root`, through tables (created when missing)
// and array elements (by index). `walked` receives the path walked, for messages.
absl::StatusOr<toml::node*> WalkToParent(toml::table* root, const std::vector<std::string>& parts,
                                         const std::string& source, std::string* walked) {
  toml::node* cur = root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.empty())
      return absl::InvalidArgumentError(absl::StrCat(source, ": empty segment in the key path"));
    *walked = walked->empty() ? p : absl::StrCat(*walked, ".", p);
    if (toml::array* arr = cur->as_array()) {
      size_t idx = 0;
      if (!absl::SimpleAtoi(p, &idx) || idx >= arr->size()) {
        return absl::InvalidArgumentError(absl::StrCat(source, ": ", *walked,
                                                       ": no such element (the array has ",
                                                       arr->size(), " elements, indexed from 0)"));
      }
      cur = arr->get(idx);
      continue;
    }
    toml::table* t = cur->as_table();
    if (t == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": ", *walked, " is not a table"));
    }
    toml::node* next = t->get(p);
    if (next == nullptr) {
      t->insert(p, toml::table{});
      next = t->get(p);
    }
    cur = next;
  }
  return cur;
}

}  // namespace

absl::Status ApplyOverride(toml::table* root, const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--set ", assignment, ": expected key.path=value, e.g. --set network.link.loss=0.05"));
  }
  std::string path = assignment.substr(0, eq);
  std::string source = absl::StrCat("--set ", path);
  absl::StatusOr<toml::table> parsed = ParseValue(assignment.substr(eq + 1), source);
  if (!parsed.ok()) return parsed.status();
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  std::string walked;
  absl::StatusOr<toml::node*> cur = WalkToParent(root, parts, source, &walked);
  if (!cur.ok()) return cur.status();
  const std::string& last = parts.back();
  if (last.empty())
    return absl::InvalidArgumentError(absl::StrCat(source, ": empty segment in the key path"));
  toml::node* v = parsed->get("v");
  if (toml::array* arr = (*cur)->as_array()) {
    size_t idx = 0;
    if (!absl::SimpleAtoi(last, &idx) || idx >= arr->size()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": no such element"));
    }
    arr->replace(arr->cbegin() + static_cast<std::ptrdiff_t>(idx), std::move(*v));
    return absl::OkStatus();
  }
  toml::table* t = (*cur)->as_table();
  if (t == nullptr)
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", walked, " is not a table"));
  t->insert_or_assign(last, std::move(*v));
  return absl::OkStatus();
}

}  // namespace dsim::sim::scenario_keys
