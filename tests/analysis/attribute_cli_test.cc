// End-to-end tests of `dsim attribute` (the dsim binary as a child process): the acceptance case
// (crash-periodic-commitlog: the five crashes together cause data_loss.cells, the restarts and
// the repair do not), answers known by construction on the quickstart (without the partition
// the divergence is the workload's background; without the repair it never converges),
// byte-identical output across runs and --jobs, and every usage error with its message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "analysis/json_file.h"
#include "tests/analysis/test_util.h"

namespace dsim::analysis::test {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kCrash = DSIM_SOURCE_DIR "/scenarios/crash-periodic-commitlog.toml";

// crash-periodic-commitlog at a fifth of its write rate and keys (793 cells lost instead of
// 3,881; the same structure), so that its 14 runs take a few seconds.
std::vector<std::string> CrashArgs(const std::vector<std::string>& extra) {
  std::vector<std::string> a = {"attribute",
                                kCrash,
                                "--metric",
                                "data_loss.cells",
                                "--quiet",
                                "--set",
                                "workload.kv.keys=3000",
                                "--set",
                                "workload.kv.phases.0.rate=200",
                                "--set",
                                "workload.kv.phases.1.rate=200"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(AttributeCommand, CrashesTogetherCauseTheDataLossRestartsAndRepairDoNot) {
  TestDir tmp("attribute_crash");
  CommandResult r = Dsim(CrashArgs({"--jobs", "2", "--out", tmp.path() + "/out"}), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("baseline, every fault: 793 cells"));
  EXPECT_THAT(r.out, ContainsRegex("every power_loss \\(5\\) with faults\\[5-9\\] \\(restart\\) +"
                                   "faults\\[0-9\\] +0 cells +-793 +100.0 % +clears it"));
  EXPECT_THAT(r.out, HasSubstr("no single fault explains it; together they do: removing every "
                               "power_loss (5) brings data_loss.cells to 0"));
  EXPECT_THAT(r.out, HasSubstr("the units' shares add up to 300 %"));
  absl::StatusOr<nlohmann::json> j = LoadJsonFile(tmp.path() + "/out/attribution.json");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["format"], "dsim-attribution");
  EXPECT_EQ((*j)["baseline"]["value"], 793.0);
  ASSERT_EQ((*j)["units"].size(), 11u);
  for (const nlohmann::json& u : (*j)["units"]) {
    const std::string label = u["label"];
    const size_t fault = u["faults"][0];
    if (fault < 5) {  // a crash: removing it saves the cells that had a replica on its node
      EXPECT_EQ(u["effect"], "better without") << label;
      EXPECT_LT(u["value"].get<double>(), 793.0) << label;
      EXPECT_GT(u["value"].get<double>(), 0.0) << label;
    } else {  // a restart or the repair: not behind the loss
      EXPECT_EQ(u["effect"], "no effect") << label;
      EXPECT_EQ(u["value"], 793.0) << label;
    }
  }
  ASSERT_EQ((*j)["groups"].size(), 2u);
  EXPECT_EQ((*j)["groups"][0]["label"], "every power_loss (5)");
  EXPECT_EQ((*j)["groups"][0]["value"], 0.0);
  EXPECT_EQ((*j)["groups"][1]["effect"], "no effect");
  const std::string csv = Slurp(tmp.path() + "/out/attribution.csv");
  EXPECT_THAT(csv,
              HasSubstr("group,every power_loss (5),0 1 2 3 4,5 6 7 8 9,0,-793,1,clears it\n"));
}

TEST(AttributeCommand, QuickstartPartitionCausesTheDivergenceAndTheRepairEndsIt) {
  TestDir tmp("attribute_quickstart");
  CommandResult area = Dsim(
      {"attribute", kQuickstart, "--metric", "convergence.divergence_area", "--quiet"}, tmp.path());
  ASSERT_EQ(area.exit_code, 0) << area.err;
  // Without the partition only the workload's in-flight replication is divergent: under 1 %.
  EXPECT_THAT(area.out, ContainsRegex("\nsplit +faults\\[0\\] +[0-9.]+ cell\\*s +-[0-9.]+ +"
                                      "99\\.[5-9] % +better without\n"));
  EXPECT_THAT(area.out, ContainsRegex("\nrepair +faults\\[1\\] .* worse without\n"));
  EXPECT_THAT(area.out, HasSubstr("no single fault brings convergence.divergence_area to 0; the "
                                  "largest part: split (99."));

  CommandResult minimum = Dsim(
      {"attribute", kQuickstart, "--metric", "repair.minimum.partitions", "--quiet"}, tmp.path());
  ASSERT_EQ(minimum.exit_code, 0) << minimum.err;
  EXPECT_THAT(minimum.out, ContainsRegex("\nsplit +faults\\[0\\] +0 partitions +-414 "));

  CommandResult time =
      Dsim({"attribute", kQuickstart, "--metric", "convergence.time", "--quiet"}, tmp.path());
  ASSERT_EQ(time.exit_code, 0) << time.err;
  // Sorted first: a null against a number is the largest change there is.
  EXPECT_THAT(time.out, ContainsRegex("-\nrepair +faults\\[1\\] +null \\(never converged\\) +- +- "
                                      "+worse without\nsplit +faults\\[0\\] +0 s .* clears it\n"));
  EXPECT_THAT(time.out, HasSubstr("removing this unit alone brings convergence.time to 0: split"));

  // A repair after the workload's end is the run's last event: without it the run ends at the
  // workload's end (12 s), and the output says that a summed metric then covers another span.
  CommandResult late = Dsim({"attribute", kQuickstart, "--metric", "convergence.divergence_area",
                             "--quiet", "--set", "faults[1].at=15s"},
                            tmp.path());
  ASSERT_EQ(late.exit_code, 0) << late.err;
  EXPECT_THAT(late.out,
              ContainsRegex("these runs ended at another simulated time than the "
                            "baseline \\(15\\.[0-9]+ s\\), so a metric summed over the run "
                            "covers another span: .*repair \\(12 s\\)\n"));
}

// gc-grace-zombie (shrunk as tests/sim/kv_test_util.h does) with its crash of node 2 listed
// twice: without either one the other still takes the node down, so no single fault changes
// the zombies; both crashes together (with the restart) clear them.
TEST(AttributeCommand, SaysWhenOnlyAGroupChangesAnything) {
  TestDir tmp("attribute_duplicate");
  CommandResult r =
      Dsim({"attribute", DSIM_SOURCE_DIR "/scenarios/gc-grace-zombie.toml", "--metric",
            "zombies.cells", "--quiet", "--jobs", "2", "--set", "workload.kv.phases.0.rate=250",
            "--set", "workload.kv.phases.2.rate=25", "--set", "workload.kv.phases.3.rate=40",
            "--set", "storage.memtable_flush_threshold=8KiB", "--set",
            "faults[3]={action = \"crash\", at = \"3s\", node = 2}"},
           tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("\nfaults\\[0\\] crash at 3s node 2 +faults\\[0\\] .* no "
                                   "effect\n"));
  EXPECT_THAT(r.out, ContainsRegex("\nevery crash \\(2\\) with faults\\[1\\] \\(restart\\) .* "
                                   "clears it\n"));
  EXPECT_THAT(r.out, HasSubstr("removing any single fault changes nothing; together they do: "
                               "removing every crash (2) brings zombies.cells to 0"));
}

TEST(AttributeCommand, SameArgumentsSameBytesWhateverTheJobs) {
  TestDir tmp("attribute_determinism");
  const std::string dir = tmp.path();
  auto args = [&](const std::string& jobs, const std::string& out) {
    return std::vector<std::string>{"attribute",    kQuickstart, "--metric", "convergence.time",
                                    "--quiet",      "--jobs",    jobs,       "--out",
                                    dir + "/" + out};
  };
  CommandResult a = Dsim(args("1", "a"), dir);
  CommandResult b = Dsim(args("2", "b"), dir);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const std::string a_table = a.out.substr(0, a.out.find("\nwrote "));
  const std::string b_table = b.out.substr(0, b.out.find("\nwrote "));
  EXPECT_EQ(a_table, b_table);
  EXPECT_EQ(Slurp(dir + "/a/attribution.json"), Slurp(dir + "/b/attribution.json"));
  EXPECT_EQ(Slurp(dir + "/a/attribution.csv"), Slurp(dir + "/b/attribution.csv"));
  EXPECT_EQ(a.err, "");  // --quiet: no progress
}

TEST(AttributeCommand, ProgressGoesToStderr) {
  TestDir tmp("attribute_progress");
  CommandResult r =
      Dsim({"attribute", kQuickstart, "--metric", "convergence.time", "--jobs", "2"}, tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("attribute: units: 2 runs"));
  EXPECT_THAT(r.out, Not(HasSubstr("attribute: units")));
}

void ExpectUsageError(const std::vector<std::string>& args, const std::string& message) {
  TestDir tmp("attribute_errors");
  CommandResult r = Dsim(args, tmp.path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(message));
  EXPECT_EQ(r.out, "");
}

TEST(AttributeCommand, UsageErrorsNameTheProblemAndExitTwo) {
  ExpectUsageError({"attribute", kQuickstart}, "dsim attribute: --metric PATH is required");
  ExpectUsageError({"attribute", "--metric", "data_loss.cells"},
                   "dsim attribute: missing FILE argument");
  ExpectUsageError({"attribute", kQuickstart, "--metrics", "x"},
                   "unknown option --metrics for 'dsim attribute' (did you mean --metric?)");
  ExpectUsageError({"attribute", kQuickstart, "--metric", "data_loss.cells", "--group", "kinds"},
                   "dsim attribute: --group kinds: expected each, kind or name");
  ExpectUsageError({"attribute", kQuickstart, "--metric", "data_loss.cells", "--jobs", "0"},
                   "dsim attribute: --jobs 0: expected an integer in [1, 1024]");
  ExpectUsageError({"attribute", kQuickstart, "--metric", "data_loss.cells", "--seed", "-1"},
                   "dsim attribute: --seed: expected a non-negative integer, got '-1'");
  ExpectUsageError({"attribute", kQuickstart, "--metric", "data_loss.cells", "--set",
                    "cluster.replication_factor=0"},
                   "dsim attribute: invalid scenario:\n");
  ExpectUsageError({"attribute", kQuickstart, "--metric", "data_loss.cell", "--quiet"},
                   "dsim attribute: --metric data_loss.cell: the scenario's run has no metric "
                   "data_loss.cell; did you mean data_loss.cells?");
  ExpectUsageError({"attribute", kQuickstart, "--metric", "data_loss", "--quiet"},
                   "did you mean data_loss.acknowledged_cells, data_loss.cells?");
  ExpectUsageError({"attribute", kQuickstart, "--metric", "no.such.thing.anywhere", "--quiet"},
                   "has no metric no.such.thing.anywhere (dsim run --all-metrics lists them)");
}

TEST(AttributeCommand, ScenarioWithoutFaultsIsAUsageError) {
  TestDir tmp("attribute_no_faults");
  const std::string file = tmp.path() + "/calm.toml";
  std::ofstream(file) << "[simulation]\nduration = \"1s\"\n[workload]\nkind = \"relay\"\n";
  CommandResult r = Dsim({"attribute", file, "--metric", "relay.delivered"}, tmp.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("dsim attribute: " + file +
                               ": the scenario has no faults: nothing to attribute"));
}

TEST(AttributeCommand, HelpDescribesTheUnitsAndTheFlags) {
  TestDir tmp("attribute_help");
  CommandResult r = Dsim({"attribute", "--help"}, tmp.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("usage: dsim attribute FILE [options]"));
  EXPECT_THAT(r.out, HasSubstr("removing a crash also\nremoves the restart or replace"));
  EXPECT_THAT(r.out, HasSubstr("--group each|kind|name"));
  CommandResult h = Dsim({"help", "attribute"}, tmp.path());
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_EQ(h.out, r.out);
}

}  // namespace
}  // namespace dsim::analysis::test
