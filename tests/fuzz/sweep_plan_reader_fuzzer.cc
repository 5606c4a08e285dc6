// Fuzzes the sweep.json reader (LoadPlan, as `dsim sweep --resume`, `summarize` and `merge`
// use it). An accepted plan must write back (PlanToJson) to JSON that reads again to the same
// plan.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "analysis/sweep_plan.h"
#include "engine/check.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dsim::analysis::SweepPlan;
  dsim::fuzz::WriteScratchFile("sweep.json", dsim::fuzz::AsView(data, size));
  absl::StatusOr<SweepPlan> p = dsim::analysis::LoadPlan(dsim::fuzz::ScratchDir());
  if (!p.ok()) return dsim::fuzz::ExpectError(p.status());
  const std::string written = dsim::analysis::PlanToJson(*p).dump();
  dsim::fuzz::WriteScratchFile("sweep.json", written);
  absl::StatusOr<SweepPlan> again = dsim::analysis::LoadPlan(dsim::fuzz::ScratchDir());
  DSIM_CHECK_MSG(again.ok(), "a plan read back from its own JSON is rejected");
  DSIM_CHECK(dsim::analysis::PlanToJson(*again).dump() == written);
  return 0;
}
