#include "analysis/sweep_plan.h"

#include <xxhash.h>

#include <algorithm>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "analysis/json_file.h"
#include "engine/check.h"

namespace dsim::analysis {
namespace {

constexpr size_t kMaxPointNameBytes = 160;
constexpr char kPlanFormat[] = "dsim-sweep/1";

absl::StatusOr<uint64_t> ParseSeed(const std::string& text, const std::string& whole) {
  uint64_t v = 0;
  if (text.empty() || !absl::SimpleAtoi(text, &v) || text[0] == '+' ||
      v > static_cast<uint64_t>(INT64_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--seeds ", whole, ": expected A..B or N with non-negative integer seeds"));
  }
  return v;
}

bool SafeNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("._=+,:%-").find(c) != std::string_view::npos;
}

}  // namespace

std::string SweepPlan::RunDir(uint64_t run_index) const {
  DSIM_CHECK(run_index < run_count());
  return absl::StrCat("runs/", points[PointOf(run_index)].name, "/seed-", SeedOf(run_index));
}

std::vector<std::string> SweepPlan::Overrides(size_t point_index) const {
  DSIM_CHECK(point_index < points.size());
  std::vector<std::string> out = fixed_overrides;
  for (const auto& [key, value] : points[point_index].assignments)
    out.push_back(absl::StrCat(key, "=", value));
  return out;
}

absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseSeedRange(const std::string& text) {
  size_t dots = text.find("..");
  if (dots == std::string::npos) {
    absl::StatusOr<uint64_t> n = ParseSeed(text, text);
    if (!n.ok()) return n.status();
    return std::make_pair(*n, *n);
  }
  absl::StatusOr<uint64_t> a = ParseSeed(text.substr(0, dots), text);
  if (!a.ok()) return a.status();
  absl::StatusOr<uint64_t> b = ParseSeed(text.substr(dots + 2), text);
  if (!b.ok()) return b.status();
  if (*b < *a) {
    return absl::InvalidArgumentError(
        absl::StrCat("--seeds ", text, ": the last seed is below the first"));
  }
  if (*b - *a >= kMaxRuns) {
    return absl::InvalidArgumentError(
        absl::StrCat("--seeds ", text, ": more than ", kMaxRuns, " seeds"));
  }
  return std::make_pair(*a, *b);
}

absl::StatusOr<ShardSpec> ParseShard(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  uint32_t i = 0;
  uint32_t n = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &i) || !absl::SimpleAtoi(parts[1], &n) ||
      n == 0 || i >= n) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shard ", text, ": expected I/N with 0 <= I < N (e.g. 0/3, 1/3, 2/3)"));
  }
  return ShardSpec{i, n};
}

absl::StatusOr<std::vector<std::string>> SplitValues(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  std::vector<char> stack;  // open brackets
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"' && i + 1 < text.size()) {
        current += c;
        current += text[++i];
        continue;
      }
      if (c == quote) quote = 0;
      current += c;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      stack.push_back(c == '[' ? ']' : '}');
    } else if (c == ']' || c == '}') {
      if (stack.empty() || stack.back() != c) {
        return absl::InvalidArgumentError(
            absl::StrCat("unbalanced '", std::string(1, c), "' in '", text, "'"));
      }
      stack.pop_back();
    } else if (c == ',' && stack.empty()) {
      if (current.empty())
        return absl::InvalidArgumentError(absl::StrCat("empty value in '", text, "'"));
      out.push_back(std::move(current));
      current.clear();
      continue;
    }
    current += c;
  }
  if (quote != 0 || !stack.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unterminated quote or bracket in '", text, "'"));
  }
  if (current.empty())
    return absl::InvalidArgumentError(absl::StrCat("empty value in '", text, "'"));
  out.push_back(std::move(current));
  return out;
}

