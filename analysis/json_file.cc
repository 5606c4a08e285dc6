#include "analysis/json_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace dsim::analysis {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::UnavailableError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat(path, ": read failed"));
  return ss.str();
}

bool FileExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

namespace {

// The deepest nesting of arrays and objects in JSON text (brackets inside strings do not
// count). O(n), no recursion, so even a pathological file costs nothing to measure.
size_t NestingDepth(const std::string& text) {
  size_t depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace

absl::StatusOr<nlohmann::json> ParseJson(const std::string& text, const std::string& source) {
  // dsim's own files nest a dozen levels at most; a deeper one is not ours, and the readers
  // (and nlohmann's destructor) recurse, so it is refused before it can overflow the stack.
  if (const size_t depth = NestingDepth(text); depth > kMaxJsonDepth) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": nested ", depth,
                                                   " levels deep; expected at most ", kMaxJsonDepth,
                                                   " (not a dsim file?)"));
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(source, ": not valid JSON"));
  return j;
}

absl::StatusOr<nlohmann::json> LoadJsonFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseJson(*text, path);
}

}  // namespace dsim::analysis

namespace dsim::analysis {

absl::Status CheckFormat(const nlohmann::json& j, const std::string& format,
                         const std::string& what, const std::string& source) {
  const auto it = j.is_object() ? j.find("format") : j.end();
  if (j.is_object() && it != j.end() && it->is_string() && it->get<std::string>() == format) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": not a ", what, " (\"format\" must be \"", format, "\")"));
}

absl::Status OptionalString(const nlohmann::json& j, const char* key, const std::string& source,
                            std::string* out) {
  const auto it = j.find(key);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": /", key, ": expected a string, got ", it->type_name()));
  }
  *out = it->get<std::string>();
  return absl::OkStatus();
}

}  // namespace dsim::analysis
