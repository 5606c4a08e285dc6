#include "analysis/baseline_update.h"

#include <algorithm>
#include <utility>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "analysis/headline.h"
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

BaselineMetric NewMetric(const ResultsDir& r, const std::string& point, const std::string& path) {
  BaselineMetric m;
  m.point = point;
  m.path = path;
  m.direction = BaselineDirection(path);
  const bool found = Fill(r, &m);
  DSIM_CHECK(found);  // it came from the results
  return m;
}

// The gated headline metrics the results have, in headline order (per point for a sweep).
void AddHeadline(const ResultsDir& r, Baseline* b) {
  std::vector<std::string> points;
  if (r.sweep) {
    for (const PointSummary& p : r.summary.points) points.push_back(p.name);
  } else {
    points.push_back("");
  }
  const absl::btree_set<std::pair<std::string, std::string>> have = [&] {
    absl::btree_set<std::pair<std::string, std::string>> s;
    for (const auto& pp : Available(r)) s.insert(pp);
    return s;
  }();
  for (const std::string& point : points) {
    for (const HeadlineMetric& h : HeadlineMetrics()) {
      const std::string path(h.path);
      if (h.gate && have.contains({point, path})) b->metrics.push_back(NewMetric(r, point, path));
    }
  }
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
  if (!tmpl.has_value() && prefixes.empty()) {
    AddHeadline(r, &b);
  } else if (!prefixes.empty()) {
    for (const auto& [point, path] : Available(r)) {
      if (included.contains({point, path}) || !MatchesAnyPrefix(path, prefixes)) continue;
      // An echo of the configuration judges nothing; only a prefix naming it exactly adds it.
      if (IsConfigurationEcho(path) &&
          std::find(prefixes.begin(), prefixes.end(), path) == prefixes.end()) {
        continue;
      }
      b.metrics.push_back(NewMetric(r, point, path));
    }
  }
  return b;
}

}  // namespace dsim::analysis
