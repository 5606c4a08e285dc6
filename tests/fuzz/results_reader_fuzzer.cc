// Fuzzes the results.json reader as `dsim summarize`, `check` and `report` reach it:
// LoadRunResults(dir) reads DIR/results.json through the JSON loader (analysis/json_file.h),
// which turns a decoder exception into an error; an escaping exception would crash the fuzzer.
#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "analysis/run_results.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dsim::fuzz::WriteScratchFile("results.json", dsim::fuzz::AsView(data, size));
  absl::StatusOr<dsim::analysis::RunResults> r =
      dsim::analysis::LoadRunResults(dsim::fuzz::ScratchDir());
  if (!r.ok()) return dsim::fuzz::ExpectError(r.status());
  return 0;
}
