#include "analysis/attribute_report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "analysis/text_table.h"
#include "sim/core/time.h"

namespace dsim::analysis {
namespace {

// Why a metric is null (README.md: Metrics).
const char* NullMeaning(const std::string& metric) {
  const absl::string_view m(metric);
  if (absl::StartsWith(m, "convergence.")) return "never converged";
  if (absl::StartsWith(m, "replication_lag.")) return "no write reached every replica";
  if (absl::StartsWith(m, "repair.over_streaming.")) return "nothing differed";
  if (absl::EndsWith(m, ".availability")) return "no operation decided";
  if (absl::StrContains(m, ".latency.")) return "no operation succeeded";
  return "undefined";
}

std::string Signed(double v) { return absl::StrFormat("%+.6g", v); }

std::string ShareText(const std::optional<double>& share) {
  if (!share.has_value()) return "-";
  return absl::StrFormat("%.1f %%", 100.0 * *share);
}

std::string DirectionText(const Attribution& a) {
  std::string text = a.direction == Direction::kLowerIsBetter    ? "lower is better"
                     : a.direction == Direction::kHigherIsBetter ? "higher is better"
                                                                 : "no better direction";
  if (a.good.has_value()) absl::StrAppend(&text, ", good value ", FormatNumber(*a.good));
  return text;
}

std::string Table(const Attribution& a, const std::vector<UnitResult>& results,
                  const char* first_column) {
  TextTable t({first_column, "removes", "without it", "change", "share", "effect"},
              {false, false, true, true, true, false});
  for (const UnitResult& r : results) {
    std::string label = r.unit.label;
    if (!r.unit.companions_text.empty()) absl::StrAppend(&label, " ", r.unit.companions_text);
    t.AddRow({label, IndexList(r.unit.Removed()), ReadingText(a.metric, r.reading, a.unit),
              r.change ? Signed(*r.change) : "-", ShareText(r.share), EffectName(r.effect)});
  }
  return t.Render();
}

std::vector<std::string> Labels(const std::vector<UnitResult>& results, Effect e) {
  std::vector<std::string> out;
  for (const UnitResult& r : results) {
    if (r.effect == e) out.push_back(r.unit.label);
  }
  return out;
}

// The notes under the tables: what clears the metric, overlapping shares, the --group hint.
std::string Notes(const Attribution& a, const AttributionInfo& info) {
  std::string out;
  const std::vector<std::string> clear = Labels(a.units, Effect::kClears);
  const std::string good = a.good ? FormatNumber(*a.good) : "";
  if (!clear.empty()) {
    absl::StrAppend(&out, "removing ", clear.size() == 1 ? "this unit" : "any of these units",
                    " alone brings ", a.metric, " to ", good, ": ", absl::StrJoin(clear, "; "),
                    "\n");
  }
  const std::vector<std::string> group_clear = Labels(a.groups, Effect::kClears);
  if (clear.empty() && !group_clear.empty()) {
    const bool singles_inert = std::all_of(a.units.begin(), a.units.end(), [](const UnitResult& r) {
      return r.effect == Effect::kNone;
    });
    absl::StrAppend(&out,
                    singles_inert ? "removing any single fault changes nothing; together they do"
                                  : "no single fault explains it; together they do",
                    ": removing ", absl::StrJoin(group_clear, "; "), " brings ", a.metric, " to ",
                    good, "\n");
  }
  double positive = 0;
  for (const UnitResult& r : a.units) {
    if (r.share.has_value() && *r.share > 0) positive += *r.share;
  }
  if (positive > 1.0 + 1e-9) {
    absl::StrAppendFormat(
        &out,
        "the units' shares add up to %.0f %%: faults that cause an effect only together each "
        "undo all of it when removed, so shares overlap and are not a partition\n",
        100.0 * positive);
  }
  const bool baseline_good = a.good && a.baseline.value && *a.baseline.value == *a.good;
  if (a.good && !baseline_good && clear.empty() && group_clear.empty()) {
    absl::StrAppend(&out, "no single ", info.grouping == Grouping::kEach ? "fault" : "unit",
                    a.groups.empty() ? "" : " nor every fault of one action", " brings ", a.metric,
                    " to ", good);
    for (const UnitResult& r : a.units) {
      if (r.effect != Effect::kBetter) continue;
      absl::StrAppend(&out, "; the largest part: ", r.unit.label, " (", ShareText(r.share), ")");
      break;
    }
    if (info.grouping == Grouping::kEach && a.groups.empty()) {
      absl::StrAppend(&out, " (no action has two faults, so no group was tried)");
    }
    absl::StrAppend(&out, "\n");
  }
  std::vector<std::string> other_end;
  for (const std::vector<UnitResult>* results : {&a.units, &a.groups}) {
    for (const UnitResult& r : *results) {
      if (r.end_time == a.baseline_end_time) continue;
      other_end.push_back(
          absl::StrCat(r.unit.label, " (", FormatNumber(sim::ToSeconds(r.end_time)), " s)"));
    }
  }
  if (!other_end.empty()) {
    absl::StrAppend(&out, "these runs ended at another simulated time than the baseline (",
                    FormatNumber(sim::ToSeconds(a.baseline_end_time)),
                    " s), so a metric summed over the run covers another span: ",
                    absl::StrJoin(other_end, "; "), "\n");
  }
  if (baseline_good) {
    absl::StrAppend(&out, "the baseline is already at the good value ", good, "\n");
  }
  return out;
}

nlohmann::json Number(const std::optional<double>& v) {
  return v.has_value() ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json ResultJson(const Attribution& a, const UnitResult& r) {
  nlohmann::json j;
  j["label"] = r.unit.label;
  j["faults"] = r.unit.faults;
  j["removed_with"] = r.unit.companions;
  j["present"] = r.reading.present;
  j["value"] = Number(r.reading.value);
  j["text"] = ReadingText(a.metric, r.reading, a.unit);
  j["change"] = Number(r.change);
  j["share"] = Number(r.share);
  j["effect"] = EffectName(r.effect);
  j["end_time_s"] = sim::ToSeconds(r.end_time);
  return j;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string CsvNumber(const std::optional<double>& v) { return v ? ExactNumber(*v) : ""; }

}  // namespace

std::string ReadingText(const std::string& metric, const MetricReading& r,
                        const std::string& unit) {
  if (!r.present) return "absent (no such metric)";
  if (!r.value.has_value()) return absl::StrCat("null (", NullMeaning(metric), ")");
  return unit.empty() ? FormatNumber(r.value) : absl::StrCat(FormatNumber(r.value), " ", unit);
}

std::string AttributionText(const Attribution& a, const AttributionInfo& info) {
  std::string out = absl::StrCat("attribute ", a.metric, " (", a.unit.empty() ? "" : a.unit,
                                 a.unit.empty() ? "" : ", ", DirectionText(a), ")\n");
  absl::StrAppend(&out, "scenario ", info.scenario_name, " (", info.scenario_file, "), seed ",
                  info.seed, "\n");
  absl::StrAppend(&out, "baseline, every fault: ", ReadingText(a.metric, a.baseline, a.unit), "\n");
  absl::StrAppend(&out, "\n", a.units.size(), " units (--group ", GroupingName(info.grouping),
                  "), each removed alone, largest change first:\n",
                  Table(a, a.units, "unit removed"));
  if (!a.groups.empty()) {
    absl::StrAppend(&out, "\nno single unit brings ", a.metric, " to ", FormatNumber(a.good),
                    ", so every fault of one action was removed at once too:\n",
                    Table(a, a.groups, "group removed"));
  }
  const std::string notes = Notes(a, info);
  if (!notes.empty()) absl::StrAppend(&out, "\n", notes);
  return out;
}

nlohmann::json AttributionJson(const Attribution& a, const AttributionInfo& info) {
  nlohmann::json j;
  j["format"] = "dsim-attribution";
  j["version"] = 1;
  j["dsim_version"] = DSIM_VERSION;
  j["scenario_file"] = info.scenario_file;
  j["scenario"] = info.scenario_name;
  j["seed"] = info.seed;
  j["grouping"] = GroupingName(info.grouping);
  j["metric"] = a.metric;
  j["unit"] = a.unit;
  j["direction"] = DirectionName(a.direction);
  j["good_value"] = Number(a.good);
  j["baseline"] = {{"present", a.baseline.present},
                   {"value", Number(a.baseline.value)},
                   {"text", ReadingText(a.metric, a.baseline, a.unit)},
                   {"end_time_s", sim::ToSeconds(a.baseline_end_time)}};
  j["units"] = nlohmann::json::array();
  for (const UnitResult& r : a.units) j["units"].push_back(ResultJson(a, r));
  j["groups"] = nlohmann::json::array();
  for (const UnitResult& r : a.groups) j["groups"].push_back(ResultJson(a, r));
  return j;
}

std::string AttributionCsv(const Attribution& a) {
  std::string out = "table,label,faults,removed_with,value,change,share,effect\n";
  auto rows = [&](const std::vector<UnitResult>& results, const char* table) {
    for (const UnitResult& r : results) {
      std::vector<std::string> with;
      for (size_t c : r.unit.companions) with.push_back(absl::StrCat(c));
      std::vector<std::string> own;
      for (size_t f : r.unit.faults) own.push_back(absl::StrCat(f));
      absl::StrAppend(
          &out, table, ",", CsvField(r.unit.label), ",", absl::StrJoin(own, " "), ",",
          absl::StrJoin(with, " "), ",", r.reading.present ? CsvNumber(r.reading.value) : "absent",
          ",", CsvNumber(r.change), ",", CsvNumber(r.share), ",", EffectName(r.effect), "\n");
    }
  };
  rows(a.units, "unit");
  rows(a.groups, "group");
  return out;
}

}  // namespace dsim::analysis
