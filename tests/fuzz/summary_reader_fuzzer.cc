// Fuzzes the summary.json reader (LoadSummary, as `dsim merge`, `check` and `report` use it). An
// accepted summary must write back (SummaryToJson, SummaryToCsv) and the written JSON must read
// again to the same document.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "analysis/summary.h"
#include "engine/check.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dsim::analysis::SweepSummary;
  dsim::fuzz::WriteScratchFile("summary.json", dsim::fuzz::AsView(data, size));
  absl::StatusOr<SweepSummary> s = dsim::analysis::LoadSummary(dsim::fuzz::ScratchDir());
  if (!s.ok()) return dsim::fuzz::ExpectError(s.status());
  (void)dsim::analysis::SummaryToCsv(*s);
  const std::string written = dsim::analysis::SummaryToJson(*s).dump();
  dsim::fuzz::WriteScratchFile("summary.json", written);
  absl::StatusOr<SweepSummary> again = dsim::analysis::LoadSummary(dsim::fuzz::ScratchDir());
  DSIM_CHECK_MSG(again.ok(), "a summary read back from its own JSON is rejected");
  DSIM_CHECK(dsim::analysis::SummaryToJson(*again).dump() == written);
  return 0;
}
