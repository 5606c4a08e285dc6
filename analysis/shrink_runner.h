// The test of `dsim shrink`: whether candidate scenarios (TOML tables, analysis/shrink_candidate.h)
// still fail the check, under the bound on how many are tried. Each batch's candidates are
// loaded from their text, run in `jobs` threads of this process (analysis/attribute.h's RunAll)
// and judged by the FailureCheck (analysis/shrink_check.h) in candidate order.
//
// Contract: outcomes are by candidate index, never by which run finished first; a candidate the
// loader rejects passes (it is counted, not run); a candidate whose text was tested before gets
// the same outcome again without a run and is not counted; a candidate past the bound is neither
// loaded nor run and passes (bound_hit()); every tested candidate, rejected or run, counts against
// max_runs. A run that fails (the simulator's error) or a check that cannot be evaluated sets
// status() and makes every later candidate pass, so the stages stop at their next look.
#ifndef DSIM_ANALYSIS_SHRINK_RUNNER_H_
#define DSIM_ANALYSIS_SHRINK_RUNNER_H_

#include <toml++/toml.h>

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "analysis/shrink_check.h"

namespace dsim::analysis {

struct ShrinkOptions {
  size_t jobs = 1;           // runs at once, in threads
  size_t max_runs = 200;     // candidates tested at most (the baseline counts)
  std::FILE* err = nullptr;  // progress; nullptr: none
  bool tty = false;          // err is a terminal: a redrawn bar per batch
};

class CandidateRunner {
 public:
  // `source_name` names the scenario in the loader's messages.
  CandidateRunner(std::string source_name, FailureCheck check, ShrinkOptions options);

  // Whether each candidate fails the check, in order. `label` names the batch in the progress.
  std::vector<bool> Fails(const std::vector<toml::table>& candidates, const std::string& label);

  // One line of progress on `err` ("shrink: LINE").
  void Log(const std::string& line) const;

  size_t tested() const { return tested_; }
  size_t rejected() const { return rejected_; }
  size_t remaining() const { return options_.max_runs - tested_; }
  bool bound_hit() const { return bound_hit_; }
  const absl::Status& status() const { return status_; }
  const FailureCheck& check() const { return check_; }

 private:
  std::string source_name_;
  FailureCheck check_;
  ShrinkOptions options_;
  size_t tested_ = 0;
  size_t rejected_ = 0;
  bool bound_hit_ = false;
  absl::Status status_;
  absl::btree_map<std::string, bool> outcomes_;  // candidate text -> fails
};

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SHRINK_RUNNER_H_
