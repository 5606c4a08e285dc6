#include "analysis/swarm.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "analysis/shrink_candidate.h"
#include "analysis/swarm_draw.h"
#include "sim/simulation.h"

namespace dsim::analysis {

size_t SwarmReport::failed() const {
  size_t n = 0;
  for (const auto& [outcome, count] : outcomes) {
    if (outcome != "ok") n += count;
  }
  return n;
}

bool Seen(const sim::check::CheckResult& r) {
  if (r.check == sim::check::CheckClass::kLiveness) return r.failed;
  return r.observed.value_or(0) > 0;
}

SeedOutcome RunSwarmSeed(const toml::table& base, const sim::Scenario& base_scenario,
                         const std::string& source_name, uint64_t seed) {
  SwarmDraw draw = DrawSwarm(base, base_scenario, seed);
  SeedOutcome o;
  o.seed = seed;
  o.params = std::move(draw.params);
  SetNameIfAbsent(&draw.scenario, "swarm");
  o.scenario_text = ScenarioTomlText(draw.scenario);
  absl::StatusOr<sim::Scenario> sc = LoadCandidate(draw.scenario, source_name);
  if (!sc.ok()) {
    o.outcome = "run_failed";
    o.error = absl::StrCat("the drawn scenario does not load: ", sc.status().message());
    return o;
  }
  absl::StatusOr<sim::RunOutput> out = sim::RunScenario(*sc);
  if (!out.ok()) {
    o.outcome = "run_failed";
    o.error = std::string(out.status().message());
    return o;
  }
  o.sim_seconds = sim::ToSeconds(out->end_time);
  o.outcome = "ok";
  for (sim::check::CheckClass c : sim::check::kAllChecks) {
    o.checks.push_back(sim::check::Evaluate(c, *sc, out->metrics));
    if (o.checks.back().failed && o.outcome == "ok") o.outcome = sim::check::CheckClassName(c);
  }
  return o;
}

SwarmReport RunSwarm(const toml::table& base, const sim::Scenario& base_scenario,
                     const std::string& source_name, const SwarmOptions& options,
                     const std::function<void(const SeedOutcome&)>& on_seed) {
  const size_t count = static_cast<size_t>(options.last - options.first + 1);
  std::vector<std::optional<SeedOutcome>> done(count);
  std::mutex mu;
  std::condition_variable cv;
  size_t next = 0;
  auto worker = [&] {
    std::unique_lock<std::mutex> lock(mu);
    while (next < count) {
      const size_t i = next++;
      lock.unlock();
      SeedOutcome o = RunSwarmSeed(base, base_scenario, source_name, options.first + i);
      lock.lock();
      done[i] = std::move(o);
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(options.jobs, count); ++t) threads.emplace_back(worker);
  SwarmReport report;
  for (size_t i = 0; i < count; ++i) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done[i].has_value(); });
    SeedOutcome o = std::move(*done[i]);
    done[i].reset();
    lock.unlock();
    ++report.outcomes[o.outcome];
    for (const sim::check::CheckResult& r : o.checks) {
      if (Seen(r) && !r.promise.holds) {
        ++report.observed_unpromised[sim::check::CheckClassName(r.check)];
      }
    }
    if (on_seed) on_seed(o);
    report.seeds.push_back(std::move(o));
  }
  for (std::thread& t : threads) t.join();
  return report;
}

}  // namespace dsim::analysis