std::string PointDirName(const std::vector<std::pair<std::string, std::string>>& assignments) {
  if (assignments.empty()) return "default";
  std::vector<std::string> parts;
  for (const auto& [key, value] : assignments) parts.push_back(absl::StrCat(key, "=", value));
  const std::string full = absl::StrJoin(parts, ",");
  std::string name;
  for (char c : full) name += SafeNameChar(c) ? c : '_';
  if (name.size() > kMaxPointNameBytes) {
    name = absl::StrFormat("%s~%016x", name.substr(0, kMaxPointNameBytes - 17),
                           XXH3_64bits(full.data(), full.size()));
  }
  return name;
}

absl::StatusOr<SweepPlan> BuildPlan(const std::vector<std::string>& set_flags, uint64_t first_seed,
                                    uint64_t last_seed) {
  DSIM_CHECK(first_seed <= last_seed);
  SweepPlan plan;
  plan.first_seed = first_seed;
  plan.last_seed = last_seed;
  absl::btree_set<std::string> keys;
  for (const std::string& flag : set_flags) {
    size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--set ", flag, ": expected KEY.PATH=VALUE[,VALUE...]"));
    }
    std::string key = flag.substr(0, eq);
    if (key == "simulation.seed") {
      return absl::InvalidArgumentError(
          "--set simulation.seed: seeds come from --seeds A..B in a sweep");
    }
    if (!keys.insert(key).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--set ", key, ": given twice; list every value in one flag: --set ", key, "=v1,v2"));
    }
    absl::StatusOr<std::vector<std::string>> values = SplitValues(flag.substr(eq + 1));
    if (!values.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("--set ", key, ": ", values.status().message()));
    absl::btree_set<std::string> distinct(values->begin(), values->end());
    if (distinct.size() != values->size()) {
      return absl::InvalidArgumentError(absl::StrCat("--set ", key, ": a value is listed twice"));
    }
    if (values->size() == 1) {
      plan.fixed_overrides.push_back(absl::StrCat(key, "=", (*values)[0]));
    } else {
      plan.parameters.push_back(SweepParameter{key, std::move(*values)});
    }
  }
  // The cartesian product, first parameter slowest (an odometer over value indices).
  uint64_t point_count = 1;
  for (const SweepParameter& p : plan.parameters) {
    point_count *= p.values.size();
    if (point_count * plan.seed_count() > kMaxRuns) {
      return absl::InvalidArgumentError(
          absl::StrCat("the sweep has more than ", kMaxRuns, " runs"));
    }
  }
  if (point_count * plan.seed_count() > kMaxRuns) {
    return absl::InvalidArgumentError(absl::StrCat("the sweep has more than ", kMaxRuns, " runs"));
  }
  std::vector<size_t> odometer(plan.parameters.size(), 0);
  absl::btree_map<std::string, size_t> names;
  for (uint64_t p = 0; p < point_count; ++p) {
    SweepPoint point;
    for (size_t i = 0; i < plan.parameters.size(); ++i) {
      point.assignments.emplace_back(plan.parameters[i].key,
                                     plan.parameters[i].values[odometer[i]]);
    }
    point.name = PointDirName(point.assignments);
    auto [it, inserted] = names.emplace(point.name, p);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("--set: two parameter points map to the same directory name '", point.name,
                       "' (values differing only in characters outside [A-Za-z0-9._=+,:%-]); write "
                       "the values differently"));
    }
    plan.points.push_back(std::move(point));
    for (size_t i = plan.parameters.size(); i-- > 0;) {
      if (++odometer[i] < plan.parameters[i].values.size()) break;
      odometer[i] = 0;
    }
  }
  DSIM_CHECK(plan.points.size() == point_count);
  return plan;
}

