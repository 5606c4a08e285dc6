#include "analysis/summary.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/json_file.h"
#include "analysis/run_results.h"
#include "analysis/text_table.h"
#include "engine/check.h"
#include "sim/results.h"

namespace dsim::analysis {
namespace {

constexpr char kSummaryFormat[] = "dsim-summary/1";

nlohmann::json OptionalJson(const std::optional<double>& v) {
  return v.has_value() ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::optional<double> JsonOptional(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<double>();
}

// RFC 4180: quote a field holding a comma, quote or line break.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvNumber(const std::optional<double>& v) {
  return v.has_value() ? ExactNumber(*v) : "";
}

// Reads a failure record; a missing or unreadable one still counts as a failure (exit -1).
FailedRun ReadFailure(const std::string& path, uint64_t seed) {
  FailedRun f;
  f.seed = seed;
  absl::StatusOr<nlohmann::json> j = LoadJsonFile(path);
  if (!j.ok() || !j->is_object()) return f;
  if ((*j)["exit_code"].is_number_integer()) f.exit_code = (*j)["exit_code"].get<int>();
  if ((*j)["signal"].is_number_integer()) f.signal = (*j)["signal"].get<int>();
  return f;
}

}  // namespace

const PointSummary* FindPoint(const SweepSummary& summary, const std::string& name) {
  for (const PointSummary& p : summary.points) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const MetricSummary* FindMetric(const PointSummary& point, const std::string& path) {
  auto it = point.metrics.find(path);
  return it == point.metrics.end() ? nullptr : &it->second;
}

bool MatchesAnyPrefix(const std::string& path, const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return true;
  for (const std::string& p : prefixes) {
    // Whole dotted segments: "relay.latency" matches relay.latency.p99, "relay.latency.p99"
    // does not match relay.latency.p999; a prefix ending in '.' matches any continuation.
    if (path == p || (absl::StartsWith(path, p) && (p.back() == '.' || path[p.size()] == '.')))
      return true;
  }
  return false;
}

absl::StatusOr<SweepSummary> SummarizeSweep(const std::string& dir, const SweepPlan& plan) {
  SweepSummary summary;
  summary.plan = plan;
  const uint64_t seeds = plan.seed_count();
  for (size_t p = 0; p < plan.points.size(); ++p) {
    PointSummary ps;
    ps.name = plan.points[p].name;
    ps.assignments = plan.points[p].assignments;
    // Values per metric, in seed order.
    absl::btree_map<std::string, std::vector<std::optional<double>>> values;
    for (uint64_t s = 0; s < seeds; ++s) {
      const uint64_t index = p * seeds + s;
      if (!plan.shard.Owns(index)) continue;
      ++ps.planned;
      const std::string run_dir = absl::StrCat(dir, "/", plan.RunDir(index));
      const uint64_t seed = plan.SeedOf(index);
      std::error_code ec;
      if (std::filesystem::exists(absl::StrCat(run_dir, "/results.json"), ec)) {
        absl::StatusOr<RunResults> r = LoadRunResults(run_dir);
        if (!r.ok()) return r.status();
        if (r->seed != seed) {
          return absl::InvalidArgumentError(absl::StrCat(run_dir, "/results.json: seed ", r->seed,
                                                         " but the directory is for seed ", seed));
        }
        ++ps.completed;
        summary.dsim_versions.insert(r->dsim_version);
        for (const auto& [path, m] : r->metrics) {
          auto [it, inserted] = ps.metrics.try_emplace(path);
          if (inserted) it->second.unit = m.unit;
          values[path].push_back(m.value);
        }
      } else if (std::filesystem::exists(absl::StrCat(run_dir, "/", kFailureFile), ec)) {
        ++ps.failed;
        ps.failures.push_back(ReadFailure(absl::StrCat(run_dir, "/", kFailureFile), seed));
      } else {
        ++ps.missing;
      }
    }
    for (auto& [path, ms] : ps.metrics) ms.stats = Summarize(values[path]);
    DSIM_CHECK(ps.completed + ps.failed + ps.missing == ps.planned);
    summary.points.push_back(std::move(ps));
  }
  return summary;
}

nlohmann::json SummaryToJson(const SweepSummary& summary) {
  const SweepPlan& plan = summary.plan;
  nlohmann::json j;
  j["format"] = kSummaryFormat;
  j["scenario"] = {{"name", plan.scenario_name}, {"digest", plan.scenario_digest}};
  j["seeds"] = {{"first", plan.first_seed}, {"last", plan.last_seed}};
  j["fixed_overrides"] = plan.fixed_overrides;
  nlohmann::json params = nlohmann::json::array();
  for (const SweepParameter& p : plan.parameters)
    params.push_back({{"key", p.key}, {"values", p.values}});
  j["parameters"] = params;
  j["dsim_versions"] = nlohmann::json(
      std::vector<std::string>(summary.dsim_versions.begin(), summary.dsim_versions.end()));
  if (plan.shard.sharded()) j["shard"] = {{"index", plan.shard.index}, {"count", plan.shard.count}};
  nlohmann::json points = nlohmann::json::array();
  for (const PointSummary& ps : summary.points) {
    nlohmann::json pj;
    pj["name"] = ps.name;
    nlohmann::json a = nlohmann::json::array();
    for (const auto& [key, value] : ps.assignments) a.push_back({{"key", key}, {"value", value}});
    pj["assignments"] = a;
    pj["runs"] = {{"planned", ps.planned},
                  {"completed", ps.completed},
                  {"failed", ps.failed},
                  {"missing", ps.missing}};
    nlohmann::json failures = nlohmann::json::array();
    for (const FailedRun& f : ps.failures) {
      failures.push_back(
          {{"seed", f.seed},
           {"exit_code", f.signal == 0 ? nlohmann::json(f.exit_code) : nlohmann::json(nullptr)},
           {"signal", f.signal != 0 ? nlohmann::json(f.signal) : nlohmann::json(nullptr)}});
    }
    pj["failures"] = failures;
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [path, ms] : ps.metrics) {
      const Summary& s = ms.stats;
      metrics[path] = {{"unit", ms.unit},
                       {"count", s.count},
                       {"nulls", s.nulls},
                       {"mean", OptionalJson(s.mean)},
                       {"stddev", OptionalJson(s.stddev)},
                       {"min", OptionalJson(s.min)},
                       {"p50", OptionalJson(s.p50)},
                       {"p95", OptionalJson(s.p95)},
                       {"max", OptionalJson(s.max)},
                       {"ci95_low", OptionalJson(s.ci95_low)},
                       {"ci95_high", OptionalJson(s.ci95_high)}};
    }
    pj["metrics"] = metrics;
    points.push_back(std::move(pj));
  }
  j["points"] = points;
  return j;
}

absl::StatusOr<SweepSummary> SummaryFromJson(const nlohmann::json& j, const std::string& source) {
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
  };
  if (absl::Status st = CheckFormat(j, kSummaryFormat, "sweep summary", source); !st.ok())
    return st;
  try {
    SweepSummary s;
    SweepPlan& plan = s.plan;
    ReadPlanFields(j, &plan);
    for (const std::string& v : j.at("dsim_versions").get<std::vector<std::string>>())
      s.dsim_versions.insert(v);
    for (const nlohmann::json& pj : j.at("points")) {
      PointSummary ps;
      SweepPoint header = ReadPointFields(pj);
      ps.name = header.name;
      ps.assignments = header.assignments;
      const nlohmann::json& runs = pj.at("runs");
      ps.planned = GetInteger<uint64_t>(runs.at("planned"));
      ps.completed = GetInteger<uint64_t>(runs.at("completed"));
      ps.failed = GetInteger<uint64_t>(runs.at("failed"));
      ps.missing = GetInteger<uint64_t>(runs.at("missing"));
      for (const nlohmann::json& f : pj.at("failures")) {
        FailedRun fr;
        fr.seed = GetInteger<uint64_t>(f.at("seed"));
        if (f.at("exit_code").is_number()) fr.exit_code = GetInteger<int>(f["exit_code"]);
        if (f.at("signal").is_number()) fr.signal = GetInteger<int>(f["signal"]);
        ps.failures.push_back(fr);
      }
      for (auto it = pj.at("metrics").begin(); it != pj.at("metrics").end(); ++it) {
        const nlohmann::json& m = it.value();
        MetricSummary ms;
        ms.unit = m.at("unit").get<std::string>();
        ms.stats.count = GetInteger<size_t>(m.at("count"));
        ms.stats.nulls = GetInteger<size_t>(m.at("nulls"));
        ms.stats.mean = JsonOptional(m, "mean");
        ms.stats.stddev = JsonOptional(m, "stddev");
        ms.stats.min = JsonOptional(m, "min");
        ms.stats.p50 = JsonOptional(m, "p50");
        ms.stats.p95 = JsonOptional(m, "p95");
        ms.stats.max = JsonOptional(m, "max");
        ms.stats.ci95_low = JsonOptional(m, "ci95_low");
        ms.stats.ci95_high = JsonOptional(m, "ci95_high");
        ps.metrics.emplace(it.key(), std::move(ms));
      }
      SweepPoint point{ps.name, ps.assignments};
      plan.points.push_back(std::move(point));
      s.points.push_back(std::move(ps));
    }
    if (s.points.empty()) return bad("points: empty");
    return s;
  } catch (const nlohmann::json::exception& e) {
    return bad(absl::StrCat("malformed summary: ", e.what()));
  }
}

