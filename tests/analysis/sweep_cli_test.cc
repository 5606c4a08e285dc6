// End-to-end tests of `dsim sweep` and `dsim merge`: parallel runs, progress, statistics checked
// against an independent computation from the per-run files, resume after a kill, failure
// records, and sharded + merged == unsharded, byte for byte.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "analysis/stats.h"
#include "tests/analysis/test_util.h"

namespace dsim::analysis::test {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

std::vector<std::string> SweepArgs(const std::string& seeds, const std::string& deliveries,
                                   const std::string& out) {
  return {"sweep",   kRelayQuickstart,
          "--seeds", seeds,
          "--set",   "workload.relay.deliveries=" + deliveries,
          "--set",   "network.link.loss=0.01,0.05",
          "--out",   out};
}

std::vector<std::string> With(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::vector<std::string> ResultFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir + "/runs", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename() == "results.json") out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The test's own flattening of results.json metrics (independent of analysis/run_results.cc).
void Flatten(const nlohmann::json& node, const std::string& prefix,
             std::map<std::string, std::optional<double>>* out) {
  if (node.contains("value") && node.contains("unit")) {
    (*out)[prefix] =
        node["value"].is_null() ? std::nullopt : std::optional<double>(node["value"].get<double>());
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it)
    Flatten(*it, prefix.empty() ? it.key() : prefix + "." + it.key(), out);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double h = (v.size() - 1) * p;
  const size_t lo = static_cast<size_t>(h);
  return lo + 1 < v.size() ? v[lo] + (h - lo) * (v[lo + 1] - v[lo]) : v[lo];
}

void ExpectClose(const nlohmann::json& got, double want, const std::string& what) {
  ASSERT_TRUE(got.is_number()) << what << " is " << got.dump();
  const double g = got.get<double>();
  EXPECT_LE(std::fabs(g - want), 1e-12 * std::max({1.0, std::fabs(g), std::fabs(want)}))
      << what << ": " << g << " vs " << want;
}

// Every statistic of every metric of every point in DIR/summary.json, recomputed here from the
// per-run results.json files (seeds 1..seeds): null values (runs that never converged) are
// counted as nulls and left out of the statistics, never averaged as zeros.
}  // namespace

void ExpectSummaryMatchesRunFiles(const std::string& full, int seeds) {
  const nlohmann::json summary = nlohmann::json::parse(Slurp(full + "/summary.json"));
  for (const nlohmann::json& point : summary["points"]) {
    const std::string name = point["name"];
    EXPECT_EQ(point["runs"]["completed"], seeds);
    std::map<std::string, std::vector<double>> values;
    std::map<std::string, int> nulls;
    for (int seed = 1; seed <= seeds; ++seed) {
      const nlohmann::json run = nlohmann::json::parse(
          Slurp(full + "/runs/" + name + "/seed-" + std::to_string(seed) + "/results.json"));
      EXPECT_EQ(run["seed"], seed);
      std::map<std::string, std::optional<double>> flat;
      Flatten(run["metrics"], "", &flat);
      for (const auto& [path, v] : flat) {
        values[path];  // every metric appears, even when all its values are null
        if (v.has_value()) {
          values[path].push_back(*v);
        } else {
          ++nulls[path];
        }
      }
    }
    ASSERT_EQ(point["metrics"].size(), values.size()) << name;
    for (const auto& [path, v] : values) {
      SCOPED_TRACE(name + " " + path);
      const nlohmann::json& m = point["metrics"][path];
      EXPECT_EQ(m["count"], v.size());
      EXPECT_EQ(m["nulls"], nulls[path]);
      if (v.empty()) {
        EXPECT_TRUE(m["mean"].is_null());
        continue;
      }
      const double n = static_cast<double>(v.size());
      double sum = 0;
      for (double x : v) sum += x;
      const double mean = sum / n;
      ExpectClose(m["mean"], mean, "mean");
      ExpectClose(m["min"], *std::min_element(v.begin(), v.end()), "min");
      ExpectClose(m["max"], *std::max_element(v.begin(), v.end()), "max");
      ExpectClose(m["p50"], Percentile(v, 0.5), "p50");
      ExpectClose(m["p95"], Percentile(v, 0.95), "p95");
      if (v.size() < 2) {
        EXPECT_TRUE(m["stddev"].is_null());
        continue;
      }
      double sq = 0;
      for (double x : v) sq += (x - mean) * (x - mean);
      const double sd = std::sqrt(sq / (n - 1));
      ExpectClose(m["stddev"], sd, "stddev");
      // The t quantile itself is checked against published tables in stats_test.cc.
      const double t = StudentTQuantile(0.975, static_cast<double>(v.size() - 1));
      ExpectClose(m["ci95_low"], mean - t * sd / std::sqrt(n), "ci95_low");
      ExpectClose(m["ci95_high"], mean + t * sd / std::sqrt(n), "ci95_high");
    }
  }
}

