#include "analysis/shrink_candidate.h"

#include <algorithm>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/check.h"
#include "sim/core/units.h"
#include "sim/scenario/overrides.h"
#include "sim/scenario/scenario.h"

namespace dsim::analysis {
namespace {

// The node at dotted `path`, nullptr when a segment is missing.
toml::node* At(toml::table* table, const std::string& path) {
  toml::node* node = table;
  for (absl::string_view key : absl::StrSplit(path, '.')) {
    toml::table* t = node == nullptr ? nullptr : node->as_table();
    if (t == nullptr) return nullptr;
    node = t->get(std::string_view(key.data(), key.size()));
  }
  return node;
}

toml::array* ArrayAt(toml::table* table, const std::string& path) {
  toml::node* n = At(table, path);
  return n == nullptr ? nullptr : n->as_array();
}

}  // namespace

absl::StatusOr<toml::table> ReadScenarioTable(const std::string& file,
                                              const std::vector<std::string>& overrides) {
  toml::table table;
  try {
    table = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    const std::string_view what = e.description();
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": ", absl::string_view(what.data(), what.size())));
  }
  for (const std::string& o : overrides) {
    if (absl::Status st = sim::scenario_keys::ApplyOverride(&table, o); !st.ok()) return st;
  }
  return table;
}

std::string ScenarioTomlText(const toml::table& table) {
  std::ostringstream out;
  out << toml::toml_formatter(table) << "\n";
  return out.str();
}

absl::StatusOr<sim::Scenario> LoadCandidate(const toml::table& table,
                                            const std::string& source_name) {
  return sim::LoadScenarioText(ScenarioTomlText(table), source_name);
}

size_t ArraySize(const toml::table& table, const std::string& path) {
  toml::table copy = table;  // At() walks mutable nodes; the size is all that is read
  const toml::array* a = ArrayAt(&copy, path);
  return a == nullptr ? 0 : a->size();
}

toml::table WithoutArrayEntries(const toml::table& table, const std::string& path,
                                const std::vector<size_t>& removed) {
  DSIM_CHECK(std::is_sorted(removed.begin(), removed.end()));
  toml::table out = table;
  toml::array* a = ArrayAt(&out, path);
  if (a == nullptr) return out;
  for (auto it = removed.rbegin(); it != removed.rend(); ++it) {
    DSIM_CHECK(*it < a->size());
    a->erase(a->begin() + static_cast<std::ptrdiff_t>(*it));
  }
  return out;
}

toml::table WithPhaseDuration(const toml::table& table, size_t phase, sim::Nanos duration) {
  toml::table out = table;
  toml::array* phases = ArrayAt(&out, "workload.kv.phases");
  DSIM_CHECK(phases != nullptr && phase < phases->size());
  toml::table* p = phases->get(phase)->as_table();
  DSIM_CHECK(p != nullptr);
  p->insert_or_assign("duration", sim::FormatDuration(duration));
  return out;
}

toml::table WithNodes(const toml::table& table, std::optional<size_t> dc, uint32_t nodes) {
  DSIM_CHECK(nodes >= 1);
  toml::table out = table;
  toml::table* cluster = At(&out, "cluster") == nullptr ? nullptr : At(&out, "cluster")->as_table();
  if (cluster == nullptr) {
    out.insert_or_assign("cluster", toml::table{});
    cluster = out.get("cluster")->as_table();
  }
  if (!dc.has_value()) {
    cluster->insert_or_assign("nodes", static_cast<int64_t>(nodes));
    return out;
  }
  toml::array* dcs = ArrayAt(&out, "cluster.datacenters");
  DSIM_CHECK(dcs != nullptr && *dc < dcs->size());
  toml::table* d = dcs->get(*dc)->as_table();
  DSIM_CHECK(d != nullptr);
  d->insert_or_assign("nodes", static_cast<int64_t>(nodes));
  if (std::optional<int64_t> racks = (*d)["racks"].value<int64_t>()) {
    d->insert_or_assign("racks", std::min<int64_t>(*racks, nodes));
  }
  cluster->erase("nodes");
  return out;
}

void SetNameIfAbsent(toml::table* table, const std::string& name) {
  toml::node* sim_node = At(table, "simulation");
  if (sim_node == nullptr) {
    table->insert_or_assign("simulation", toml::table{});
    sim_node = table->get("simulation");
  }
  toml::table* s = sim_node->as_table();
  if (s != nullptr && !s->contains("name")) s->insert_or_assign("name", name);
}

uint32_t HighestFaultNode(const sim::Scenario& scenario) {
  uint32_t high = 0;
  for (const sim::FaultConfig& f : scenario.faults) {
    high = std::max({high, f.node, f.from, f.to});
    for (const std::vector<sim::NodeId>& g : f.groups) {
      for (sim::NodeId n : g) high = std::max(high, n);
    }
  }
  return high;
}

}  // namespace dsim::analysis
