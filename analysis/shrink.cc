#include "analysis/shrink.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/btree_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/attribute.h"
#include "analysis/shrink_candidate.h"
#include "analysis/shrink_ddmin.h"
#include "engine/check.h"
#include "sim/core/units.h"
#include "sim/scenario/key_table.h"

namespace dsim::analysis {
namespace {

constexpr char kPhases[] = "workload.kv.phases";
// A phase's duration is bisected down to this fraction of what it was.
constexpr sim::Nanos kPhaseCutParts = 16;

// The current smallest failing scenario: its table and the scenario loaded from it.
struct State {
  toml::table table;
  sim::Scenario scenario;
  std::string source;
  bool pin_liveness = false;  // the check needs the liveness phase (FailureCheck)
};

// The fault units the shrinker may remove: every fault's, but, when `pin_liveness`, those of
// faults whose names start with kPinnedPrefix (dsim swarm's liveness phase: without its heal,
// restarts and repair the liveness check fails trivially). A pinned fault still goes as a companion
// of a removed one (a liveness-phase restart with the crash it ends).
std::vector<AttributionUnit> Units(const sim::Scenario& sc, bool pin_liveness) {
  std::vector<AttributionUnit> units;
  for (AttributionUnit& u : BuildUnits(sc, Grouping::kEach)) {
    if (!pin_liveness) {
      units.push_back(std::move(u));
      continue;
    }
    const bool pinned = std::all_of(u.faults.begin(), u.faults.end(), [&](size_t i) {
      return absl::StartsWith(sc.faults[i].name, kPinnedPrefix);
    });
    if (!pinned) units.push_back(std::move(u));
  }
  return units;
}

void Commit(State* st, toml::table table) {
  absl::StatusOr<sim::Scenario> s = LoadCandidate(table, st->source);
  DSIM_CHECK_MSG(s.ok(), "a candidate that failed the check no longer loads");
  st->table = std::move(table);
  st->scenario = *std::move(s);
}

void Step(CandidateRunner* runner, std::vector<std::string>* steps, std::string line) {
  runner->Log(line);
  steps->push_back(std::move(line));
}

std::string Kinds(const sim::Scenario& sc, const std::vector<size_t>& faults) {
  absl::btree_set<std::string> kinds;
  for (size_t i : faults) {
    kinds.insert(std::string(sim::scenario_keys::FaultKindName(sc.faults[i].kind)));
  }
  return absl::StrJoin(kinds, "/");
}

// Stage 1: ddmin over the fault units; the removed faults of a configuration of kept units are
// the others' own faults plus what removing all of them at once takes along.
void ShrinkFaults(CandidateRunner* runner, State* st, std::vector<std::string>* steps) {
  const sim::Scenario sc = st->scenario;
  const std::vector<AttributionUnit> units = Units(sc, st->pin_liveness);
  if (units.empty()) return Step(runner, steps, "faults: none to remove");
  auto removed_for = [&](const std::vector<size_t>& kept) {
    std::vector<size_t> own;
    for (size_t u = 0; u < units.size(); ++u) {
      if (std::binary_search(kept.begin(), kept.end(), u)) continue;
      own.insert(own.end(), units[u].faults.begin(), units[u].faults.end());
    }
    std::sort(own.begin(), own.end());
    own.erase(std::unique(own.begin(), own.end()), own.end());
    std::vector<size_t> all = Companions(sc, own);
    all.insert(all.end(), own.begin(), own.end());
    std::sort(all.begin(), all.end());
    return all;
  };
  const size_t before = runner->tested();
  const toml::table base = st->table;
  const DdminResult r = Ddmin(
      units.size(),
      [&](const std::vector<std::vector<size_t>>& batch) {
        std::vector<toml::table> candidates;
        for (const auto& kept : batch) {
          candidates.push_back(WithoutArrayEntries(base, "faults", removed_for(kept)));
        }
        return runner->Fails(candidates, "faults");
      },
      std::numeric_limits<size_t>::max());  // the runner holds the bound
  const std::vector<size_t> removed = removed_for(r.minimal);
  if (removed.empty()) {
    return Step(runner, steps,
                absl::StrCat("faults: each of the ", sc.faults.size(), " is needed (",
                             runner->tested() - before, " runs)"));
  }
  Commit(st, WithoutArrayEntries(base, "faults", removed));
  Step(runner, steps,
       absl::StrCat("faults: ", sc.faults.size(), " -> ", st->scenario.faults.size(), ": removed ",
                    IndexList(removed), " (", Kinds(sc, removed), ") (", runner->tested() - before,
                    " runs)"));
}

// The smallest duration of phase `i` that still fails, by bisection (0 is taken to pass).
void CutPhase(CandidateRunner* runner, State* st, size_t i) {
  sim::Nanos hi = st->scenario.workload.kv.phases[i].duration;
  sim::Nanos lo = 0;
  const sim::Nanos resolution = std::max<sim::Nanos>(sim::kMillisecond, hi / kPhaseCutParts);
  while (hi - lo > resolution && !runner->bound_hit() && runner->status().ok()) {
    sim::Nanos mid = lo + (hi - lo) / 2;
    mid -= mid % sim::kMillisecond;  // whole milliseconds read better
    if (mid <= lo) break;
    toml::table candidate = WithPhaseDuration(st->table, i, mid);
    if (runner->Fails({candidate}, "workload")[0]) {
      hi = mid;
      Commit(st, std::move(candidate));
    } else {
      lo = mid;
    }
  }
}

std::string PhaseName(const sim::Scenario& sc, size_t i) {
  const std::string& name = sc.workload.kv.phases[i].name;
  return name.empty() ? absl::StrCat("phase ", i) : absl::StrCat("phase ", name);
}

// Stage 2: ddmin over the phases, then each remaining phase cut shorter.
void ShrinkWorkload(CandidateRunner* runner, State* st, std::vector<std::string>* steps) {
  const size_t n = ArraySize(st->table, kPhases);
  if (st->scenario.workload.kind != sim::WorkloadConfig::Kind::kKv || n == 0) {
    return Step(runner, steps, "workload: no [[workload.kv.phases]]: not shortened");
  }
  const size_t before_runs = runner->tested();
  const sim::Scenario before = st->scenario;
  std::vector<std::string> what;
  if (n > 1) {
    const toml::table base = st->table;
    auto without = [&](const std::vector<size_t>& kept) {
      std::vector<size_t> removed;
      for (size_t p = 0; p < n; ++p) {
        if (!std::binary_search(kept.begin(), kept.end(), p)) removed.push_back(p);
      }
      return removed;
    };
    const DdminResult r = Ddmin(
        n,
        [&](const std::vector<std::vector<size_t>>& batch) {
          std::vector<toml::table> candidates;
          for (const auto& kept : batch) {
            candidates.push_back(WithoutArrayEntries(base, kPhases, without(kept)));
          }
          return runner->Fails(candidates, "workload");
        },
        std::numeric_limits<size_t>::max());  // the runner holds the bound
    const std::vector<size_t> removed = without(r.minimal);
    for (size_t p : removed) what.push_back(absl::StrCat("removed ", PhaseName(before, p)));
    if (!removed.empty()) Commit(st, WithoutArrayEntries(base, kPhases, removed));
  }
  for (size_t i = 0; i < st->scenario.workload.kv.phases.size(); ++i) {
    const sim::Nanos was = st->scenario.workload.kv.phases[i].duration;
    CutPhase(runner, st, i);
    const sim::Nanos now = st->scenario.workload.kv.phases[i].duration;
    if (now != was) {
      what.push_back(absl::StrCat(PhaseName(st->scenario, i), " ", sim::FormatDuration(was), " -> ",
                                  sim::FormatDuration(now)));
    }
  }
  Step(runner, steps,
       absl::StrCat("workload: ", sim::FormatDuration(SizeOf(before).workload), " -> ",
                    sim::FormatDuration(SizeOf(st->scenario).workload), ": ",
                    what.empty() ? "nothing removed" : absl::StrJoin(what, ", "), " (",
                    runner->tested() - before_runs, " runs)"));
}

// The fewest nodes in [lo, current] that still fail, by bisection; `dc` as for WithNodes.
void BisectNodes(CandidateRunner* runner, State* st, std::optional<size_t> dc, uint32_t lo,
                 uint32_t hi) {
  while (lo < hi && !runner->bound_hit() && runner->status().ok()) {
    const uint32_t mid = lo + (hi - lo) / 2;
    toml::table candidate = WithNodes(st->table, dc, mid);
    if (runner->Fails({candidate}, "nodes")[0]) {
      hi = mid;
      Commit(st, std::move(candidate));
    } else {
      lo = mid + 1;
    }
  }
}

// Stage 3: fewer nodes, never fewer than the faults name (nor than RF without datacenters).
void ShrinkNodes(CandidateRunner* runner, State* st, std::vector<std::string>* steps) {
  const size_t before_runs = runner->tested();
  const uint32_t before = st->scenario.cluster.nodes;
  const uint32_t needed = HighestFaultNode(st->scenario) + 1;
  const std::vector<sim::DatacenterConfig> dcs = st->scenario.cluster.datacenters;
  if (dcs.empty()) {
    const uint32_t lo = std::max({needed, st->scenario.cluster.replication_factor, 1u});
    if (lo < before) BisectNodes(runner, st, std::nullopt, lo, before);
  }
  for (size_t d = dcs.size(); d-- > 0;) {
    const uint32_t mine = st->scenario.cluster.datacenters[d].nodes;
    const uint32_t others = st->scenario.cluster.nodes - mine;
    const uint32_t lo = needed > others ? needed - others : 1;
    if (lo < mine) BisectNodes(runner, st, d, lo, mine);
  }
  Step(runner, steps,
       absl::StrCat("nodes: ", before, " -> ", st->scenario.cluster.nodes,
                    dcs.empty() ? "" : " (datacenters cut last first)", " (",
                    runner->tested() - before_runs, " runs)"));
}

// Stage 4: the final scenario without each unit; a unit whose removal still fails goes, and the
// check repeats. Returns whether every single removal passed.
bool CheckMinimal(CandidateRunner* runner, State* st, std::vector<std::string>* steps) {
  const size_t before_runs = runner->tested();
  const size_t rounds = st->scenario.faults.size() + 1;
  for (size_t round = 0; round < rounds; ++round) {
    const std::vector<AttributionUnit> units = Units(st->scenario, st->pin_liveness);
    std::vector<toml::table> candidates;
    for (const AttributionUnit& u : units) {
      candidates.push_back(WithoutArrayEntries(st->table, "faults", u.Removed()));
    }
    const std::vector<bool> fails = runner->Fails(candidates, "minimality");
    if (runner->bound_hit() || !runner->status().ok()) return false;
    auto first = std::find(fails.begin(), fails.end(), true);
    if (first == fails.end()) {
      Step(runner, steps,
           absl::StrCat("minimality: without any one of the ", units.size(),
                        " remaining faults (with its companions) the check passes (",
                        runner->tested() - before_runs, " runs): 1-minimal"));
      return true;
    }
    const AttributionUnit& u = units[static_cast<size_t>(first - fails.begin())];
    Step(runner, steps, absl::StrCat("minimality: still fails without ", u.label, ": removed"));
    Commit(st, candidates[static_cast<size_t>(first - fails.begin())]);
  }
  return false;
}

}  // namespace

ScenarioSize SizeOf(const sim::Scenario& scenario) {
  ScenarioSize s;
  s.faults = scenario.faults.size();
  s.nodes = scenario.cluster.nodes;
  if (scenario.workload.kind == sim::WorkloadConfig::Kind::kKv) {
    for (const sim::KvPhaseConfig& p : scenario.workload.kv.phases) s.workload += p.duration;
  }
  return s;
}

absl::StatusOr<ShrinkResult> Shrink(const toml::table& start, const std::string& source_name,
                                    const FailureCheck& check, const ShrinkOptions& options) {
  absl::StatusOr<sim::Scenario> loaded = LoadCandidate(start, source_name);
  if (!loaded.ok()) return loaded.status();
  State st{start, *std::move(loaded), source_name, check.needs_liveness_phase};
  CandidateRunner runner(source_name, check, options);
  const bool fails = runner.Fails({start}, "baseline")[0];
  if (!runner.status().ok()) return runner.status();
  if (!fails) {
    return absl::FailedPreconditionError(absl::StrCat(source_name, " does not fail --check ",
                                                      check.name, " (", check.description,
                                                      "): nothing to shrink"));
  }
  ShrinkResult r;
  r.before = SizeOf(st.scenario);
  ShrinkFaults(&runner, &st, &r.steps);
  if (runner.status().ok() && !runner.bound_hit()) ShrinkWorkload(&runner, &st, &r.steps);
  if (runner.status().ok() && !runner.bound_hit()) ShrinkNodes(&runner, &st, &r.steps);
  if (runner.status().ok() && !runner.bound_hit()) {
    r.one_minimal = CheckMinimal(&runner, &st, &r.steps);
  }
  if (!runner.status().ok()) return runner.status();
  r.after = SizeOf(st.scenario);
  for (size_t i = 0; i < st.scenario.faults.size(); ++i) {
    r.kept.push_back(FaultLabel(st.scenario, i));
  }
  r.tested = runner.tested();
  r.rejected = runner.rejected();
  r.bound_hit = runner.bound_hit();
  r.minimal = std::move(st.table);
  r.scenario = std::move(st.scenario);
  return r;
}

}  // namespace dsim::analysis
