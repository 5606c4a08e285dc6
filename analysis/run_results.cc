#include "analysis/run_results.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::UnavailableError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat(path, ": read failed"));
  return ss.str();
}

bool FileExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

absl::StatusOr<nlohmann::json> ParseJson(const std::string& text, const std::string& source) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(source, ": not valid JSON"));
  return j;
}

absl::StatusOr<RunResults> LoadRunResults(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/results.json");
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<nlohmann::json> j = ParseJson(*text, path);
  if (!j.ok()) return j.status();
  if (!j->is_object() || !j->contains("metrics") || !j->contains("seed") ||
      !j->contains("scenario")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a dsim results file (needs \"seed\", \"scenario\" and \"metrics\")"));
  }
  RunResults r;
  r.dir = dir;
  const nlohmann::json& root = *j;
  if (!root["seed"].is_number_unsigned()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"seed\" is not a non-negative integer"));
  }
  r.seed = root["seed"].get<uint64_t>();
  r.dsim_version = root.value("dsim_version", "");
  r.trace_hash = root.value("trace_hash", "");
  r.stop_reason = root.value("stop_reason", "");
  if (root.contains("simulated_time_ns") && root["simulated_time_ns"].is_number()) {
    r.simulated_time_s = root["simulated_time_ns"].get<double>() * 1e-9;
  }
  r.scenario = root["scenario"];
  absl::StatusOr<MetricMap> m = FlattenMetrics(root["metrics"], path);
  if (!m.ok()) return m.status();
  r.metrics = std::move(*m);
  return r;
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
