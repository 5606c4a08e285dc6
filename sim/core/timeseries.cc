#include "sim/core/timeseries.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/check.h"

namespace dsim::sim {

Timeseries::Timeseries(std::vector<std::string> columns) : columns_(std::move(columns)) {}

void Timeseries::AddRow(Nanos time, std::initializer_list<double> values) {
  AddRow(time, std::vector<double>(values));
}

void Timeseries::AddRow(Nanos time, const std::vector<double>& values) {
  DSIM_CHECK(values.size() == columns_.size());
  DSIM_CHECK(times_.empty() || time >= times_.back());
  times_.push_back(time);
  values_.insert(values_.end(), values.begin(), values.end());
}

std::string Timeseries::ToCsv() const {
  std::string out = "time_s";
  for (const std::string& c : columns_) absl::StrAppend(&out, ",", c);
  out += '\n';
  char buf[64];
  for (size_t r = 0; r < times_.size(); ++r) {
    Nanos t = times_[r];
    absl::StrAppendFormat(&out, "%s%d.%09d", t < 0 ? "-" : "", std::abs(t / kSecond),
                          std::abs(t % kSecond));
    for (size_t c = 0; c < columns_.size(); ++c) {
      double v = value(r, c);
      out += ',';
      if (std::isfinite(v)) {
        auto res = std::to_chars(buf, buf + sizeof(buf), v);
        out.append(buf, res.ptr);
      }  // NaN / inf: empty cell (missing value)
    }
    out += '\n';
  }
  return out;
}

}  // namespace dsim::sim
