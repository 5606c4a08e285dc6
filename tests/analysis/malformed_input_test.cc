// Issue 11, defect 2: results.json and summary.json files with a field of the wrong type, or
// nested absurdly deep, made `dsim check`, `report`, `merge` and `summarize` abort (an uncaught
// nlohmann exception, exit 134) or overflow the stack (exit 139). Each must now exit 2 with the
// file named, whatever the damage.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/analysis/test_util.h"

namespace dsim::analysis::test {
namespace {

namespace fs = std::filesystem;

void Rewrite(const std::string& path, const std::function<void(nlohmann::json*)>& edit) {
  nlohmann::json j = nlohmann::json::parse(Slurp(path));
  edit(&j);
  std::ofstream(path) << j.dump(1);
}

// Metrics nested `depth` levels deep, written as text (building it as a json value would
// recurse in nlohmann's own destructor).
std::string DeeplyNested(size_t depth) {
  std::string text = "{\"dsim_version\": \"0.1.0\", \"seed\": 1, \"scenario\": {}, \"metrics\": ";
  for (size_t i = 0; i < depth; ++i) text += "{\"a\": ";
  text += "{\"value\": 1, \"unit\": \"count\"}";
  for (size_t i = 0; i < depth; ++i) text += "}";
  return text + "}";
}

struct Damage {
  std::string name;
  std::function<void(nlohmann::json*)> edit;
};

const std::vector<Damage>& ResultsDamages() {
  static const std::vector<Damage> kDamages = {
      {"version_is_a_number", [](nlohmann::json* j) { (*j)["dsim_version"] = 1; }},
      {"simulation_is_a_number", [](nlohmann::json* j) { (*j)["scenario"]["simulation"] = 5; }},
      {"scenario_is_a_string", [](nlohmann::json* j) { (*j)["scenario"] = "x"; }},
      {"name_is_an_array", [](nlohmann::json* j) { (*j)["scenario"]["simulation"]["name"] = {1}; }},
      {"trace_hash_is_an_object",
       [](nlohmann::json* j) {
         (*j)["trace_hash"] = {{"a", 1}};
       }},
      {"seed_is_negative", [](nlohmann::json* j) { (*j)["seed"] = -1; }},
      {"metric_leaf_is_a_string",
       [](nlohmann::json* j) { (*j)["metrics"]["relay"]["sent"]["value"] = "many"; }},
      {"faults_applied_is_a_number", [](nlohmann::json* j) { (*j)["faults_applied"] = 3; }},
  };
  return kDamages;
}

class MalformedInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TestDir("malformed");
    const std::string d = dir_->path();
    ASSERT_EQ(Dsim({"run", kRelayQuickstart, "--quiet", "--out", d + "/run"}, d).exit_code, 0);
    ASSERT_EQ(Dsim({"check", d + "/run", "--write-baseline", d + "/baseline.toml", "--metric",
                    "relay.sent"},
                   d)
                  .exit_code,
              0);
    ASSERT_EQ(
        Dsim({"sweep", kRelayQuickstart, "--seeds", "1..2", "--quiet", "--out", d + "/sweep"}, d)
            .exit_code,
        0);
  }
  static void TearDownTestSuite() { delete dir_; }

  // A copy of the clean run or sweep directory to damage.
  std::string Copy(const std::string& what, const std::string& as) {
    const std::string to = dir_->path() + "/" + as;
    fs::remove_all(to);
    fs::copy(dir_->path() + "/" + what, to, fs::copy_options::recursive);
    return to;
  }

  // Every command that reads `target` exits 2 and names `file`.
  void ExpectCleanRefusal(const std::vector<std::vector<std::string>>& commands,
                          const std::string& file) {
    for (const std::vector<std::string>& args : commands) {
      CommandResult r = Dsim(args, dir_->path());
      EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
      EXPECT_NE(r.err.find(file), std::string::npos) << args[0] << ": " << r.err;
    }
  }

  static TestDir* dir_;
};

TestDir* MalformedInput::dir_ = nullptr;

TEST_F(MalformedInput, ResultsFileWithWrongTypesIsAnErrorNamingTheFile) {
  for (const Damage& d : ResultsDamages()) {
    SCOPED_TRACE(d.name);
    const std::string run = Copy("run", "run_" + d.name);
    Rewrite(run + "/results.json", d.edit);
    ExpectCleanRefusal({{"check", run, "--baseline", dir_->path() + "/baseline.toml"},
                        {"report", run, "--out", run + "_report"}},
                       run + "/results.json");
  }
}

TEST_F(MalformedInput, DeeplyNestedResultsAreRefusedNotAStackOverflow) {
  const std::string run = Copy("run", "run_deep");
  std::ofstream(run + "/results.json") << DeeplyNested(200'000);
  ExpectCleanRefusal({{"check", run, "--baseline", dir_->path() + "/baseline.toml"},
                      {"report", run, "--out", run + "_report"}},
                     run + "/results.json");
}

TEST_F(MalformedInput, SweepFilesWithWrongTypesAreErrorsNamingTheFile) {
  const std::vector<Damage> damages = {
      {"format_is_a_number", [](nlohmann::json* j) { (*j)["format"] = 7; }},
      {"versions_is_a_number", [](nlohmann::json* j) { (*j)["dsim_versions"] = 1; }},
      {"seeds_is_a_string", [](nlohmann::json* j) { (*j)["seeds"] = "1..2"; }},
      {"points_is_an_object",
       [](nlohmann::json* j) {
         (*j)["points"] = {{"a", 1}};
       }},
  };
  for (const Damage& d : damages) {
    SCOPED_TRACE(d.name);
    const std::string sweep = Copy("sweep", "sweep_summary_" + d.name);
    Rewrite(sweep + "/summary.json", d.edit);
    ExpectCleanRefusal({{"check", sweep, "--baseline", dir_->path() + "/baseline.toml"},
                        {"report", sweep, "--out", sweep + "_report"}},
                       sweep + "/summary.json");
    // sweep.json (the manifest) is what summarize and merge read first; it has no
    // dsim_versions (a summary-only field), so that damage would be a harmless extra key there.
    if (d.name == "versions_is_a_number") continue;
    const std::string manifest = Copy("sweep", "sweep_manifest_" + d.name);
    Rewrite(manifest + "/sweep.json", d.edit);
    ExpectCleanRefusal(
        {{"summarize", manifest}, {"merge", manifest, "--out", manifest + "_merged"}},
        manifest + "/sweep.json");
  }
  // A run's results.json inside a sweep, damaged: summarize names it.
  for (const Damage& d : ResultsDamages()) {
    SCOPED_TRACE(d.name);
    const std::string sweep = Copy("sweep", "sweep_run_" + d.name);
    std::string results;
    for (const auto& e : fs::recursive_directory_iterator(sweep)) {
      if (e.path().filename() == "results.json") results = e.path().string();
    }
    ASSERT_FALSE(results.empty());
    Rewrite(results, d.edit);
    CommandResult r = Dsim({"summarize", sweep}, dir_->path());
    EXPECT_NE(r.exit_code, 134) << r.err;
    EXPECT_NE(r.exit_code, 139) << r.err;
  }
}

}  // namespace
}  // namespace dsim::analysis::test
