// dsim sweep and dsim summarize: running the runs of a sweep plan as child processes, with
// resume, failure records and progress, then summarizing them.
#include <unistd.h>
#include <xxhash.h>

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "analysis/commands.h"
#include "analysis/progress.h"
#include "analysis/run_results.h"
#include "analysis/subprocess.h"
#include "analysis/summary.h"
#include "analysis/sweep_plan.h"
#include "engine/check.h"
#include "sim/cli_args.h"
#include "sim/results.h"
#include "sim/scenario/scenario.h"

namespace dsim::analysis {
namespace {

using sim::ArgSpec;
using sim::ParsedArgs;

constexpr size_t kMaxJobs = 1024;

const ArgSpec& SweepSpec() {
  static const ArgSpec spec{
      "sweep",
      "FILE",
      "Runs a scenario over a seed range and the cartesian product of parameter values, in "
      "parallel "
      "child processes; resumes an interrupted sweep; writes DIR/sweep.json, "
      "DIR/runs/<point>/seed-<n>/, "
      "DIR/summary.json and DIR/summary.csv.",
      {{"seeds", "A..B", "the seeds of every parameter point (inclusive range, or one seed N)"},
       {"set", "KEY.PATH=V1,V2,...", "a scenario key: several values make it a swept parameter",
        true},
       {"jobs", "N", "runs at once (default: the number of CPUs)"},
       {"shard", "I/N",
        "run only shard I of N (0 <= I < N): the runs whose canonical index is I mod N"},
       {"out", "DIR",
        "the sweep directory (required; an existing one of the same sweep is resumed)"},
       {"metric", "PREFIX",
        "print only metrics at or under PREFIX (e.g. relay.latency) in the table", true},
       {"dsim", "PATH",
        "the program each run executes as `PATH run ...` (default: this dsim binary)"},
       {"quiet", "", "no progress and no table, only errors"}},
      1,
      1};
  return spec;
}

const ArgSpec& SummarizeSpec() {
  static const ArgSpec spec{
      "summarize",
      "DIR",
      "Recomputes DIR/summary.json and DIR/summary.csv of a sweep directory from its "
      "runs and prints the table.",
      {{"metric", "PREFIX", "print only metrics at or under PREFIX (e.g. relay.latency)", true}},
      1,
      1};
  return spec;
}

std::string ShellQuote(const std::string& s) {
  if (!s.empty() &&
      s.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/=:,+%") ==
          std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Reads the scenario once for its digest and name, and validates every point's overrides, so a
// bad value fails the sweep before any run starts.
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

// Creates DIR, checks that an existing manifest describes the same sweep, writes sweep.json.
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

int SummarizeInto(const std::string& dir, const SweepPlan& plan,
                  const std::vector<std::string>& prefixes, bool print_table, std::FILE* out,
                  std::FILE* err, const char* command) {
  absl::StatusOr<SweepSummary> summary = UpdateSummary(dir, plan);
  if (!summary.ok()) {
    std::fprintf(err, "dsim %s: %s\n", command, std::string(summary.status().message()).c_str());
    return absl::IsUnavailable(summary.status()) ? sim::kExitIo : sim::kExitUsage;
  }
  if (print_table) {
    std::fputs(SummaryTable(*summary, prefixes).c_str(), out);
    std::fprintf(out, "summary: %s/summary.json, %s/summary.csv\n", dir.c_str(), dir.c_str());
  }
  return sim::kExitOk;
}

}  // namespace

std::optional<ParsedArgs> ParseCommandArgs(const ArgSpec& spec,
                                           const std::vector<std::string>& args, std::FILE* out,
                                           std::FILE* err, int* code) {
  absl::StatusOr<ParsedArgs> parsed = sim::ParseArgs(spec, args);
  if (!parsed.ok()) {
    std::fprintf(err, "dsim %s: %s\n\n%s", spec.command.c_str(),
                 std::string(parsed.status().message()).c_str(), sim::Usage(spec).c_str());
    *code = sim::kExitUsage;
    return std::nullopt;
  }
  if (parsed->help) {
    std::fputs(sim::Usage(spec).c_str(), out);
    *code = sim::kExitOk;
    return std::nullopt;
  }
  return std::move(*parsed);
}

int SweepCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = 0;
  std::optional<ParsedArgs> a = ParseCommandArgs(SweepSpec(), args, out, err, &code);
  if (!a) return code;
  auto usage_error = [&](const std::string& msg) {
    std::fprintf(err, "dsim sweep: %s\n", msg.c_str());
    return sim::kExitUsage;
  };
  if (!a->Has("seeds")) return usage_error("--seeds A..B is required");
  if (!a->Has("out")) return usage_error("--out DIR is required");
  absl::StatusOr<std::pair<uint64_t, uint64_t>> seeds = ParseSeedRange(*a->Get("seeds"));
  if (!seeds.ok()) return usage_error(std::string(seeds.status().message()));
  size_t jobs = AvailableCpus();
  if (std::optional<std::string> j = a->Get("jobs")) {
    if (!absl::SimpleAtoi(*j, &jobs) || jobs < 1 || jobs > kMaxJobs) {
      return usage_error(
          absl::StrCat("--jobs ", *j, ": expected an integer in [1, ", kMaxJobs, "]"));
    }
  }
  absl::StatusOr<SweepPlan> plan = BuildPlan(a->GetAll("set"), seeds->first, seeds->second);
  if (!plan.ok()) return usage_error(std::string(plan.status().message()));
  if (std::optional<std::string> s = a->Get("shard")) {
    absl::StatusOr<ShardSpec> shard = ParseShard(*s);
    if (!shard.ok()) return usage_error(std::string(shard.status().message()));
    plan->shard = *shard;
  }
  absl::Status st = PrepareScenario(a->positional[0], &*plan);
  if (!st.ok()) return usage_error(std::string(st.message()));
  const std::string dir = *a->Get("out");
  st = PrepareOutDir(dir, *plan);
  if (!st.ok()) {
    std::fprintf(err, "dsim sweep: %s\n", std::string(st.message()).c_str());
    return absl::IsInvalidArgument(st) ? sim::kExitUsage : sim::kExitIo;
  }

  // The runs this invocation owns, in canonical order; completed ones (results.json exists) are
  // not redone.
  std::vector<uint64_t> todo;
  uint64_t owned = 0;
  for (uint64_t i = 0; i < plan->run_count(); ++i) {
    if (!plan->shard.Owns(i)) continue;
    ++owned;
    std::error_code ec;
    if (!std::filesystem::exists(absl::StrCat(dir, "/", plan->RunDir(i), "/results.json"), ec))
      todo.push_back(i);
  }
  const bool quiet = a->Has("quiet");
  // /proc/self/exe is this very binary, whatever PATH or the current directory say.
  const std::string program = a->Get("dsim").value_or("/proc/self/exe");
  Progress progress(err, ::isatty(::fileno(err)) != 0, !quiet, owned, owned - todo.size());
  ProcessPool pool(jobs);
  absl::btree_map<uint64_t, RunCommandLine> started;     // run index -> command
  absl::btree_map<uint64_t, std::string> failure_lines;  // run index -> description
  uint64_t finished = 0;
  uint64_t failed = 0;
  size_t next = 0;
  while (next < todo.size() || pool.running() > 0) {
    while (next < todo.size() && !pool.full()) {
      const uint64_t index = todo[next++];
      const std::string run_dir = absl::StrCat(dir, "/", plan->RunDir(index));
      // A run without results.json is incomplete: whatever an interrupted attempt left goes.
      std::error_code ec;
      std::filesystem::remove_all(run_dir, ec);
      std::filesystem::create_directories(run_dir, ec);
      if (ec) {
        std::fprintf(err, "dsim sweep: %s: cannot create directory: %s\n", run_dir.c_str(),
                     ec.message().c_str());
        return sim::kExitIo;
      }
      RunCommandLine cmd = MakeRunCommand(*plan, index, run_dir, program);
      st = pool.Start(index, ChildSpec{cmd.argv, "", ""});
      if (!st.ok()) {
        std::fprintf(err, "dsim sweep: %s\n", std::string(st.message()).c_str());
        return sim::kExitIo;
      }
      started.emplace(index, std::move(cmd));
    }
    progress.Update(finished, failed, pool.running());
    for (const Finished& f : pool.Wait(/*timeout_ms=*/500)) {
      ++finished;
      const std::string run_dir = absl::StrCat(dir, "/", plan->RunDir(f.tag));
      std::error_code ec;
      const bool has_results = std::filesystem::exists(absl::StrCat(run_dir, "/results.json"), ec);
      // A run that did not converge under metrics.require_convergence exits 5 but is complete:
      // its results.json records convergence.time as null, which the summary counts.
      const bool not_converged = f.exit.signal == 0 && f.exit.exit_code == sim::kExitNotConverged;
      auto it = started.find(f.tag);
      DSIM_CHECK(it != started.end());
      if (!(f.exit.ok() || not_converged) || !has_results) {
        ++failed;
        Finished record = f;
        if (f.exit.ok())
          record.stderr_text += "dsim sweep: the run exited with 0 but wrote no results.json\n";
        st = WriteFailure(run_dir, *plan, f.tag, record, it->second.display);
        if (!st.ok()) {
          std::fprintf(err, "dsim sweep: %s\n", std::string(st.message()).c_str());
          return sim::kExitIo;
        }
        failure_lines.emplace(
            f.tag,
            absl::StrCat("  ", plan->RunDir(f.tag), ": ", record.exit.Describe(), ": ",
                         FirstLine(record.stderr_text), "\n    reproduce: ", it->second.display));
      }
      started.erase(it);
    }
  }
  progress.Update(finished, failed, 0);
  progress.Finish();
  code = SummarizeInto(dir, *plan, a->GetAll("metric"), !quiet, out, err, "sweep");
  if (code != sim::kExitOk) return code;
  if (!failure_lines.empty()) {
    std::fprintf(err,
                 "dsim sweep: %zu of %zu runs failed (recorded in %s in each run directory):\n",
                 failure_lines.size(), todo.size(), kFailureFile);
    for (const auto& [index, line] : failure_lines) std::fprintf(err, "%s\n", line.c_str());
    return sim::kExitRunFailed;
  }
  return sim::kExitOk;
}

int SummarizeCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  int code = 0;
  std::optional<ParsedArgs> a = ParseCommandArgs(SummarizeSpec(), args, out, err, &code);
  if (!a) return code;
  const std::string& dir = a->positional[0];
  absl::StatusOr<SweepPlan> plan = LoadPlan(dir);
  if (!plan.ok()) {
    std::fprintf(err, "dsim summarize: %s\n", std::string(plan.status().message()).c_str());
    return sim::kExitUsage;
  }
  return SummarizeInto(dir, *plan, a->GetAll("metric"), true, out, err, "summarize");
}

}  // namespace dsim::analysis
