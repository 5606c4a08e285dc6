#include "analysis/run_results.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/check.h"

namespace dsim::analysis {
namespace {

absl::Status FlattenInto(const nlohmann::json& node, const std::string& prefix,
                         const std::string& source, MetricMap* out) {
  if (!node.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": metrics.", prefix, ": expected an object, got ", node.type_name()));
  }
  if (node.contains("value") && node.contains("unit")) {
    const nlohmann::json& v = node["value"];
    const nlohmann::json& u = node["unit"];
    if (!u.is_string() || !(v.is_null() || v.is_number())) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": metrics.", prefix,
                       ": expected {\"value\": number or null, \"unit\": string}"));
    }
    MetricValue m;
    m.unit = u.get<std::string>();
    if (v.is_number()) {
      m.value = v.get<double>();
      if (!std::isfinite(*m.value)) m.value.reset();
    }
    (*out)[prefix] = std::move(m);
    return absl::OkStatus();
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    absl::Status st = FlattenInto(
        *it, prefix.empty() ? it.key() : absl::StrCat(prefix, ".", it.key()), source, out);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

// results.json's faults_applied (sim/results.h documents the fields).
absl::StatusOr<std::vector<AppliedFaultRecord>> AppliedFaultsFromJson(const nlohmann::json& array,
                                                                      const std::string& source) {
  if (!array.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": \"faults_applied\" is not an array"));
  }
  std::vector<AppliedFaultRecord> out;
  for (size_t i = 0; i < array.size(); ++i) {
    const nlohmann::json& e = array[i];
    auto bad = [&](const char* what) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": faults_applied[", i, "]: ", what));
    };
    if (!e.is_object()) return bad("expected an object");
    if (!e.contains("index") || !e["index"].is_number_unsigned()) return bad("needs an index");
    if (!e.contains("kind") || !e["kind"].is_string()) return bad("needs a kind");
    if (!e.contains("start_ns") || !e["start_ns"].is_number_integer()) return bad("needs start_ns");
    AppliedFaultRecord r;
    r.index = e["index"].get<uint64_t>();
    r.kind = e["kind"].get<std::string>();
    // Division, not * 1e-9: the correctly rounded seconds (15 s stays 15, not 15.000000000000002).
    r.start_s = static_cast<double>(e["start_ns"].get<int64_t>()) / 1e9;
    if (e.contains("name")) {
      if (!e["name"].is_string()) return bad("name is not a string");
      r.name = e["name"].get<std::string>();
    }
    if (e.contains("node")) {
      if (!e["node"].is_number_unsigned()) return bad("node is not a node id");
      r.node = e["node"].get<uint64_t>();
    }
    if (e.contains("end_ns")) {
      r.lasting = true;
      if (!e["end_ns"].is_null() && !e["end_ns"].is_number_integer())
        return bad("end_ns is neither a time nor null");
      if (e["end_ns"].is_number_integer())
        r.end_s = static_cast<double>(e["end_ns"].get<int64_t>()) / 1e9;
    }
    out.push_back(std::move(r));
  }
  return out;
}

// scenario.simulation.name of the echo; "" when absent. The echo's sections must be objects.
absl::StatusOr<std::string> EchoedScenarioName(const nlohmann::json& scenario,
                                               const std::string& source) {
  if (!scenario.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": /scenario: expected an object (the scenario echo), got ", scenario.type_name()));
  }
  std::string name;
  const auto sim = scenario.find("simulation");
  if (sim == scenario.end()) return name;
  if (!sim->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": /scenario/simulation: expected an object, got ", sim->type_name()));
  }
  if (absl::Status st = OptionalString(*sim, "name", source + ": /scenario/simulation", &name);
      !st.ok()) {
    return st;
  }
  return name;
}

}  // namespace

absl::StatusOr<MetricMap> FlattenMetrics(const nlohmann::json& metrics, const std::string& source) {
  MetricMap out;
  if (!metrics.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": \"metrics\" is not an object"));
  }
  absl::Status st = FlattenInto(metrics, "", source, &out);
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<RunResults> RunResultsFromJson(const nlohmann::json& j, const std::string& source,
                                              const std::string& dir) {
  if (!j.is_object() || !j.contains("metrics") || !j.contains("seed") || !j.contains("scenario")) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": not a dsim results file (needs \"seed\", \"scenario\" and \"metrics\")"));
  }
  RunResults r;
  r.dir = dir;
  if (!j["seed"].is_number_unsigned()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": \"seed\" is not a non-negative integer"));
  }
  r.seed = j["seed"].get<uint64_t>();
  for (const auto& [key, out] : {std::pair{"dsim_version", &r.dsim_version},
                                 {"trace_hash", &r.trace_hash},
                                 {"stop_reason", &r.stop_reason}}) {
    if (absl::Status st = OptionalString(j, key, source, out); !st.ok()) return st;
  }
  if (j.contains("simulated_time_ns") && j["simulated_time_ns"].is_number()) {
    r.simulated_time_s = j["simulated_time_ns"].get<double>() * 1e-9;
  }
  r.scenario = j["scenario"];
  if (absl::StatusOr<std::string> name = EchoedScenarioName(r.scenario, source); name.ok()) {
    r.scenario_name = *std::move(name);
  } else {
    return name.status();
  }
  if (j.contains("faults_applied")) {
    absl::StatusOr<std::vector<AppliedFaultRecord>> f =
        AppliedFaultsFromJson(j["faults_applied"], source);
    if (!f.ok()) return f.status();
    r.faults_applied = std::move(*f);
  }
  absl::StatusOr<MetricMap> m = FlattenMetrics(j["metrics"], source);
  if (!m.ok()) return m.status();
  r.metrics = std::move(*m);
  return r;
}

absl::StatusOr<RunResults> LoadRunResults(const std::string& dir) {
  return LoadJsonFile(absl::StrCat(dir, "/results.json"),
                      [&dir](const nlohmann::json& j, const std::string& path) {
                        return RunResultsFromJson(j, path, dir);
                      });
}

absl::StatusOr<TimeseriesData> LoadTimeseries(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  TimeseriesData ts;
  std::vector<absl::string_view> lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  if (lines.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  std::vector<std::string> header = absl::StrSplit(lines[0], ',');
  if (header.empty() || header[0] != "time_s") {
    return absl::InvalidArgumentError(absl::StrCat(path, ":1: the first column must be time_s"));
  }
  ts.columns.assign(header.begin() + 1, header.end());
  ts.values.resize(ts.columns.size());
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<absl::string_view> cells = absl::StrSplit(lines[i], ',');
    if (cells.size() != header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", i + 1, ": expected ", header.size(),
                                                     " columns, found ", cells.size()));
    }
    double t = 0;
    if (!absl::SimpleAtod(cells[0], &t)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", i + 1, ": time_s is not a number"));
    }
    ts.times_s.push_back(t);
    for (size_t c = 1; c < cells.size(); ++c) {
      double v = std::nan("");
      if (!cells[c].empty() && !absl::SimpleAtod(cells[c], &v)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":", i + 1, ": column ", header[c], " is not a number"));
      }
      ts.values[c - 1].push_back(v);
    }
  }
  DSIM_CHECK(ts.values.size() == ts.columns.size());
  return ts;
}

}  // namespace dsim::analysis
