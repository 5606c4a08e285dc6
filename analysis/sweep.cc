#include "analysis/sweep.h"

#include <xxhash.h>

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/cli/args.h"
#include "analysis/json_file.h"
#include "analysis/shell.h"
#include "analysis/subprocess.h"
#include "analysis/summary.h"
#include "engine/check.h"
#include "sim/results.h"
#include "sim/scenario/scenario.h"

namespace dsim::analysis {
namespace {

struct RunCommandLine {
  std::vector<std::string> argv;  // for exec
  std::string display;            // a shell command that reproduces the run
};

RunCommandLine MakeRunCommand(const SweepPlan& plan, uint64_t index, const std::string& run_dir,
                              const std::string& program) {
  std::vector<std::string> args = {
      "run",  plan.scenario_file, "--quiet", "--seed", absl::StrCat(plan.SeedOf(index)), "--out",
      run_dir};
  for (const std::string& o : plan.Overrides(plan.PointOf(index))) {
    args.push_back("--set");
    args.push_back(o);
  }
  RunCommandLine cmd;
  cmd.argv = {program};
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  std::vector<std::string> quoted = {"dsim"};
  for (const std::string& a : args) quoted.push_back(ShellQuote(a));
  cmd.display = absl::StrJoin(quoted, " ");
  return cmd;
}

absl::Status WriteFailure(const std::string& run_dir, const SweepPlan& plan, uint64_t index,
                          const Finished& f, const std::string& command) {
  nlohmann::json j;
  j["point"] = plan.points[plan.PointOf(index)].name;
  j["seed"] = plan.SeedOf(index);
  j["exit_code"] = f.exit.signal == 0 ? nlohmann::json(f.exit.exit_code) : nlohmann::json(nullptr);
  j["signal"] = f.exit.signal != 0 ? nlohmann::json(f.exit.signal) : nlohmann::json(nullptr);
  j["stderr"] = f.stderr_text;
  j["command"] = command;
  return sim::WriteFileAtomically(absl::StrCat(run_dir, "/", kFailureFile), j.dump(2) + "\n");
}

std::string FirstLine(const std::string& text) {
  std::string s = text.substr(0, text.find('\n'));
  return s.empty() ? "(no output)" : s;
}

// Empties the run's directory (whatever an interrupted attempt left goes) and starts its child.
absl::Status StartRun(const std::string& dir, const SweepPlan& plan, uint64_t index,
                      const std::string& program, ProcessPool* pool,
                      absl::btree_map<uint64_t, RunCommandLine>* started) {
  const std::string run_dir = absl::StrCat(dir, "/", plan.RunDir(index));
  std::error_code ec;
  std::filesystem::remove_all(run_dir, ec);
  std::filesystem::create_directories(run_dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat(run_dir, ": cannot create directory: ", ec.message()));
  }
  RunCommandLine cmd = MakeRunCommand(plan, index, run_dir, program);
  absl::Status st = pool->Start(index, ChildSpec{cmd.argv, "", ""});
  if (!st.ok()) return st;
  started->emplace(index, std::move(cmd));
  return absl::OkStatus();
}

// Books a finished child: a failure gets its failure.json and a line in `outcome`.
absl::Status FinishRun(const std::string& dir, const SweepPlan& plan, const Finished& f,
                       const RunCommandLine& cmd, SweepOutcome* outcome) {
  const std::string run_dir = absl::StrCat(dir, "/", plan.RunDir(f.tag));
  std::error_code ec;
  const bool has_results = std::filesystem::exists(absl::StrCat(run_dir, "/results.json"), ec);
  // A run that did not converge under metrics.require_convergence exits 5, one that failed an
  // enabled check 6-10, but either is complete: its results.json records what the summary
  // counts.
  const bool complete_but_failed = f.exit.signal == 0 &&
                                   f.exit.exit_code >= cli::kExitNotConverged &&
                                   f.exit.exit_code <= cli::kExitLastCheck;
  if ((f.exit.ok() || complete_but_failed) && has_results) return absl::OkStatus();
  Finished record = f;
  if (f.exit.ok())
    record.stderr_text += "dsim sweep: the run exited with 0 but wrote no results.json\n";
  absl::Status st = WriteFailure(run_dir, plan, f.tag, record, cmd.display);
  if (!st.ok()) return st;
  outcome->failures.emplace(
      f.tag, absl::StrCat("  ", plan.RunDir(f.tag), ": ", record.exit.Describe(), ": ",
                          FirstLine(record.stderr_text), "\n    reproduce: ", cmd.display));
  return absl::OkStatus();
}

}  // namespace

