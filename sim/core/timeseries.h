// Timeseries: sampled curves of one run, written as timeseries.csv. The first column is always
// `time_s` (true simulation time in seconds, 9 decimals); the others are named by the producer.
// Values print in their shortest round-trip form, so the file is deterministic.
//
//   Timeseries ts({"delivered", "in_flight"});
//   ts.AddRow(100 * kMillisecond, {1234, 87});
#ifndef DSIM_SIM_TIMESERIES_H_
#define DSIM_SIM_TIMESERIES_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "sim/core/time.h"

namespace dsim::sim {

class Timeseries {
 public:
  Timeseries() = default;
  explicit Timeseries(std::vector<std::string> columns);

  // REQUIRES: values.size() == columns().size(); time is not before the previous row's.
  void AddRow(Nanos time, std::initializer_list<double> values);
  void AddRow(Nanos time, const std::vector<double>& values);

  const std::vector<std::string>& columns() const { return columns_; }
  size_t rows() const { return times_.size(); }
  Nanos time(size_t row) const { return times_[row]; }
  double value(size_t row, size_t column) const { return values_[row * columns_.size() + column]; }

  // The whole CSV text, header included.
  std::string ToCsv() const;

 private:
  std::vector<std::string> columns_;
  std::vector<Nanos> times_;
  std::vector<double> values_;  // row-major
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_TIMESERIES_H_
