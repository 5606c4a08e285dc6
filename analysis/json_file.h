// Reading the files that analysis/ consumes: whole files, and JSON documents (results.json,
// sweep.json, summary.json, failure.json) decoded by one loader, so that every reader reports a
// missing, unreadable or malformed file the same way, naming it:
//
//   FILE: no such file            NotFound
//   FILE: cannot open: <why>      Unavailable (also "FILE: read failed")
//   FILE: not valid JSON          InvalidArgument
//   FILE: nested N levels deep    InvalidArgument (more than kMaxJsonDepth)
//   FILE: malformed: <what>       InvalidArgument (a field of the wrong type)
//
// and the decoder's own errors (InvalidArgument naming FILE and the bad field) after that.
//
//   absl::StatusOr<SweepPlan> plan = LoadJsonFile(dir + "/sweep.json", PlanFromJson);
#ifndef DSIM_ANALYSIS_JSON_FILE_H_
#define DSIM_ANALYSIS_JSON_FILE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace dsim::analysis {

// Reads a whole file. Errors: NotFound / Unavailable naming the file (see above).
[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::string& path);

// True when `path` exists (errors count as "does not exist").
bool FileExists(const std::string& path);

// Parses JSON text. Errors: InvalidArgument "SOURCE: not valid JSON".
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseJson(const std::string& text,
                                                       const std::string& source);

// The deepest nesting ParseJson accepts (dsim's files use about a dozen levels).
inline constexpr size_t kMaxJsonDepth = 128;

// "SOURCE: not a WHAT ("format" must be "FORMAT")" unless j is an object whose "format" is the
// string `format` (a wrong type is an error, never an exception).
[[nodiscard]] absl::Status CheckFormat(const nlohmann::json& j, const std::string& format,
                                       const std::string& what, const std::string& source);

// Reads j[key] into *out when present. Errors: InvalidArgument "SOURCE: /KEY: expected a
// string, got TYPE". REQUIRES: j is an object.
[[nodiscard]] absl::Status OptionalString(const nlohmann::json& j, const char* key,
                                          const std::string& source, std::string* out);

// j as an integer of type T. nlohmann's get<T>() converts any number, and a floating-point value
// outside T's range is undefined behaviour (found by tests/fuzz/summary_reader_fuzzer); here a
// fractional, out-of-range or (for unsigned T) negative number is a wrong type, thrown as the
// library's type_error, so a decoder's caller reports it like any other (see LoadJsonFile).
template <typename T>
T GetInteger(const nlohmann::json& j) {
  static_assert(std::is_integral_v<T>);
  if (j.is_number_unsigned() && std::in_range<T>(j.get<uint64_t>())) {
    return static_cast<T>(j.get<uint64_t>());
  }
  if (j.is_number_integer() && !j.is_number_unsigned() && std::in_range<T>(j.get<int64_t>())) {
    return static_cast<T>(j.get<int64_t>());
  }
  throw nlohmann::json::type_error::create(
      302, absl::StrCat("expected an integer in range, got ", j.dump()), &j);
}

// ReadFile, then ParseJson with the path as the source.
[[nodiscard]] absl::StatusOr<nlohmann::json> LoadJsonFile(const std::string& path);

// LoadJsonFile, then `decode(json, path)`, which returns an absl::StatusOr<T> whose errors name
// `path` (every FromJson decoder of analysis/ has this shape).
template <typename Decode>
[[nodiscard]] auto LoadJsonFile(const std::string& path, Decode decode)
    -> decltype(decode(nlohmann::json(), path)) {
  absl::StatusOr<nlohmann::json> j = LoadJsonFile(path);
  if (!j.ok()) return j.status();
  // The decoders check the fields they read and name them; one that still trips over a field of
  // the wrong type throws, and that becomes an error naming the file, never an abort.
  try {
    return decode(*j, path);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": malformed: ", e.what()));
  }
}

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_JSON_FILE_H_
