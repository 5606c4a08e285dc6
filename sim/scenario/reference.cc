// The Markdown reference of every scenario key (`dsim help scenario`, scenarios/README.md),
// rendered from the key table's documented entries (ScenarioKeys, key_table.h).
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/str_cat.h"
#include "sim/scenario/key_table.h"
#include "sim/scenario/scenario.h"

namespace dsim::sim {
namespace {

using scenario_keys::DocEntry;

std::string Cell(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    if (c == '|') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

// A section's heading: "[network.link]" for a table, the section as-is when it already says
// what it is ("[[faults]]", "latency (table form)").
std::string Heading(const std::string& section) {
  return section.find('[') == std::string::npos && section.find('(') == std::string::npos
             ? absl::StrCat("[", section, "]")
             : section;
}

}  // namespace

std::string ScenarioReference() {
  std::vector<DocEntry> docs = scenario_keys::ScenarioKeys();
  // Group by section, sections in order of first appearance.
  std::vector<std::string> order;
  absl::btree_map<std::string, std::vector<const DocEntry*>> by_section;
  for (const DocEntry& d : docs) {
    if (d.section.empty()) continue;  // the top-level tables get their own headings
    if (!by_section.contains(d.section)) order.push_back(d.section);
    by_section[d.section].push_back(&d);
  }
  std::string out;
  for (const std::string& section : order) {
    absl::StrAppend(&out, out.empty() ? "" : "\n", "#### `", Heading(section), "`\n\n",
                    "| key | type | default | meaning |\n|---|---|---|---|\n");
    for (const DocEntry* d : by_section[section]) {
      std::string def = d->default_text.empty() ? "" : absl::StrCat("`", d->default_text, "`");
      absl::StrAppend(&out, "| `", d->key, "` | ", Cell(d->type), " | ", Cell(def), " | ",
                      Cell(d->doc), " |\n");
    }
  }
  return out;
}

}  // namespace dsim::sim