namespace {

TEST(SweepCommand, ParallelSweepMatchesIndependentStatisticsAndShardsMergeByteIdentical) {
  TestDir tmp("sweep");
  const std::string& dir = tmp.path();
  const std::string full = dir + "/full";
  CommandResult r =
      Dsim(With(SweepArgs("1..20", "2000", full), {"--jobs", "4", "--all-metrics"}), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("sweep: 40 runs, 0 already complete, 40 to run"));
  EXPECT_THAT(r.err, HasSubstr("sweep: 40/40 runs"));
  EXPECT_THAT(r.err, ContainsRegex("[2-4] running"));  // progress shows runs in parallel
  EXPECT_THAT(r.out, HasSubstr("== network.link.loss=0.05: 20 of 20 runs completed"));
  EXPECT_THAT(r.out, ContainsRegex("relay.latency.mean +s +20 +0 "));
  ASSERT_EQ(ResultFiles(full).size(), 40u);

  ExpectSummaryMatchesRunFiles(full, 20);

  const nlohmann::json summary = nlohmann::json::parse(Slurp(full + "/summary.json"));
  ASSERT_EQ(summary["points"].size(), 2u);
  // Loss raises drops: the two points really differ.
  EXPECT_LT(
      summary["points"][0]["metrics"]["network.relay.dropped_loss.messages"]["mean"].get<double>(),
      summary["points"][1]["metrics"]["network.relay.dropped_loss.messages"]["mean"].get<double>());

  // Three shards, each with its share of the runs, merged: the same bytes as the single sweep.
  std::vector<std::string> merge_args = {"merge"};
  size_t shard_runs = 0;
  for (int i = 0; i < 3; ++i) {
    const std::string out = dir + "/shard-" + std::to_string(i);
    CommandResult s = Dsim(
        With(SweepArgs("1..20", "2000", out), {"--shard", std::to_string(i) + "/3", "--quiet"}),
        dir);
    ASSERT_EQ(s.exit_code, 0) << s.err;
    EXPECT_EQ(ResultFiles(out).size(), i == 0 ? 14u : 13u);
    shard_runs += ResultFiles(out).size();
    merge_args.push_back(out);
  }
  EXPECT_EQ(shard_runs, 40u);
  merge_args.insert(merge_args.end(), {"--out", dir + "/merged"});
  CommandResult m = Dsim(merge_args, dir);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_THAT(m.out, HasSubstr("40 of 40 runs complete, 0 failed, 0 missing"));
  EXPECT_EQ(Slurp(dir + "/merged/summary.json"), Slurp(full + "/summary.json"));
  EXPECT_EQ(Slurp(dir + "/merged/summary.csv"), Slurp(full + "/summary.csv"));
  EXPECT_EQ(Slurp(dir + "/merged/sweep.json"), Slurp(full + "/sweep.json"));
  EXPECT_EQ(ResultFiles(dir + "/merged").size(), 40u);

  // A merge with a shard missing says so.
  CommandResult partial = Dsim(
      {"merge", dir + "/shard-0", dir + "/shard-1", "--out", dir + "/partial", "--quiet"}, dir);
  EXPECT_EQ(partial.exit_code, 2);
  EXPECT_THAT(partial.err, HasSubstr("13 runs are in none of the inputs"));
}

struct FileId {
  ino_t inode;
  int64_t mtime_ns;
  bool operator==(const FileId& o) const { return inode == o.inode && mtime_ns == o.mtime_ns; }
};

FileId Id(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return {st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

TEST(SweepCommand, ResumesAfterBeingKilledAndRedoesOnlyIncompleteRuns) {
  TestDir tmp("resume");
  const std::string& dir = tmp.path();
  const std::string out = dir + "/sweep";
  const std::vector<std::string> args = With(SweepArgs("1..20", "20000", out), {"--jobs", "2"});

  // Start the sweep in its own process group and kill the whole group (sweep and runs) with
  // SIGKILL once a few runs are complete: no chance to clean up, as in a real crash.
  std::vector<std::string> argv = {kDsim};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--quiet");
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(120);  // wall-clock ok: test timeout
  int status = 0;
  bool exited = false;
  while (ResultFiles(out).size() < 4 &&
         std::chrono::steady_clock::now() < deadline) {  // wall-clock ok
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(-pid, SIGKILL);
  if (!exited) {
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  }
  ASSERT_TRUE(WIFSIGNALED(status))
      << "the sweep ended before it could be killed, status " << status;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let killed runs vanish
  const std::vector<std::string> done = ResultFiles(out);
  ASSERT_GE(done.size(), 4u);
  ASSERT_LT(done.size(), 40u);
  std::map<std::string, FileId> before;
  for (const std::string& f : done) before[f] = Id(f);

  CommandResult r = Dsim(args, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr("sweep: 40 runs, " + std::to_string(done.size()) + " already complete, " +
                        std::to_string(40 - done.size()) + " to run"));
  ASSERT_EQ(ResultFiles(out).size(), 40u);
  for (const auto& [f, id] : before) EXPECT_TRUE(Id(f) == id) << f << " was redone";
  for (auto it = fs::recursive_directory_iterator(out); it != fs::recursive_directory_iterator();
       ++it) {
    EXPECT_EQ(it->path().filename().string().find(".tmp."), std::string::npos) << it->path();
  }
  const nlohmann::json summary = nlohmann::json::parse(Slurp(out + "/summary.json"));
  for (const nlohmann::json& p : summary["points"]) EXPECT_EQ(p["runs"]["completed"], 20);

  // Lose three runs: exactly those are redone, with the same bytes, and the summary is unchanged.
  const std::string summary_bytes = Slurp(out + "/summary.json");
  const std::vector<std::string> all = ResultFiles(out);
  std::map<std::string, std::string> lost;
  for (size_t i : {size_t{3}, size_t{17}, size_t{31}}) {
    lost[all[i]] = Slurp(all[i]);
    fs::remove(all[i]);
  }
  std::map<std::string, FileId> kept;
  for (const std::string& f : ResultFiles(out)) kept[f] = Id(f);
  r = Dsim(args, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("sweep: 40 runs, 37 already complete, 3 to run"));
  for (const auto& [f, bytes] : lost) EXPECT_EQ(Slurp(f), bytes) << f;
  for (const auto& [f, id] : kept) EXPECT_TRUE(Id(f) == id) << f << " was redone";
  EXPECT_EQ(Slurp(out + "/summary.json"), summary_bytes);

  // Resuming with other arguments is refused.
  CommandResult other = Dsim(With(SweepArgs("1..21", "20000", out), {"--quiet"}), dir);
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_THAT(other.err, HasSubstr("describes a different sweep"));
}

TEST(SweepCommand, RecordsAFailingRunAndCarriesOn) {
  TestDir tmp("failing");
  const std::string& dir = tmp.path();
  const std::string out = dir + "/sweep";
  // A stand-in for dsim that refuses seed 3 and runs the real binary otherwise.
  const std::string fake = dir + "/fake-dsim";
  {
    std::ofstream f(fake);
    f << "#!/bin/sh\nprev=\nfor a in \"$@\"; do\n"
      << "  if [ \"$prev\" = \"--seed\" ] && [ \"$a\" = \"3\" ]; then echo \"boom: seed 3 "
         "refused\" >&2; exit 4; fi\n"
      << "  prev=$a\ndone\nexec '" << kDsim << "' \"$@\"\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
  const std::vector<std::string> args = {"sweep",   kRelayQuickstart,
                                         "--seeds", "1..5",
                                         "--set",   "workload.relay.deliveries=2000",
                                         "--out",   out};
  CommandResult r = Dsim(With(args, {"--dsim", fake}), dir);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("1 of 5 runs failed"));
  EXPECT_THAT(r.err, HasSubstr("runs/default/seed-3: exit code 4: boom: seed 3 refused"));
  EXPECT_THAT(r.err, HasSubstr("reproduce: dsim run "));
  EXPECT_EQ(ResultFiles(out).size(), 4u);
  const nlohmann::json failure =
      nlohmann::json::parse(Slurp(out + "/runs/default/seed-3/failure.json"));
  EXPECT_EQ(failure["exit_code"], 4);
  EXPECT_EQ(failure["seed"], 3);
  EXPECT_THAT(failure["stderr"].get<std::string>(), HasSubstr("boom"));
  EXPECT_THAT(failure["command"].get<std::string>(), HasSubstr("--seed 3"));
  nlohmann::json summary = nlohmann::json::parse(Slurp(out + "/summary.json"));
  const nlohmann::json& p = summary["points"][0];
  EXPECT_EQ(p["runs"],
            (nlohmann::json{{"planned", 5}, {"completed", 4}, {"failed", 1}, {"missing", 0}}));
  EXPECT_EQ(p["failures"][0]["seed"], 3);
  EXPECT_EQ(p["metrics"]["relay.latency.mean"]["count"], 4);

  // The failed run is incomplete, so a resume with the real dsim runs it (and only it).
  r = Dsim(args, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("5 runs, 4 already complete, 1 to run"));
  EXPECT_FALSE(fs::exists(out + "/runs/default/seed-3/failure.json"));
  summary = nlohmann::json::parse(Slurp(out + "/summary.json"));
  EXPECT_EQ(summary["points"][0]["runs"]["completed"], 5);
}

TEST(SweepCommand, ARunThatDidNotConvergeIsCompleteNotFailed) {
  TestDir tmp("not_converged");
  const std::string& dir = tmp.path();
  const std::string out = dir + "/sweep";
  // dsim run exits 5 when metrics.require_convergence is set and the run did not converge; it
  // still writes results.json. A stand-in does that for seed 2.
  const std::string fake = dir + "/fake-dsim";
  {
    std::ofstream f(fake);
    f << "#!/bin/sh\n'" << kDsim << "' \"$@\" || exit $?\nprev=\nfor a in \"$@\"; do\n"
      << "  if [ \"$prev\" = \"--seed\" ] && [ \"$a\" = \"2\" ]; then exit 5; fi\n  "
         "prev=$a\ndone\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
  CommandResult r = Dsim({"sweep", kRelayQuickstart, "--seeds", "1..3", "--set",
                          "workload.relay.deliveries=2000", "--dsim", fake, "--out", out},
                         dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(out + "/runs/default/seed-2/failure.json"));
  const nlohmann::json summary = nlohmann::json::parse(Slurp(out + "/summary.json"));
  EXPECT_EQ(summary["points"][0]["runs"]["completed"], 3);
  EXPECT_EQ(summary["points"][0]["runs"]["failed"], 0);
}

TEST(SweepCommand, RejectsBadArgumentsBeforeRunningAnything) {
  TestDir tmp("badargs");
  const std::string& dir = tmp.path();
  CommandResult r = Dsim({"sweep", kRelayQuickstart, "--seeds", "1..3", "--set",
                          "network.link.loss=0.01,2", "--out", dir + "/s"},
                         dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("network.link.loss=2"));
  EXPECT_FALSE(fs::exists(dir + "/s/runs"));
  EXPECT_EQ(Dsim({"sweep", kRelayQuickstart, "--out", dir + "/s"}, dir).exit_code,
            2);  // no --seeds
  EXPECT_EQ(
      Dsim({"sweep", kRelayQuickstart, "--seeds", "1..2", "--jobs", "0", "--out", dir + "/s"}, dir)
          .exit_code,
      2);
  EXPECT_EQ(
      Dsim({"sweep", kRelayQuickstart, "--seeds", "1..2", "--shard", "3/3", "--out", dir + "/s"},
           dir)
          .exit_code,
      2);
}

}  // namespace
}  // namespace dsim::analysis::test
