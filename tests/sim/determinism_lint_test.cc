// A lint kept as a test: nothing in engine/ or sim/ calls libm's transcendental functions
// (log, exp, pow, sin, ...). Their last bit may differ between libm versions and architectures,
// and one bit in a draw, a delay or a size changes a whole run, so every such computation goes
// through engine/det_math.h, which is exact by construction. sqrt, floor, ceil, round and
// llround are allowed: IEEE-754 defines them exactly.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Source lines with their comments and string literals blanked, so prose does not count.
std::vector<std::string> CodeLines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  std::vector<std::string> lines(1);
  bool block = false, line_comment = false, str = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '\n') {
      lines.emplace_back();
      line_comment = false;
      continue;
    }
    if (block) {
      if (c == '*' && next == '/') block = false, ++i;
      continue;
    }
    if (line_comment) continue;
    if (str) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        str = false;
      continue;
    }
    if (c == '/' && next == '/')
      line_comment = true;
    else if (c == '/' && next == '*')
      block = true, ++i;
    else if (c == '"')
      str = true;
    else
      lines.back() += c;
  }
  return lines;
}

const std::regex& LibmCall() {
  // A call: std::name( or ::name(, or a bare name( right after an operator, bracket, comma or
  // `return` (so a variable named `log` declared as `CommitLog log(...)` is not a call).
  const std::string names =
      "(log|log2|log10|log1p|logb|exp|exp2|expm1|pow|cbrt|hypot|sin|cos|tan|asin|acos|atan|"
      "atan2|sinh|cosh|tanh|asinh|acosh|atanh|erf|erfc|lgamma|tgamma)[fl]?";
  static const std::regex call("(std::|[^\\w]::)" + names +
                               "\\s*\\(|([=(,+\\-*/!<>?:&|]|\\breturn)\\s*" + names + "\\s*\\(");
  return call;
}

TEST(DeterminismLint, NoLibmTranscendentalsInEngineOrSim) {
  const std::regex& call = LibmCall();
  const std::regex header("#\\s*include\\s*<(math\\.h|tgmath\\.h)>");
  int files = 0;
  std::vector<std::string> offenders;
  for (const char* dir : {"engine", "sim"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(DSIM_SOURCE_DIR) / dir)) {
      const std::string ext = entry.path().extension().string();
      if (ext != ".cc" && ext != ".h") continue;
      if (entry.path().stem() == "det_math") continue;  // the one place allowed to build them
      ++files;
      std::vector<std::string> lines = CodeLines(entry.path());
      for (size_t i = 0; i < lines.size(); ++i) {
        if (std::regex_search(lines[i], call) || std::regex_search(lines[i], header)) {
          offenders.push_back(entry.path().string() + ":" + std::to_string(i + 1) + ": " +
                              lines[i]);
        }
      }
    }
  }
  EXPECT_GT(files, 50);  // the walk found the sources
  for (const std::string& o : offenders) ADD_FAILURE() << "libm call on a deciding path: " << o;
}

// The lint itself must catch what it is meant to catch.
TEST(DeterminismLint, TheLintSeesACall) {
  const std::filesystem::path tmp = std::filesystem::temp_directory_path() / "dsim_lint_probe.cc";
  {
    std::ofstream out(tmp);
    out << "// std::log(x) in a comment is fine\n"
        << "double f(double x) { return std::log(x); }\n"
        << "CommitLog log(&disk);\n"
        << "double y = exp(x) + ::pow(x, 2);\n";
  }
  std::vector<std::string> lines = CodeLines(tmp);
  std::filesystem::remove(tmp);
  ASSERT_GE(lines.size(), 4u);
  const std::regex& call = LibmCall();
  EXPECT_FALSE(std::regex_search(lines[0], call));
  EXPECT_TRUE(std::regex_search(lines[1], call));
  EXPECT_FALSE(std::regex_search(lines[2], call));
  EXPECT_TRUE(std::regex_search(lines[3], call));
}

}  // namespace
