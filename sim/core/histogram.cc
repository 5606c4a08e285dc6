#include "sim/core/histogram.h"

namespace dsim::sim {

double LatencyHistogram::Mean() const {
  if (count_ == 0) return 0.0;
  // Integer quotient and remainder first, so the result does not depend on summation order.
  const unsigned __int128 q = sum_ / count_;
  const uint64_t r = static_cast<uint64_t>(sum_ % count_);
  return static_cast<double>(q) + static_cast<double>(r) / static_cast<double>(count_);
}

uint64_t LatencyHistogram::BucketUpperBound(size_t index) {
  const size_t sub = size_t{1} << kSubBucketBits;
  if (index < sub) return index;
  const int shift = static_cast<int>(index >> kSubBucketBits) - 1;
  const uint64_t offset = index & (sub - 1);
  const uint64_t lower = (sub + offset) << shift;
  return lower + ((uint64_t{1} << shift) - 1);
}

int64_t LatencyHistogram::Percentile(uint64_t num, uint64_t den) const {
  DSIM_CHECK(count_ > 0);
  DSIM_CHECK(num > 0 && num <= den);
  const unsigned __int128 product = static_cast<unsigned __int128>(count_) * num;
  uint64_t rank = static_cast<uint64_t>((product + den - 1) / den);
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      int64_t v = static_cast<int64_t>(BucketUpperBound(i));
      if (v > max_) v = max_;
      if (v < min_) v = min_;
      return v;
    }
  }
  DSIM_CHECK_MSG(false, "histogram counts do not add up");
  return max_;
}

LatencyHistogram LatencyHistogram::Since(const LatencyHistogram& earlier) const {
  DSIM_CHECK(earlier.counts_.size() <= counts_.size() && earlier.count_ <= count_);
  LatencyHistogram out;
  out.counts_.assign(counts_.begin(), counts_.end());
  for (size_t i = 0; i < earlier.counts_.size(); ++i) {
    DSIM_CHECK(earlier.counts_[i] <= out.counts_[i]);
    out.counts_[i] -= earlier.counts_[i];
  }
  out.count_ = count_ - earlier.count_;
  out.sum_ = sum_ - earlier.sum_;
  bool first = true;
  for (size_t i = 0; i < out.counts_.size(); ++i) {
    if (out.counts_[i] == 0) continue;
    if (first) out.min_ = i == 0 ? 0 : static_cast<int64_t>(BucketUpperBound(i - 1) + 1);
    first = false;
    out.max_ = static_cast<int64_t>(BucketUpperBound(i));
  }
  return out;
}

}  // namespace dsim::sim
