// Every metric a run writes into results.json is documented in README.md ("Metrics"): each
// path must match a backquoted pattern of the README's metric tables, where `{a,b}` stands for
// alternatives, `<name>` for one path segment, and a trailing `*` for any rest of the path.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
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

// The backquoted first-column entries of the README's metric tables.
std::vector<std::regex> DocumentedPatterns() {
  const std::string readme = ReadReadme();
  const size_t begin = readme.find("## Metrics");
  const size_t end = readme.find("\n## ", begin + 1);
  EXPECT_NE(begin, std::string::npos);
  std::vector<std::regex> out;
  std::istringstream lines(readme.substr(begin, end - begin));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string first = line.substr(2, line.find(" |", 2) - 2);
    for (size_t a = first.find('`'); a != std::string::npos; a = first.find('`', a + 1)) {
      const size_t b = first.find('`', a + 1);
      out.push_back(PatternToRegex(first.substr(a + 1, b - a - 1)));
      a = b;
    }
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
  for (const char* name : {"quickstart", "relay-quickstart"}) {
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

}  // namespace
}  // namespace dsim::sim
