// LatencyHistogram: an HDR-style log-linear histogram of non-negative integers (nanoseconds),
// exact and deterministic: integer buckets, integer rank arithmetic, no floating point.
//
// Values below 2^10 have a bucket each; above, every power of two is cut into 2^10 equal
// buckets, so a reported percentile is within 1/1024 (< 0.1 %) of the true sample value, and
// never above the true maximum. Memory grows with the largest value seen: about 8 KiB per
// power of two (a 10 ms maximum needs ~120 KiB), whatever the number of samples.
//
//   LatencyHistogram h;
//   h.Record(delivered_at - sent_at);
//   Nanos p99 = h.Percentile(99, 100);
#ifndef DSIM_SIM_HISTOGRAM_H_
#define DSIM_SIM_HISTOGRAM_H_

#include <cstdint>
#include <vector>

#include "engine/check.h"

namespace dsim::sim {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 10;

  // REQUIRES: value >= 0.
  void Record(int64_t value) {
    DSIM_CHECK(value >= 0);
    const size_t index = BucketOf(static_cast<uint64_t>(value));
    if (index >= counts_.size()) counts_.resize(index + 1, 0);
    ++counts_[index];
    if (count_ == 0 || value < min_) min_ = value;
    if (value > max_) max_ = value;
    ++count_;
    sum_ += static_cast<unsigned __int128>(value);
  }

  uint64_t count() const { return count_; }
  int64_t min() const { return min_; }  // 0 when empty
  int64_t max() const { return max_; }  // 0 when empty
  // The exact mean, as a double (for reports). 0 when empty.
  double Mean() const;
  // The smallest recorded value v (up to bucket resolution) such that at least
  // ceil(count * num / den) samples are <= v: the upper edge of that bucket, clamped to
  // [min, max]. REQUIRES: count() > 0, 0 < num <= den.
  int64_t Percentile(uint64_t num, uint64_t den) const;

  // The samples recorded into this histogram since `earlier`, a copy of it taken before: bucket
  // counts subtracted. The result's min and max are the lowest and highest non-empty buckets'
  // bounds (the exact extremes of a window are not kept), and its sum is exact.
  // REQUIRES: `earlier` is an earlier state of this same histogram.
  LatencyHistogram Since(const LatencyHistogram& earlier) const;

  static size_t BucketOf(uint64_t value) {
    if (value < (uint64_t{1} << kSubBucketBits)) return static_cast<size_t>(value);
    const int exponent = 63 - __builtin_clzll(value);  // >= kSubBucketBits
    const int shift = exponent - kSubBucketBits;
    return (static_cast<size_t>(shift) + 1) << kSubBucketBits |
           static_cast<size_t>((value >> shift) - (uint64_t{1} << kSubBucketBits));
  }
  // The largest value that falls in bucket `index`.
  static uint64_t BucketUpperBound(size_t index);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  unsigned __int128 sum_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_HISTOGRAM_H_
