#include "analysis/baseline_update.h"

#include <utility>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace dsim::analysis {
namespace {

// Fills the values of `m` from the results; false when the results do not have the metric.
bool Fill(const ResultsDir& r, BaselineMetric* m) {
  if (r.sweep) {
    const PointSummary* p = FindPoint(r.summary, m->point);
    if (p == nullptr) return false;
    const MetricSummary* ms = FindMetric(*p, m->path);
    if (ms == nullptr) return false;
    const Summary& s = ms->stats;
    m->unit = ms->unit;
    m->expected = s.mean;
    m->ci95_low = s.ci95_low;
    m->ci95_high = s.ci95_high;
    m->count = s.count;
    m->nulls = s.nulls;
    return true;
  }
  auto it = r.run.metrics.find(m->path);
  if (it == r.run.metrics.end()) return false;
  m->unit = it->second.unit;
  m->expected = it->second.value;
  return true;
}

// Every (point, path) of the results, in results order (point "" for a run).
std::vector<std::pair<std::string, std::string>> Available(const ResultsDir& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r.sweep) {
    for (const PointSummary& p : r.summary.points) {
      for (const auto& [path, ms] : p.metrics) out.emplace_back(p.name, path);
    }
  } else {
    for (const auto& [path, m] : r.run.metrics) out.emplace_back("", path);
  }
  return out;
}

}  // namespace

Baseline BaselineFromResults(const ResultsDir& r, const std::optional<Baseline>& tmpl,
                             const std::vector<std::string>& prefixes,
                             std::vector<std::string>* dropped) {
  Baseline b;
  b.source = r.sweep ? Baseline::Source::kSweep : Baseline::Source::kRun;
  b.scenario = r.scenario;
  if (r.sweep) {
    b.seeds = absl::StrCat(r.summary.plan.first_seed, "..", r.summary.plan.last_seed);
  } else {
    b.seed = r.run.seed;
  }
  absl::btree_set<std::pair<std::string, std::string>> included;
  if (tmpl.has_value()) {
    for (BaselineMetric m : tmpl->metrics) {
      if (!Fill(r, &m)) {
        dropped->push_back(
            absl::StrCat(m.point.empty() ? "" : absl::StrCat(m.point, ": "), m.path));
        continue;
      }
      included.insert({m.point, m.path});
      b.metrics.push_back(std::move(m));
    }
  }
  if (!tmpl.has_value() || !prefixes.empty()) {
    for (const auto& [point, path] : Available(r)) {
      if (included.contains({point, path}) || !MatchesAnyPrefix(path, prefixes)) continue;
      BaselineMetric m;
      m.point = point;
      m.path = path;
      m.direction = InferDirection(path);
      const bool found = Fill(r, &m);
      DSIM_CHECK(found);  // it came from the results
      b.metrics.push_back(std::move(m));
    }
  }
  return b;
}

}  // namespace dsim::analysis
