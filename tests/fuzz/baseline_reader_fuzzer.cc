// Fuzzes the baseline reader (ParseBaseline, scenarios/baselines/*.toml as `dsim check` reads
// them). An accepted baseline must write back (BaselineToToml) to text that parses to the same
// baseline ("numbers are written exactly", analysis/baseline.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "analysis/baseline.h"
#include "engine/check.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dsim::analysis::Baseline;
  const std::string text(dsim::fuzz::AsView(data, size));
  absl::StatusOr<Baseline> b = dsim::analysis::ParseBaseline(text, "fuzz.toml");
  if (!b.ok()) return dsim::fuzz::ExpectError(b.status());
  const std::string written = dsim::analysis::BaselineToToml(*b, {"written by the fuzzer"});
  absl::StatusOr<Baseline> again = dsim::analysis::ParseBaseline(written, "written.toml");
  DSIM_CHECK_MSG(again.ok(), "a baseline read back from its own TOML is rejected");
  DSIM_CHECK(dsim::analysis::BaselineToToml(*again, {"written by the fuzzer"}) == written);
  return 0;
}
