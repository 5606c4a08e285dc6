// Fault attribution (`dsim attribute`): which fault of a scenario's schedule is behind a metric.
// The scenario runs once as given (the baseline) and once per removable unit with that unit's
// faults taken out of `faults`; each unit's contribution is the metric without it against the
// baseline. Runs are deterministic (same scenario, same seed), so the same input gives the same
// attribution, byte for byte.
//
// Units (BuildUnits). By default (Grouping::kEach) every entry of `faults` is one unit, labelled
// by its `name`, else "faults[i] ACTION at TIME [node N]". Removing a fault also removes the
// faults that only make sense with it, which the unit lists as `companions`:
//   - the restarts and replaces that would find their node up: the nodes' up/down state is
//     replayed in schedule order, (at, index), with and without the unit's faults; a restart
//     that brought a node back and would then find it up is removed with them (a restart of an
//     up node does nothing but count as an ignored fault; a replace of an up node would crash
//     and wipe it anew, another fault). So a crash takes the restart that undoes it, and a
//     second crash of a node that is already down takes nothing, since the first one still
//     takes the node down;
//   - a network fault with a name takes the heals whose `target` names it (the loader refuses a
//     heal of a fault that does not exist).
// A restart, a heal, a repair or a mark is a unit of its own too: removing a restart leaves its
// node down, removing a repair shows what the repair did for convergence.
// Grouping::kKind makes one unit per action (every crash, with their restarts, at once);
// Grouping::kName one unit per name stem (the name without its trailing digits and '-', '_',
// '.': "crash-1" and "crash-2" are "crash"), an unnamed fault being a unit of its own.
//
// Contract: units and their faults are in scenario-file order (fault index); results are sorted
// by SortResults, ties by fault index, never in an order that depends on threads or hashing.
// RunAll runs the variants in `jobs` threads of this process (the simulator keeps no global
// state: every run owns its world) and stores each output by index. A variant is not validated
// again: removing a unit's companions keeps it what the loader would accept.
//
//   std::vector<AttributionUnit> units = BuildUnits(scenario, Grouping::kEach);
//   std::vector<sim::Scenario> variants;
//   for (const AttributionUnit& u : units) variants.push_back(WithoutFaults(scenario,
//   u.Removed())); std::vector<absl::StatusOr<sim::RunOutput>> outputs = RunAll(variants, jobs,
//   &progress); UnitResult r{units[0], ReadMetric(*outputs[0], attribution.metric)};
//   Evaluate(attribution, &r);
#ifndef DSIM_ANALYSIS_ATTRIBUTE_H_
#define DSIM_ANALYSIS_ATTRIBUTE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/headline.h"
#include "analysis/progress.h"
#include "sim/run_output.h"
#include "sim/scenario/config.h"

namespace dsim::analysis {

enum class Grouping { kEach, kKind, kName };

// "each", "kind", "name"; nullopt for anything else.
std::optional<Grouping> ParseGrouping(const std::string& text);
const char* GroupingName(Grouping g);

struct AttributionUnit {
  std::string label;
  std::vector<size_t> faults;      // the unit's own faults, ascending
  std::vector<size_t> companions;  // removed with them (a crash's restart, a fault's heals)
  std::string companions_text;     // "with faults[5] (restart)"; empty without companions
  // All indexes removed: faults and companions, ascending, without duplicates.
  std::vector<size_t> Removed() const;
};

// "faults[5]", "faults[5-9]", "faults[1,3,5-7]". REQUIRES: ascending, non-empty.
std::string IndexList(const std::vector<size_t>& indexes);

// "faults[3] crash at 20s node 0", or the fault's name when it has one.
std::string FaultLabel(const sim::Scenario& scenario, size_t index);

// The removable units of `scenario` (see above), in order of their first fault.
std::vector<AttributionUnit> BuildUnits(const sim::Scenario& scenario, Grouping grouping);

// The kind groups worth trying when no single unit explains an effect: one per action that has
// at least two faults of its own (Grouping::kKind's units with two or more faults).
std::vector<AttributionUnit> KindGroups(const sim::Scenario& scenario);

// The faults that removing `faults` (ascending indexes) takes along, as a unit of exactly those
// faults would (its `companions`, see above): ascending, none of `faults`.
std::vector<size_t> Companions(const sim::Scenario& scenario, const std::vector<size_t>& faults);

// `scenario` without the faults at `removed` (indexes into scenario.faults, ascending).
sim::Scenario WithoutFaults(const sim::Scenario& scenario, const std::vector<size_t>& removed);

// One metric of one run: absent (the run has no such metric), null, or a number.
struct MetricReading {
  bool present = false;
  std::optional<double> value;
};
MetricReading ReadMetric(const sim::RunOutput& output, const std::string& path);

// Every leaf path of a run's metrics, in the metric set's order.
std::vector<std::string> MetricPaths(const sim::RunOutput& output);

// Up to `max` metric paths closest to `name`: the leaves under `name` when it is a group of
// metrics, else those within an edit distance of a third of its length (at least 3), closest
// first, then those whose last segment is name's last segment. For "unknown metric" messages.
std::vector<std::string> NearestMetrics(const std::string& name,
                                        const std::vector<std::string>& paths, size_t max);

// What removing a unit did, judged in the metric's direction.
enum class Effect {
  kClears,   // the metric reaches its good value without the unit (and did not with it)
  kBetter,   // moves in the better direction
  kWorse,    // moves in the worse direction: the unit helped (a repair, typically)
  kNone,     // the same value
  kChanges,  // different, with no better or worse (an `equal` metric, or null against a value)
};
// "clears it", "better without", "worse without", "no effect", "changes".
const char* EffectName(Effect e);

struct UnitResult {
  AttributionUnit unit;
  MetricReading reading;
  sim::Nanos end_time = 0;
  std::optional<double> change;  // reading - baseline, when both are numbers
  std::optional<double> share;   // (baseline - reading) / (baseline - reference), see Evaluate
  Effect effect = Effect::kNone;
};

struct Attribution {
  std::string metric;
  std::string unit;  // the metric's unit, from the baseline
  Direction direction = Direction::kEqual;
  // The value that means "nothing wrong": 0 for a lower-is-better metric, 1 for a
  // higher-is-better ratio, none otherwise.
  std::optional<double> good;
  MetricReading baseline;
  sim::Nanos baseline_end_time = 0;
  std::vector<UnitResult> units;   // sorted: largest |change| first (null vs value first)
  std::vector<UnitResult> groups;  // kind groups run because no unit cleared it (may be empty)
};

// The judgement of one reading against the baseline: change, share and effect. The share's
// reference is the good value when there is one, else 0; it is unset when a side is null or
// absent, or baseline == reference.
void Evaluate(const Attribution& a, UnitResult* r);

// Sorts by |change| descending, a null or absent reading against a number first, ties by the
// unit's first fault.
void SortResults(std::vector<UnitResult>* results);

// Whether a unit or group reaches the good value.
bool AnyClears(const std::vector<UnitResult>& results);

// Runs `scenarios` in `jobs` threads; outputs (or each run's error) by index. Reports each
// finished run to `progress`, and finishes it.
std::vector<absl::StatusOr<sim::RunOutput>> RunAll(const std::vector<sim::Scenario>& scenarios,
                                                   size_t jobs, Progress* progress);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_ATTRIBUTE_H_
