#include "sim/kv/phi_accrual.h"

#include "engine/check.h"

namespace dsim::sim {

ArrivalWindow::ArrivalWindow(Nanos initial_interval) : initial_interval_(initial_interval) {
  DSIM_CHECK(initial_interval > 0);
}

void ArrivalWindow::Reset() {
  intervals_.clear();
  next_ = 0;
  size_ = 0;
  sum_ = 0;
  last_ = 0;
}

void ArrivalWindow::Record(Nanos interval) {
  DSIM_CHECK(interval >= 0 && interval <= initial_interval_);
  if (intervals_.size() < kSampleSize) {
    intervals_.push_back(interval);
  } else {
    sum_ -= intervals_[next_];
    intervals_[next_] = interval;
    next_ = (next_ + 1) % kSampleSize;
  }
  sum_ += interval;
  size_ = intervals_.size();
  DSIM_CHECK(sum_ >= 0);
}

void ArrivalWindow::Add(Nanos arrival) {
  if (empty()) {
    Record(initial_interval_);
  } else {
    DSIM_CHECK_MSG(arrival >= last_, "heartbeat arrivals go back in time");
    const Nanos interval = arrival - last_;
    if (interval <= initial_interval_) Record(interval);
  }
  last_ = arrival;
}

double ArrivalWindow::MeanNanos() const {
  DSIM_CHECK(!empty());
  return static_cast<double>(sum_) / static_cast<double>(size_);
}

double ArrivalWindow::Phi(Nanos now) const {
  return kPhiFactor * static_cast<double>(now - last_) / MeanNanos();
}

bool ArrivalWindow::Convicts(Nanos now, double threshold) const {
  DSIM_CHECK(!empty() && now >= last_);
  return static_cast<double>(now - last_) > threshold * kLn10 * MeanNanos();
}

}  // namespace dsim::sim
