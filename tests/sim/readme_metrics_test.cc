// Every metric a run writes into results.json is documented in README.md ("Metrics"): each
// path must match a backquoted pattern of the README's metric tables, where `{a,b}` stands for
// alternatives, `<name>` for one path segment, and a trailing `*` for any rest of the path.
// Every timeseries.csv and nodes.csv column is a backquoted name in the first column of a table
// under "Columns of timeseries.csv and nodes.csv", and every name there is a column of some
// workload.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

std::string ReadReadme() {
  std::ifstream in(DSIM_SOURCE_DIR "/README.md");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// `a.{b,c}.<x>.d*` -> ^a\.(b|c)\.[^.]+\.d.*$
std::regex PatternToRegex(const std::string& pattern) {
  std::string re = "^";
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '{') {
      re += '(';
    } else if (c == '}') {
      re += ')';
    } else if (c == ',') {
      re += '|';
    } else if (c == '.') {
      re += "\\.";
    } else if (c == '*') {
      re += ".*";
    } else if (c == '<') {
      re += "[^.]+";
      i = pattern.find('>', i);
    } else {
      re += c;
    }
  }
  return std::regex(re + "$");
}

constexpr char kColumnsHeading[] = "\n### Columns of timeseries.csv and nodes.csv";

// The backquoted first-column entries of the tables in README.md between `begin` and the next
// `end` heading.
std::vector<std::string> FirstColumnNames(const std::string& begin, const std::string& end) {
  const std::string readme = ReadReadme();
  const size_t from = readme.find(begin);
  EXPECT_NE(from, std::string::npos) << begin;
  const size_t to = readme.find(end, from + 1);
  std::vector<std::string> out;
  std::istringstream lines(readme.substr(from, to - from));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string first = line.substr(2, line.find(" |", 2) - 2);
    for (size_t a = first.find('`'); a != std::string::npos; a = first.find('`', a + 1)) {
      const size_t b = first.find('`', a + 1);
      out.push_back(first.substr(a + 1, b - a - 1));
      a = b;
    }
  }
  return out;
}

// The metric tables' patterns ("## Metrics" up to the time-series columns).
std::vector<std::regex> DocumentedPatterns() {
  std::vector<std::regex> out;
  for (const std::string& p : FirstColumnNames("\n## Metrics", kColumnsHeading)) {
    out.push_back(PatternToRegex(p));
  }
  return out;
}

void Flatten(const nlohmann::json& node, const std::string& prefix, std::vector<std::string>* out) {
  if (node.contains("unit") && node.contains("value")) {
    out->push_back(prefix);
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    Flatten(*it, prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  }
}

TEST(ReadmeMetricsTest, EveryMetricOfEveryWorkloadIsDocumented) {
  const std::vector<std::regex> patterns = DocumentedPatterns();
  ASSERT_GT(patterns.size(), 20u);
  for (const char* name : {"quickstart", "relay-quickstart", "one-way-partition-phi"}) {
    const RunOutput out = testing::RunOk(testing::LoadShipped(name));
    std::vector<std::string> paths;
    Flatten(out.metrics.json(), "", &paths);
    ASSERT_GT(paths.size(), 10u);
    for (const std::string& path : paths) {
      bool documented = false;
      for (const std::regex& re : patterns) documented = documented || std::regex_match(path, re);
      EXPECT_TRUE(documented) << name << ": metric " << path << " is not in README.md's Metrics";
    }
  }
}

TEST(ReadmeMetricsTest, EveryTimeseriesAndNodeColumnIsDocumentedAndNoOther) {
  const std::vector<std::string> names = FirstColumnNames(kColumnsHeading, "\n## ");
  const std::set<std::string> documented(names.begin(), names.end());
  ASSERT_GT(documented.size(), 10u);
  std::set<std::string> seen;
  for (const char* name : {"quickstart", "relay-quickstart", "one-way-partition-phi"}) {
    const RunOutput out = testing::RunOk(testing::LoadShipped(name));
    std::vector<std::string> columns = out.timeseries.columns();
    columns.insert(columns.begin(), "time_s");                  // written first by sim/results
    if (!out.nodes.columns.empty()) columns.push_back("node");  // nodes.csv's first
    columns.insert(columns.end(), out.nodes.columns.begin(), out.nodes.columns.end());
    for (const std::string& c : columns) {
      seen.insert(c);
      EXPECT_TRUE(documented.contains(c))
          << name << ": timeseries column " << c << " is not in README.md's column tables";
    }
  }
  for (const std::string& d : documented) {
    EXPECT_TRUE(seen.contains(d)) << "README.md documents a column no run writes: " << d;
  }
}

}  // namespace
}  // namespace dsim::sim
