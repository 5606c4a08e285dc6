#include "analysis/cli/args.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dsim::cli {
namespace {

size_t Distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

absl::StatusOr<size_t> CountFlag(const ParsedArgs& args, const std::string& flag, size_t fallback,
                                 size_t max) {
  std::optional<std::string> text = args.Get(flag);
  if (!text) return fallback;
  size_t v = 0;
  if (!absl::SimpleAtoi(*text, &v) || v < 1 || v > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", *text, ": expected an integer in [1, ", max, "]"));
  }
  return v;
}

absl::StatusOr<std::vector<std::string>> ScenarioOverrides(const ParsedArgs& args) {
  std::vector<std::string> overrides = args.GetAll("set");
  if (std::optional<std::string> seed = args.Get("seed")) {
    uint64_t v = 0;
    if (!absl::SimpleAtoi(*seed, &v) || v > static_cast<uint64_t>(INT64_MAX)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--seed: expected a non-negative integer, got '", *seed, "'"));
    }
    overrides.push_back(absl::StrCat("simulation.seed=", v));
  }
  return overrides;
}

std::optional<std::string> ParsedArgs::Get(const std::string& flag) const {
  auto it = values.find(flag);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(const std::string& flag) const {
  auto it = values.find(flag);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<ParsedArgs> ParseArgs(const ArgSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs out;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positional || a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '", a, "' (options start with --)"));
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* flag = nullptr;
    for (const FlagSpec& f : spec.flags)
      if (f.name == name) flag = &f;
    if (flag == nullptr) {
      std::string hint;
      size_t best = 3;
      for (const FlagSpec& f : spec.flags) {
        size_t d = Distance(name, f.name);
        if (d < best) {
          best = d;
          hint = absl::StrCat(" (did you mean --", f.name, "?)");
        }
      }
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option --", name, " for 'dsim ", spec.command, "'", hint));
    }
    if (flag->value_name.empty()) {
      if (value) return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      value = "true";
    } else if (!value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value (", flag->value_name, ")"));
      }
      value = args[++i];
    }
    std::vector<std::string>& slot = out.values[name];
    if (!slot.empty() && !flag->repeatable) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " given more than once"));
    }
    slot.push_back(*value);
  }
  if (out.help) return out;
  if (out.positional.size() < spec.min_positional) {
    return absl::InvalidArgumentError(absl::StrCat("missing ", spec.positional, " argument"));
  }
  if (out.positional.size() > spec.max_positional) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", out.positional[spec.max_positional], "'"));
  }
  return out;
}

std::string Usage(const ArgSpec& spec) {
  std::string out = absl::StrCat("usage: dsim ", spec.command, spec.positional.empty() ? "" : " ",
                                 spec.positional, spec.flags.empty() ? "" : " [options]", "\n\n",
                                 spec.summary, "\n");
  if (!spec.flags.empty()) out += "\noptions:\n";
  for (const FlagSpec& f : spec.flags) {
    std::string left = absl::StrCat("--", f.name, f.value_name.empty() ? "" : " ", f.value_name);
    absl::StrAppendFormat(&out, "  %-26s %s%s\n", left, f.help,
                          f.repeatable ? " (repeatable)" : "");
  }
  absl::StrAppendFormat(&out, "  %-26s %s\n", "-h, --help", "show this help");
  return out;
}

int CommandError::operator()(int code, absl::string_view message) const {
  std::fprintf(err, "dsim %s: %.*s\n", command, static_cast<int>(message.size()), message.data());
  return code;
}

std::optional<ParsedArgs> ParseCommandArgs(const ArgSpec& spec,
                                           const std::vector<std::string>& args, std::FILE* out,
                                           std::FILE* err, int* code) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(spec, args);
  if (!parsed.ok()) {
    std::fprintf(err, "dsim %s: %s\n\n%s", spec.command.c_str(),
                 std::string(parsed.status().message()).c_str(), Usage(spec).c_str());
    *code = kExitUsage;
    return std::nullopt;
  }
  if (parsed->help) {
    std::fputs(Usage(spec).c_str(), out);
    *code = kExitOk;
    return std::nullopt;
  }
  return std::move(*parsed);
}

}  // namespace dsim::cli
