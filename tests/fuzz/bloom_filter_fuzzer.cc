// Fuzzes BloomFilter::Deserialize (the filter block of every SSTable). An accepted filter must
// answer queries, and serialise to bytes that deserialise to an equal filter.
#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "engine/bloom_filter.h"
#include "engine/check.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dsim::engine::BloomFilter;
  absl::StatusOr<BloomFilter> f = BloomFilter::Deserialize(dsim::fuzz::AsView(data, size));
  if (!f.ok()) return dsim::fuzz::ExpectError(f.status());
  DSIM_CHECK(f->bits() >= 1 && f->probes() >= 1);
  for (uint64_t h : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}, uint64_t{size}}) {
    (void)f->MayContainHash(h);
  }
  (void)f->TheoreticalFpRate();
  absl::StatusOr<BloomFilter> again = BloomFilter::Deserialize(f->Serialize());
  DSIM_CHECK(again.ok());
  DSIM_CHECK(*again == *f);
  // A key added to an accepted filter is then always reported present.
  f->AddHash(uint64_t{size} * 0x9e3779b97f4a7c15ULL);
  DSIM_CHECK(f->MayContainHash(uint64_t{size} * 0x9e3779b97f4a7c15ULL));
  return 0;
}
