// Sampler: takes one timeseries.csv row every `interval` of true time, through daemon events
// (sampling never keeps a run alive and never changes what happens), plus a last row at the end
// time. What a row holds is the caller's: a function that reads the current values, O(1) per
// row (it must not scan the data).
//
//   Sampler sampler(&scheduler, interval, {"events", "divergent_cells"}, [&] {
//     return std::vector<double>{double(scheduler.events_processed()), ...};
//   });
//   sampler.Start();  ...  sampler.Finish(end_time);  Timeseries ts = sampler.Take();
#ifndef DSIM_SIM_SAMPLER_H_
#define DSIM_SIM_SAMPLER_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/scheduler.h"
#include "sim/core/time.h"
#include "sim/core/timeseries.h"

namespace dsim::sim {

class Sampler : public EventHandler {
 public:
  using RowFn = std::function<std::vector<double>()>;

  // Registers itself as the handler of EventKind::kSample. interval 0: no rows at all.
  // REQUIRES: row() returns columns.size() values.
  Sampler(Scheduler* scheduler, Nanos interval, std::vector<std::string> columns, RowFn row)
      : scheduler_(scheduler),
        interval_(interval),
        series_(std::move(columns)),
        row_(std::move(row)) {
    scheduler_->SetHandler(EventKind::kSample, this);
  }

  void Start() {
    if (interval_ > 0) scheduler_->ScheduleDaemon(0, EventKind::kSample, 0);
  }

  void OnEvent(const Event& event) override {
    series_.AddRow(event.time, row_());
    scheduler_->ScheduleDaemon(event.time + interval_, EventKind::kSample, 0);
  }

  // A last row at the end time, unless one was just taken there.
  void Finish(Nanos end_time) {
    if (interval_ > 0 && (series_.rows() == 0 || series_.time(series_.rows() - 1) < end_time)) {
      series_.AddRow(end_time, row_());
    }
  }

  Timeseries Take() { return std::move(series_); }

 private:
  Scheduler* scheduler_;
  Nanos interval_;
  Timeseries series_;
  RowFn row_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_SAMPLER_H_
