// Loading: scenario text -> parsed TOML -> `--set` overrides -> the key table's readers in
// reading mode -> cross-section checks -> Scenario, or every problem at once.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/scenario/consistency.h"
#include "sim/scenario/key_table.h"
#include "sim/scenario/overrides.h"
#include "sim/scenario/scenario.h"

namespace dsim::sim {
namespace {

using scenario_keys::Context;
using scenario_keys::Section;

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The text as a TOML table, or why it is not a scenario.
absl::StatusOr<toml::table> Parse(std::string_view text, const std::string& name) {
  if (text.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not a text file (NUL byte at offset ",
                                                   text.find('\0'), "); expected a TOML scenario"));
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": the file is empty; expected a TOML scenario (see scenarios/README.md)"));
  }
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ":", e.source().begin.line, ":",
                                                   e.source().begin.column,
                                                   ": TOML syntax error: ", AV(e.description())));
  }
  if (root.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name,
        ": holds no keys (only comments?); expected a TOML scenario (see scenarios/README.md)"));
  }
  return root;
}

absl::StatusOr<Scenario> Load(std::string_view text, std::string_view source_name,
                              const std::vector<std::string>& overrides, bool from_file) {
  const std::string name(source_name);
  absl::StatusOr<toml::table> root = Parse(text, name);
  if (!root.ok()) return root.status();
  for (const std::string& o : overrides) {
    absl::Status st = scenario_keys::ApplyOverride(&*root, o);
    if (!st.ok()) return st;
  }
  Scenario sc;
  Context ctx;
  Section top(&ctx, &*root, "");
  scenario_keys::ReadScenario(top, &sc);
  top.Finish();
  scenario_keys::CheckConsistency(top, sc);
  scenario_keys::CheckWorkloadSpecificKeys(&ctx, *root, sc);
  if (!ctx.errors().empty()) {
    std::string msg = absl::StrJoin(ctx.errors(), "\n");
    if (ctx.suppressed() > 0)
      absl::StrAppend(&msg, "\n(", ctx.suppressed(), " more problems not shown)");
    return absl::InvalidArgumentError(msg);
  }
  if (sc.name.empty()) {
    sc.name = from_file ? std::filesystem::path(name).stem().string() : name;
  }
  return sc;
}

}  // namespace

absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path,
                                          const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, expected a TOML scenario file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  std::stringstream buf;
  buf << in.rdbuf();
  return Load(buf.str(), path, overrides, /*from_file=*/true);
}

absl::StatusOr<Scenario> LoadScenarioText(std::string_view text, std::string_view source_name,
                                          const std::vector<std::string>& overrides) {
  return Load(text, source_name, overrides, /*from_file=*/false);
}

}  // namespace dsim::sim