absl::StatusOr<SweepSummary> LoadSummary(const std::string& dir) {
  return LoadJsonFile(absl::StrCat(dir, "/summary.json"), SummaryFromJson);
}

std::string SummaryToCsv(const SweepSummary& summary) {
  std::vector<std::string> header = {"point"};
  for (const SweepParameter& p : summary.plan.parameters) header.push_back(CsvField(p.key));
  for (const char* h : {"metric", "unit", "count", "nulls", "mean", "stddev", "min", "p50", "p95",
                        "max", "ci95_low", "ci95_high"}) {
    header.push_back(h);
  }
  std::string out = absl::StrCat(absl::StrJoin(header, ","), "\n");
  for (const PointSummary& ps : summary.points) {
    for (const auto& [path, ms] : ps.metrics) {
      const Summary& s = ms.stats;
      std::vector<std::string> row = {CsvField(ps.name)};
      for (const auto& [key, value] : ps.assignments) row.push_back(CsvField(value));
      for (const std::string& cell :
           {CsvField(path), CsvField(ms.unit), absl::StrCat(s.count), absl::StrCat(s.nulls),
            CsvNumber(s.mean), CsvNumber(s.stddev), CsvNumber(s.min), CsvNumber(s.p50),
            CsvNumber(s.p95), CsvNumber(s.max), CsvNumber(s.ci95_low), CsvNumber(s.ci95_high)}) {
        row.push_back(cell);
      }
      absl::StrAppend(&out, absl::StrJoin(row, ","), "\n");
    }
  }
  return out;
}