nlohmann::json PlanToJson(const SweepPlan& plan) {
  nlohmann::json j;
  j["format"] = kPlanFormat;
  j["scenario"] = {
      {"file", plan.scenario_file}, {"name", plan.scenario_name}, {"digest", plan.scenario_digest}};
  j["seeds"] = {{"first", plan.first_seed}, {"last", plan.last_seed}};
  j["fixed_overrides"] = plan.fixed_overrides;
  nlohmann::json params = nlohmann::json::array();
  for (const SweepParameter& p : plan.parameters)
    params.push_back({{"key", p.key}, {"values", p.values}});
  j["parameters"] = params;
  nlohmann::json points = nlohmann::json::array();
  for (const SweepPoint& p : plan.points) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& [key, value] : p.assignments) a.push_back({{"key", key}, {"value", value}});
    points.push_back({{"name", p.name}, {"assignments", a}});
  }
  j["points"] = points;
  j["runs"] = plan.run_count();
  if (plan.shard.sharded()) j["shard"] = {{"index", plan.shard.index}, {"count", plan.shard.count}};
  return j;
}

void ReadPlanFields(const nlohmann::json& j, SweepPlan* plan) {
  plan->scenario_name = j.at("scenario").at("name").get<std::string>();
  plan->scenario_digest = j.at("scenario").at("digest").get<std::string>();
  plan->first_seed = GetInteger<uint64_t>(j.at("seeds").at("first"));
  plan->last_seed = GetInteger<uint64_t>(j.at("seeds").at("last"));
  plan->fixed_overrides = j.at("fixed_overrides").get<std::vector<std::string>>();
  for (const nlohmann::json& p : j.at("parameters")) {
    plan->parameters.push_back(SweepParameter{p.at("key").get<std::string>(),
                                              p.at("values").get<std::vector<std::string>>()});
  }
  if (j.contains("shard")) {
    plan->shard.index = GetInteger<uint32_t>(j["shard"].at("index"));
    plan->shard.count = GetInteger<uint32_t>(j["shard"].at("count"));
  }
}

SweepPoint ReadPointFields(const nlohmann::json& p) {
  SweepPoint point;
  point.name = p.at("name").get<std::string>();
  for (const nlohmann::json& a : p.at("assignments")) {
    point.assignments.emplace_back(a.at("key").get<std::string>(),
                                   a.at("value").get<std::string>());
  }
  return point;
}

absl::StatusOr<SweepPlan> PlanFromJson(const nlohmann::json& j, const std::string& source) {
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
  };
  if (absl::Status st = CheckFormat(j, kPlanFormat, "sweep manifest", source); !st.ok()) return st;
  try {
    SweepPlan plan;
    const nlohmann::json& sc = j.at("scenario");
    plan.scenario_file = sc.at("file").get<std::string>();
    ReadPlanFields(j, &plan);
    if (plan.last_seed < plan.first_seed) return bad("seeds.last is below seeds.first");
    for (const nlohmann::json& p : j.at("points")) {
      SweepPoint point = ReadPointFields(p);
      if (point.name.empty() || point.name.find('/') != std::string::npos || point.name[0] == '.') {
        return bad(absl::StrCat("points: bad point name '", point.name, "'"));
      }
      plan.points.push_back(std::move(point));
    }
    if (plan.points.empty()) return bad("points: empty");
    if (j.contains("shard")) {
      if (plan.shard.count == 0 || plan.shard.index >= plan.shard.count)
        return bad("shard: index out of range");
    }
    if (GetInteger<uint64_t>(j.at("runs")) != plan.run_count())
      return bad("runs does not match points x seeds");
    return plan;
  } catch (const nlohmann::json::exception& e) {
    return bad(absl::StrCat("malformed manifest: ", e.what()));
  }
}

absl::StatusOr<SweepPlan> LoadPlan(const std::string& dir) {
  return LoadJsonFile(absl::StrCat(dir, "/sweep.json"), PlanFromJson);
}

bool SameRuns(const SweepPlan& a, const SweepPlan& b) {
  nlohmann::json ja = PlanToJson(a);
  nlohmann::json jb = PlanToJson(b);
  for (nlohmann::json* j : {&ja, &jb}) {
    (*j)["scenario"].erase("file");
    j->erase("shard");
  }
  return ja == jb;
}

}  // namespace dsim::analysis
