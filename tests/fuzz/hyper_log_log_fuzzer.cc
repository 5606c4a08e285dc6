// Fuzzes HyperLogLog::Deserialize (the hll block of every SSTable, merged for compaction
// sizing). An accepted sketch must estimate, merge and serialise back to an equal sketch.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "engine/check.h"
#include "engine/hyper_log_log.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dsim::engine::HyperLogLog;
  absl::StatusOr<HyperLogLog> h = HyperLogLog::Deserialize(dsim::fuzz::AsView(data, size));
  if (!h.ok()) return dsim::fuzz::ExpectError(h.status());
  DSIM_CHECK(h->precision() >= HyperLogLog::kMinPrecision &&
             h->precision() <= HyperLogLog::kMaxPrecision);
  const double estimate = h->Estimate();
  DSIM_CHECK(std::isfinite(estimate) && estimate >= 0);
  absl::StatusOr<HyperLogLog> again = HyperLogLog::Deserialize(h->Serialize());
  DSIM_CHECK(again.ok());
  DSIM_CHECK(*again == *h);
  // Merging is idempotent: a sketch merged with itself is unchanged.
  HyperLogLog merged = *h;
  merged.Merge(*h);
  DSIM_CHECK(merged.Estimate() == estimate);
  // Into a fresh sketch of the same precision, then adding a hash.
  HyperLogLog fresh(h->precision());
  fresh.Merge(*h);
  fresh.AddHash(uint64_t{size} * 0x9e3779b97f4a7c15ULL);
  DSIM_CHECK(std::isfinite(fresh.Estimate()));
  return 0;
}
