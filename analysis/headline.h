// The headline metrics: the few numbers a person reads first and a regression gate guards, each
// with the direction it is judged in. `dsim run` prints them (without --all-metrics) and
// `dsim check --write-baseline` gates them by default, so both agree on what matters.
//
// Contract: the list is in print order; a direction here is a decision, not a guess from the
// path's words (InferDirection), and overrides it. `gate` is false for figures a run reports
// for reading that do not judge the system (a formula of the configuration, a denominator).
// Every metric is judged in a Direction (dsim check, analysis/check.h): decided here for the
// headline metrics and the echoes, guessed from the path's words for the rest.
//
// HeadlineTable is the view of a sweep a person reads first: the headline metrics as rows, the
// parameter points as columns.
//
// Configuration echoes (metrics that restate a setting or a schedule) are never gated by
// default and are judged `equal` when a person asks for them.
//
//   for (const HeadlineMetric& h : HeadlineMetrics()) if (h.gate) ...
#ifndef DSIM_ANALYSIS_HEADLINE_H_
#define DSIM_ANALYSIS_HEADLINE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/summary.h"

namespace dsim::analysis {

enum class Direction { kLowerIsBetter, kHigherIsBetter, kEqual };

const char* DirectionName(Direction d);  // "lower_is_better", ...

// The direction a metric is judged in, from the words of its path (split at '.' and '_'):
// lower is better for latency, time, duration, dropped, lost, loss, zombie(s), divergent,
// divergence, streamed, over (over_streaming), error(s), fp, false (false_positive), unavailable,
// failed, failures, timeouts, anomalies, resurrected, offset; higher is better for
// availability, available, success(es), throughput, hit(s), acknowledged; otherwise equal.
Direction InferDirection(const std::string& path);

struct HeadlineMetric {
  std::string_view path;
  Direction direction;
  bool gate;  // --write-baseline includes it by default
};

const std::vector<HeadlineMetric>& HeadlineMetrics();

// The decided direction of `path`: its headline entry's, `equal` for a configuration echo or a
// denominator, nullopt when nothing is decided (InferDirection guesses then).
std::optional<Direction> DecidedDirection(std::string_view path);

// Whether `path` restates the configuration, the schedule or a count of what was asked for
// rather than measuring the system (bloom.fp.configured, convergence.reference_time, ...).
bool IsConfigurationEcho(std::string_view path);

// The direction a baseline judges `path` in: DecidedDirection, else InferDirection.
Direction BaselineDirection(const std::string& path);

// Per point its completion line ("== POINT: 20 of 20 runs completed"), then one table: a row
// per headline metric some point has, a column per point, each cell "mean +- half the 95 % CI"
// ("null" when no run had a value; the mean alone below two values).
std::string HeadlineTable(const SweepSummary& summary);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_HEADLINE_H_