absl::Status PrepareScenario(const std::string& file, SweepPlan* plan) {
  absl::StatusOr<std::string> bytes = ReadFile(file);
  if (!bytes.ok()) return absl::InvalidArgumentError(bytes.status().message());
  plan->scenario_file = file;
  plan->scenario_digest = sim::FormatTraceHash(XXH3_64bits(bytes->data(), bytes->size()));
  for (size_t p = 0; p < plan->points.size(); ++p) {
    std::vector<std::string> overrides = plan->Overrides(p);
    overrides.push_back(absl::StrCat("simulation.seed=", plan->first_seed));
    absl::StatusOr<sim::Scenario> s = sim::LoadScenarioFile(file, overrides);
    if (!s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid scenario at point ", plan->points[p].name, ":\n", s.status().message()));
    }
    if (p == 0) plan->scenario_name = s->name;
  }
  return absl::OkStatus();
}

absl::Status PrepareOutDir(const std::string& dir, const SweepPlan& plan) {
  std::error_code ec;
  std::filesystem::create_directories(absl::StrCat(dir, "/runs"), ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat(dir, ": cannot create directory: ", ec.message()));
  if (std::filesystem::exists(absl::StrCat(dir, "/sweep.json"), ec)) {
    absl::StatusOr<SweepPlan> old = LoadPlan(dir);
    if (!old.ok()) return absl::InvalidArgumentError(old.status().message());
    if (!SameRuns(*old, plan) || old->shard.index != plan.shard.index ||
        old->shard.count != plan.shard.count) {
      return absl::InvalidArgumentError(absl::StrCat(
          dir,
          "/sweep.json describes a different sweep (scenario file content, seeds, --set values or "
          "--shard differ); resume it with the same arguments or use another --out"));
    }
  }
  return sim::WriteFileAtomically(absl::StrCat(dir, "/sweep.json"),
                                  PlanToJson(plan).dump(2) + "\n");
}

PendingRuns FindPendingRuns(const std::string& dir, const SweepPlan& plan) {
  PendingRuns p;
  for (uint64_t i = 0; i < plan.run_count(); ++i) {
    if (!plan.shard.Owns(i)) continue;
    ++p.owned;
    std::error_code ec;
    if (!std::filesystem::exists(absl::StrCat(dir, "/", plan.RunDir(i), "/results.json"), ec))
      p.todo.push_back(i);
  }
  return p;
}

absl::StatusOr<SweepOutcome> RunSweep(const std::string& dir, const SweepPlan& plan,
                                      const std::vector<uint64_t>& todo,
                                      const SweepRunOptions& options, Progress* progress) {
  ProcessPool pool(options.jobs);
  absl::btree_map<uint64_t, RunCommandLine> started;  // run index -> command
  SweepOutcome outcome;
  uint64_t finished = 0;
  size_t next = 0;
  while (next < todo.size() || pool.running() > 0) {
    while (next < todo.size() && !pool.full()) {
      absl::Status st = StartRun(dir, plan, todo[next++], options.program, &pool, &started);
      if (!st.ok()) return st;
    }
    progress->Update(finished, outcome.failures.size(), pool.running());
    for (const Finished& f : pool.Wait(/*timeout_ms=*/500)) {
      ++finished;
      auto it = started.find(f.tag);
      DSIM_CHECK(it != started.end());
      absl::Status st = FinishRun(dir, plan, f, it->second, &outcome);
      if (!st.ok()) return st;
      started.erase(it);
    }
  }
  DSIM_CHECK(finished == todo.size());
  progress->Update(finished, outcome.failures.size(), 0);
  progress->Finish();
  return outcome;
}

}  // namespace dsim::analysis
