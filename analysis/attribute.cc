#include "analysis/attribute.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/check.h"
#include "sim/core/units.h"
#include "sim/scenario/key_table.h"
#include "sim/simulation.h"

namespace dsim::analysis {
namespace {

using Kind = sim::FaultConfig::Kind;

std::string KindName(Kind k) { return std::string(sim::scenario_keys::FaultKindName(k)); }

bool IsNetworkFault(Kind k) {
  return k == Kind::kPartition || k == Kind::kCutLink || k == Kind::kDegradeLink ||
         k == Kind::kCorrupt;
}

bool HasNode(const sim::FaultConfig& f) {
  switch (f.kind) {
    case Kind::kClockJump:
    case Kind::kDriftChange:
    case Kind::kCrash:
    case Kind::kPowerLoss:
    case Kind::kRestart:
    case Kind::kReplace:
    case Kind::kDropMutations:
    case Kind::kCorruptSSTable:
      return true;
    case Kind::kRepair:
    case Kind::kVerify:
      return f.has_node;
    default:
      return false;
  }
}

// Fault indexes in schedule order: (at, index).
std::vector<size_t> ScheduleOrder(const sim::Scenario& sc) {
  std::vector<size_t> order(sc.faults.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sc.faults[a].at < sc.faults[b].at; });
  return order;
}

// The restarts and replaces that bring a down node back once the faults at `removed`
// (ascending) are gone: the nodes' up/down state replayed in schedule order. A crash of a down
// node does nothing (the simulator ignores and counts it), and so does a restart of an up one.
absl::btree_set<size_t> Returns(const sim::Scenario& sc, const std::vector<size_t>& removed) {
  absl::btree_set<size_t> out;
  absl::btree_set<sim::NodeId> down;
  for (size_t i : ScheduleOrder(sc)) {
    if (std::binary_search(removed.begin(), removed.end(), i)) continue;
    const sim::FaultConfig& f = sc.faults[i];
    if (f.kind == Kind::kCrash || f.kind == Kind::kPowerLoss) down.insert(f.node);
    const bool back = f.kind == Kind::kRestart || f.kind == Kind::kReplace;
    if (back && down.erase(f.node) > 0) out.insert(i);
  }
  return out;
}

// The faults that removing `faults` (ascending) takes along (see attribute.h): the restarts and
// replaces that would find their node up, and the heals of removed named network faults.
std::vector<size_t> CompanionsOf(const sim::Scenario& sc, const std::vector<size_t>& faults) {
  auto removed = [&](size_t i) { return std::binary_search(faults.begin(), faults.end(), i); };
  std::vector<size_t> out;
  const absl::btree_set<size_t> after = Returns(sc, faults);
  for (size_t i : Returns(sc, {})) {
    if (!after.contains(i) && !removed(i)) out.push_back(i);
  }
  for (size_t i : faults) {
    const sim::FaultConfig& f = sc.faults[i];
    if (!IsNetworkFault(f.kind) || f.name.empty()) continue;
    for (size_t j = 0; j < sc.faults.size(); ++j) {
      const sim::FaultConfig& h = sc.faults[j];
      if (h.kind == Kind::kHeal && h.target == f.name && !removed(j)) out.push_back(j);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The name without its trailing digits and separators ("crash-1" -> "crash").
std::string NameStem(const std::string& name) {
  size_t end = name.size();
  while (end > 0 && (std::isdigit(static_cast<unsigned char>(name[end - 1])) ||
                     name[end - 1] == '-' || name[end - 1] == '_' || name[end - 1] == '.')) {
    --end;
  }
  return end == 0 ? name : name.substr(0, end);
}

// Units from groups of fault indexes (each ascending), with their companions, labelled.
std::vector<AttributionUnit> MakeUnits(const sim::Scenario& sc,
                                       const std::vector<std::vector<size_t>>& groups,
                                       const std::vector<std::string>& labels) {
  DSIM_CHECK(groups.size() == labels.size());
  std::vector<AttributionUnit> units;
  for (size_t g = 0; g < groups.size(); ++g) {
    AttributionUnit u;
    u.label = labels[g];
    u.faults = groups[g];
    u.companions = CompanionsOf(sc, u.faults);
    if (!u.companions.empty()) {
      absl::btree_set<std::string> kinds;
      for (size_t c : u.companions) kinds.insert(KindName(sc.faults[c].kind));
      u.companions_text =
          absl::StrCat("with ", IndexList(u.companions), " (", absl::StrJoin(kinds, "/"), ")");
    }
    units.push_back(std::move(u));
  }
  return units;
}

std::vector<AttributionUnit> KindUnits(const sim::Scenario& sc, size_t min_faults) {
  absl::btree_map<size_t, std::vector<size_t>> by_first;  // first index -> the kind's faults
  absl::btree_map<Kind, size_t> first_of;
  for (size_t i = 0; i < sc.faults.size(); ++i) {
    auto [it, fresh] = first_of.emplace(sc.faults[i].kind, i);
    by_first[it->second].push_back(i);
  }
  std::vector<std::vector<size_t>> groups;
  std::vector<std::string> labels;
  for (const auto& [first, faults] : by_first) {
    if (faults.size() < min_faults) continue;
    labels.push_back(
        absl::StrCat("every ", KindName(sc.faults[first].kind), " (", faults.size(), ")"));
    groups.push_back(faults);
  }
  return MakeUnits(sc, groups, labels);
}

std::vector<AttributionUnit> NameUnits(const sim::Scenario& sc) {
  absl::btree_map<size_t, std::vector<size_t>> by_first;
  absl::btree_map<std::string, size_t> first_of;
  for (size_t i = 0; i < sc.faults.size(); ++i) {
    if (sc.faults[i].name.empty()) {
      by_first[i].push_back(i);
      continue;
    }
    auto [it, fresh] = first_of.emplace(NameStem(sc.faults[i].name), i);
    by_first[it->second].push_back(i);
  }
  std::vector<std::vector<size_t>> groups;
  std::vector<std::string> labels;
  for (const auto& [first, faults] : by_first) {
    groups.push_back(faults);
    if (faults.size() == 1) {
      labels.push_back(FaultLabel(sc, first));
      continue;
    }
    std::vector<std::string> names;
    for (size_t i : faults) names.push_back(sc.faults[i].name);
    labels.push_back(
        absl::StrCat(NameStem(sc.faults[first].name), "* (", absl::StrJoin(names, ", "), ")"));
  }
  return MakeUnits(sc, groups, labels);
}

// How far a reading is from the baseline, for sorting: +inf for a null or absent reading
// that differs from the baseline (a number against null, or the reverse).
double Magnitude(const UnitResult& r) {
  if (r.change.has_value()) return std::fabs(*r.change);
  return r.effect == Effect::kNone ? 0.0 : std::numeric_limits<double>::infinity();
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Whether null is the worst a metric can be: a time that never ended.
bool NullIsWorst(const std::string& path) {
  return path == "convergence.time" || path == "convergence.quiescence_time";
}

}  // namespace

std::optional<Grouping> ParseGrouping(const std::string& text) {
  if (text == "each") return Grouping::kEach;
  if (text == "kind") return Grouping::kKind;
  if (text == "name") return Grouping::kName;
  return std::nullopt;
}

const char* GroupingName(Grouping g) {
  switch (g) {
    case Grouping::kEach:
      return "each";
    case Grouping::kKind:
      return "kind";
    case Grouping::kName:
      return "name";
  }
  return "?";
}

std::vector<size_t> AttributionUnit::Removed() const {
  std::vector<size_t> all = faults;
  all.insert(all.end(), companions.begin(), companions.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

std::string IndexList(const std::vector<size_t>& indexes) {
  DSIM_CHECK(!indexes.empty());
  std::vector<std::string> parts;
  for (size_t i = 0; i < indexes.size();) {
    size_t j = i;
    while (j + 1 < indexes.size() && indexes[j + 1] == indexes[j] + 1) ++j;
    parts.push_back(j == i ? absl::StrCat(indexes[i]) : absl::StrCat(indexes[i], "-", indexes[j]));
    i = j + 1;
  }
  return absl::StrCat("faults[", absl::StrJoin(parts, ","), "]");
}

std::string FaultLabel(const sim::Scenario& sc, size_t index) {
  DSIM_CHECK(index < sc.faults.size());
  const sim::FaultConfig& f = sc.faults[index];
  if (!f.name.empty()) return f.name;
  std::string label =
      absl::StrCat("faults[", index, "] ", KindName(f.kind), " at ", sim::FormatDuration(f.at));
  if (HasNode(f)) absl::StrAppend(&label, " node ", f.node);
  return label;
}

std::vector<AttributionUnit> BuildUnits(const sim::Scenario& sc, Grouping grouping) {
  if (grouping == Grouping::kKind) return KindUnits(sc, 1);
  if (grouping == Grouping::kName) return NameUnits(sc);
  std::vector<std::vector<size_t>> groups;
  std::vector<std::string> labels;
  for (size_t i = 0; i < sc.faults.size(); ++i) {
    groups.push_back({i});
    labels.push_back(FaultLabel(sc, i));
  }
  return MakeUnits(sc, groups, labels);
}

std::vector<size_t> Companions(const sim::Scenario& sc, const std::vector<size_t>& faults) {
  DSIM_CHECK(std::is_sorted(faults.begin(), faults.end()));
  return CompanionsOf(sc, faults);
}

std::vector<AttributionUnit> KindGroups(const sim::Scenario& sc) { return KindUnits(sc, 2); }

sim::Scenario WithoutFaults(const sim::Scenario& sc, const std::vector<size_t>& removed) {
  DSIM_CHECK(std::is_sorted(removed.begin(), removed.end()));
  sim::Scenario out = sc;
  out.faults.clear();
  for (size_t i = 0; i < sc.faults.size(); ++i) {
    if (!std::binary_search(removed.begin(), removed.end(), i)) out.faults.push_back(sc.faults[i]);
  }
  DSIM_CHECK(out.faults.size() + removed.size() == sc.faults.size());
  return out;
}

MetricReading ReadMetric(const sim::RunOutput& output, const std::string& path) {
  MetricReading r;
  if (path.empty() || !output.metrics.Has(path)) return r;
  r.present = true;
  const nlohmann::json& v = output.metrics.Get(path)["value"];
  if (v.is_number()) r.value = v.get<double>();
  return r;
}

std::vector<std::string> MetricPaths(const sim::RunOutput& output) {
  std::vector<std::string> paths;
  std::vector<std::pair<const nlohmann::json*, std::string>> stack = {{&output.metrics.json(), ""}};
  while (!stack.empty()) {
    auto [node, prefix] = stack.back();
    stack.pop_back();
    if (node->contains("unit") && node->contains("value")) {
      paths.push_back(prefix);
      continue;
    }
    std::vector<std::pair<const nlohmann::json*, std::string>> children;
    for (auto it = node->begin(); it != node->end(); ++it) {
      if (!it->is_object()) continue;
      children.emplace_back(&*it, prefix.empty() ? it.key() : absl::StrCat(prefix, ".", it.key()));
    }
    stack.insert(stack.end(), children.rbegin(), children.rend());  // visit in object order
  }
  return paths;
}

std::vector<std::string> NearestMetrics(const std::string& name,
                                        const std::vector<std::string>& paths, size_t max) {
  std::vector<std::string> out;
  const std::string prefix = absl::StrCat(name, ".");
  for (const std::string& p : paths) {
    if (absl::StartsWith(p, prefix) && out.size() < max) out.push_back(p);
  }
  if (!out.empty()) return out;
  const size_t limit = std::max<size_t>(3, name.size() / 3);
  std::vector<std::pair<size_t, std::string>> scored;  // (distance, path), stable by path order
  const std::string last = name.substr(name.rfind('.') + 1);
  for (const std::string& p : paths) {
    const size_t d = EditDistance(name, p);
    if (d <= limit) {
      scored.emplace_back(d, p);
    } else if (p.substr(p.rfind('.') + 1) == last) {
      scored.emplace_back(limit + 1, p);
    }
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (size_t i = 0; i < scored.size() && i < max; ++i) out.push_back(scored[i].second);
  return out;
}

const char* EffectName(Effect e) {
  switch (e) {
    case Effect::kClears:
      return "clears it";
    case Effect::kBetter:
      return "better without";
    case Effect::kWorse:
      return "worse without";
    case Effect::kNone:
      return "no effect";
    case Effect::kChanges:
      return "changes";
  }
  return "?";
}

void Evaluate(const Attribution& a, UnitResult* r) {
  const std::optional<double>& base = a.baseline.value;
  const std::optional<double>& now = r->reading.value;
  r->change.reset();
  r->share.reset();
  if (base.has_value() && now.has_value()) {
    r->change = *now - *base;
    const double reference = a.good.value_or(0.0);
    // No change is a share of 0, never -0 (a higher-is-better metric divides by a negative).
    if (*base != reference) r->share = *now == *base ? 0.0 : (*base - *now) / (*base - reference);
  }
  const bool now_good = now.has_value() && a.good.has_value() && *now == *a.good;
  const bool base_good = base.has_value() && a.good.has_value() && *base == *a.good;
  if (r->reading.present == a.baseline.present && now == base) {
    r->effect = Effect::kNone;
  } else if (now_good && !base_good) {
    r->effect = Effect::kClears;
  } else if (a.direction == Direction::kEqual) {
    r->effect = Effect::kChanges;
  } else if (r->change.has_value()) {
    const bool lower = *r->change < 0;
    r->effect =
        lower == (a.direction == Direction::kLowerIsBetter) ? Effect::kBetter : Effect::kWorse;
  } else if (NullIsWorst(a.metric) && r->reading.present && a.baseline.present) {
    r->effect = now.has_value() ? Effect::kBetter : Effect::kWorse;
  } else {
    r->effect = Effect::kChanges;
  }
}

void SortResults(std::vector<UnitResult>* results) {
  if (results->empty()) return;
  std::stable_sort(results->begin(), results->end(), [](const UnitResult& x, const UnitResult& y) {
    const double mx = Magnitude(x), my = Magnitude(y);
    if (mx != my) return mx > my;
    return x.unit.faults.front() < y.unit.faults.front();
  });
}

bool AnyClears(const std::vector<UnitResult>& results) {
  return std::any_of(results.begin(), results.end(),
                     [](const UnitResult& r) { return r.effect == Effect::kClears; });
}

std::vector<absl::StatusOr<sim::RunOutput>> RunAll(const std::vector<sim::Scenario>& scenarios,
                                                   size_t jobs, Progress* progress) {
  DSIM_CHECK(jobs >= 1);
  std::vector<absl::StatusOr<sim::RunOutput>> outputs(scenarios.size(),
                                                      absl::UnknownError("not run"));
  std::mutex mu;
  std::condition_variable done_cv;
  size_t next = 0, finished = 0, running = 0;
  auto worker = [&] {
    std::unique_lock<std::mutex> lock(mu);
    while (next < scenarios.size()) {
      const size_t i = next++;
      ++running;
      lock.unlock();
      absl::StatusOr<sim::RunOutput> out = sim::RunScenario(scenarios[i]);
      lock.lock();
      outputs[i] = std::move(out);
      --running;
      ++finished;
      done_cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(jobs, scenarios.size()); ++t) threads.emplace_back(worker);
  {
    std::unique_lock<std::mutex> lock(mu);
    while (finished < scenarios.size()) {
      progress->Update(finished, 0, running);
      // wall-clock ok: only how often the progress line is redrawn
      done_cv.wait_for(lock, std::chrono::milliseconds(500));
    }
  }
  for (std::thread& t : threads) t.join();
  progress->Update(finished, 0, 0);
  progress->Finish();
  return outputs;
}

}  // namespace dsim::analysis