absl::Status WriteSummary(const std::string& dir, const SweepSummary& summary) {
  absl::Status st =
      sim::WriteFileAtomically(absl::StrCat(dir, "/summary.csv"), SummaryToCsv(summary));
  if (!st.ok()) return st;
  return sim::WriteFileAtomically(absl::StrCat(dir, "/summary.json"),
                                  SummaryToJson(summary).dump(2) + "\n");
}

absl::StatusOr<SweepSummary> UpdateSummary(const std::string& dir, const SweepPlan& plan) {
  absl::StatusOr<SweepSummary> summary = SummarizeSweep(dir, plan);
  if (!summary.ok()) return summary.status();
  absl::Status st = WriteSummary(dir, *summary);
  if (!st.ok()) return st;
  return summary;
}

std::string PointStatusLine(const PointSummary& ps) {
  std::string out =
      absl::StrCat("== ", ps.name, ": ", ps.completed, " of ", ps.planned, " runs completed");
  if (ps.failed > 0) absl::StrAppend(&out, ", ", ps.failed, " failed");
  if (ps.missing > 0) absl::StrAppend(&out, ", ", ps.missing, " missing");
  return out + "\n";
}

std::string SummaryTable(const SweepSummary& summary,
                         const std::vector<std::string>& metric_prefixes) {
  std::string out;
  for (const PointSummary& ps : summary.points) {
    absl::StrAppend(&out, PointStatusLine(ps));
    TextTable t(
        {"metric", "unit", "n", "nulls", "mean", "+-95%", "stddev", "min", "p50", "p95", "max"},
        {false, false, true, true, true, true, true, true, true, true, true});
    for (const auto& [path, ms] : ps.metrics) {
      if (!MatchesAnyPrefix(path, metric_prefixes)) continue;
      const Summary& s = ms.stats;
      std::optional<double> half;
      if (s.ci95_high.has_value()) half = (*s.ci95_high - *s.ci95_low) / 2.0;
      t.AddRow({path, ms.unit, absl::StrCat(s.count), absl::StrCat(s.nulls), FormatNumber(s.mean),
                FormatNumber(half), FormatNumber(s.stddev), FormatNumber(s.min),
                FormatNumber(s.p50), FormatNumber(s.p95), FormatNumber(s.max)});
    }
    if (t.rows() > 0) absl::StrAppend(&out, t.Render());
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace dsim::analysis
