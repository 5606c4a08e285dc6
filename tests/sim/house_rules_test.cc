// The house rules of the source tree, kept as a test so that they hold as it grows (issue 8):
// dependencies point one way (engine <- sim <- analysis), no two modules include each other
// (a module is x.h with x.cc), and no source file in sim/ or analysis/ passes 500 lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kRoot = DSIM_SOURCE_DIR;

struct SourceFile {
  std::string path;                   // relative to the root: "sim/core/scheduler.h"
  std::vector<std::string> includes;  // project includes that exist: "sim/core/ids.h"
  size_t lines = 0;
};

std::vector<SourceFile> ReadTree() {
  const std::regex include("^\\s*#\\s*include\\s*\"([^\"]+)\"");
  std::vector<SourceFile> files;
  for (const char* dir : {"engine", "sim", "analysis"}) {
    for (const auto& e : fs::recursive_directory_iterator(kRoot / dir)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".h" && ext != ".cc") continue;
      SourceFile f;
      f.path = fs::relative(e.path(), kRoot).string();
      std::ifstream in(e.path());
      std::string line;
      while (std::getline(in, line)) {
        ++f.lines;
        std::smatch m;
        if (std::regex_search(line, m, include) && fs::exists(kRoot / m[1].str())) {
          f.includes.push_back(m[1].str());
        }
      }
      files.push_back(std::move(f));
    }
  }
  return files;
}

// "sim/kv/ring.cc" -> "sim/kv/ring" (the module a file belongs to).
std::string Module(const std::string& path) { return fs::path(path).replace_extension().string(); }

TEST(HouseRules, DependenciesPointOneWay) {
  const std::vector<SourceFile> files = ReadTree();
  ASSERT_GT(files.size(), 100u);
  for (const SourceFile& f : files) {
    for (const std::string& inc : f.includes) {
      if (f.path.rfind("engine/", 0) == 0) {
        EXPECT_EQ(inc.rfind("engine/", 0), 0u) << f.path << " includes " << inc;
      }
      if (f.path.rfind("sim/", 0) == 0) {
        EXPECT_NE(inc.rfind("analysis/", 0), 0u) << f.path << " includes " << inc;
      }
    }
  }
}

using Graph = std::map<std::string, std::set<std::string>>;

// Every cycle a depth-first search closes ("a -> b -> a"); empty when the graph is acyclic.
std::vector<std::string> FindCycles(const Graph& graph) {
  std::map<std::string, int> colour;  // 0 white, 1 grey (on the stack), 2 black
  std::vector<std::string> stack;
  std::vector<std::string> cycles;
  std::function<void(const std::string&)> visit = [&](const std::string& v) {
    colour[v] = 1;
    stack.push_back(v);
    const auto edges = graph.find(v);
    for (const std::string& w : edges == graph.end() ? std::set<std::string>{} : edges->second) {
      if (colour[w] == 1) {
        std::string cycle;
        for (auto it = std::find(stack.begin(), stack.end(), w); it != stack.end(); ++it) {
          cycle += *it + " -> ";
        }
        cycles.push_back(cycle + w);
      } else if (colour[w] == 0) {
        visit(w);
      }
    }
    stack.pop_back();
    colour[v] = 2;
  };
  for (const auto& [v, edges] : graph) {
    if (colour[v] == 0) visit(v);
  }
  return cycles;
}

TEST(HouseRules, NoModulesIncludeEachOtherInACycle) {
  Graph graph;
  for (const SourceFile& f : ReadTree()) {
    std::set<std::string>& out = graph[Module(f.path)];
    for (const std::string& inc : f.includes) {
      if (Module(inc) != Module(f.path)) out.insert(Module(inc));
    }
  }
  for (const std::string& c : FindCycles(graph)) ADD_FAILURE() << "include cycle: " << c;
}

// The checks themselves: a module is x.h with x.cc, and the finder sees a cycle through one.
TEST(HouseRules, TheCycleFinderSeesModuleCycles) {
  EXPECT_EQ(Module("sim/kv/ring.cc"), Module("sim/kv/ring.h"));
  EXPECT_NE(Module("sim/kv/ring.h"), Module("sim/kv/ring_test.h"));
  EXPECT_TRUE(FindCycles({{"a", {"b"}}, {"b", {"c"}}, {"c", {}}}).empty());
  EXPECT_EQ(FindCycles({{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}}),
            std::vector<std::string>{"a -> b -> c -> a"});
}

TEST(HouseRules, SourceFilesInSimAndAnalysisStayUnder500Lines) {
  for (const SourceFile& f : ReadTree()) {
    if (f.path.rfind("engine/", 0) == 0) continue;
    EXPECT_LE(f.lines, 500u) << f.path << ": split it along its concepts";
  }
}

}  // namespace
