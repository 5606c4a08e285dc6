// Reading the files that analysis/ consumes: whole files, and JSON documents (results.json,
// sweep.json, summary.json, failure.json) decoded by one loader, so that every reader reports a
// missing, unreadable or malformed file the same way, naming it:
//
//   FILE: no such file            NotFound
//   FILE: cannot open: <why>      Unavailable (also "FILE: read failed")
//   FILE: not valid JSON          InvalidArgument
//
// and the decoder's own errors (InvalidArgument naming FILE and the bad field) after that.
//
//   absl::StatusOr<SweepPlan> plan = LoadJsonFile(dir + "/sweep.json", PlanFromJson);
#ifndef DSIM_ANALYSIS_JSON_FILE_H_
#define DSIM_ANALYSIS_JSON_FILE_H_

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace dsim::analysis {

// Reads a whole file. Errors: NotFound / Unavailable naming the file (see above).
[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::string& path);

// True when `path` exists (errors count as "does not exist").
bool FileExists(const std::string& path);

// Parses JSON text. Errors: InvalidArgument "SOURCE: not valid JSON".
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseJson(const std::string& text,
                                                       const std::string& source);

// ReadFile, then ParseJson with the path as the source.
[[nodiscard]] absl::StatusOr<nlohmann::json> LoadJsonFile(const std::string& path);

// LoadJsonFile, then `decode(json, path)`, which returns an absl::StatusOr<T> whose errors name
// `path` (every FromJson decoder of analysis/ has this shape).
template <typename Decode>
[[nodiscard]] auto LoadJsonFile(const std::string& path, Decode decode)
    -> decltype(decode(nlohmann::json(), path)) {
  absl::StatusOr<nlohmann::json> j = LoadJsonFile(path);
  if (!j.ok()) return j.status();
  return decode(*j, path);
}

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_JSON_FILE_H_
