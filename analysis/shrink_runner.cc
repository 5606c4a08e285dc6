#include "analysis/shrink_runner.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "analysis/attribute.h"
#include "analysis/progress.h"
#include "analysis/shrink_candidate.h"
#include "engine/check.h"
#include "sim/scenario/scenario.h"

namespace dsim::analysis {

CandidateRunner::CandidateRunner(std::string source_name, FailureCheck check, ShrinkOptions options)
    : source_name_(std::move(source_name)), check_(std::move(check)), options_(options) {
  DSIM_CHECK(options_.jobs >= 1);
  DSIM_CHECK(check_.fails != nullptr);
}

void CandidateRunner::Log(const std::string& line) const {
  if (options_.err == nullptr) return;
  std::fprintf(options_.err, "shrink: %s\n", line.c_str());
  std::fflush(options_.err);
}

std::vector<bool> CandidateRunner::Fails(const std::vector<toml::table>& candidates,
                                         const std::string& label) {
  std::vector<bool> fails(candidates.size(), false);
  if (!status_.ok()) return fails;
  std::vector<sim::Scenario> scenarios;
  std::vector<size_t> index;  // scenarios[k] is candidate index[k]
  std::vector<std::string> texts(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    texts[i] = ScenarioTomlText(candidates[i]);
    if (auto it = outcomes_.find(texts[i]); it != outcomes_.end()) {
      fails[i] = it->second;
      continue;
    }
    if (tested_ >= options_.max_runs) {
      bound_hit_ = true;
      break;
    }
    ++tested_;
    absl::StatusOr<sim::Scenario> s = sim::LoadScenarioText(texts[i], source_name_);
    if (!s.ok()) {
      ++rejected_;
      outcomes_[texts[i]] = false;
      continue;
    }
    outcomes_[texts[i]] = false;  // until the run says otherwise; a repeat in this batch waits
    scenarios.push_back(*std::move(s));
    index.push_back(i);
  }
  if (scenarios.empty()) return fails;
  Progress progress(options_.err, options_.tty, options_.err != nullptr && options_.tty,
                    scenarios.size(), 0, absl::StrCat("shrink: ", label));
  std::vector<absl::StatusOr<sim::RunOutput>> outputs = RunAll(scenarios, options_.jobs, &progress);
  for (size_t k = 0; k < scenarios.size(); ++k) {
    if (!outputs[k].ok()) {
      status_ = absl::InternalError(
          absl::StrCat(label, ": a run failed: ", outputs[k].status().message()));
      return std::vector<bool>(candidates.size(), false);
    }
    absl::StatusOr<bool> f = check_.fails(scenarios[k], *outputs[k]);
    if (!f.ok()) {
      status_ = absl::InvalidArgumentError(f.status().message());
      return std::vector<bool>(candidates.size(), false);
    }
    fails[index[k]] = *f;
    outcomes_[texts[index[k]]] = *f;
  }
  // A repeat of a text run in this batch takes that run's outcome.
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (auto it = outcomes_.find(texts[i]); it != outcomes_.end()) fails[i] = it->second;
  }
  return fails;
}

}  // namespace dsim::analysis
