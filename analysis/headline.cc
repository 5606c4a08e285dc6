#include "analysis/headline.h"

#include <initializer_list>
#include <string>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "analysis/text_table.h"

namespace dsim::analysis {
namespace {

bool Word(const absl::btree_set<std::string>& words, std::initializer_list<const char*> any) {
  for (const char* w : any) {
    if (words.contains(w)) return true;
  }
  return false;
}

constexpr Direction kLower = Direction::kLowerIsBetter;
constexpr Direction kHigher = Direction::kHigherIsBetter;
constexpr Direction kEqual = Direction::kEqual;

// Metrics that restate what the scenario asked for. data_loss.acknowledged_cells is the
// denominator of data_loss.cells (the cells with an acknowledged write), not a loss.
constexpr std::string_view kEchoes[] = {
    "bloom.fp.configured",        "bloom.fp.theoretical",         "clocks.offset_abs_max",
    "convergence.reference_time", "data_loss.acknowledged_cells",
};

}  // namespace

const char* DirectionName(Direction d) {
  switch (d) {
    case Direction::kLowerIsBetter:
      return "lower_is_better";
    case Direction::kHigherIsBetter:
      return "higher_is_better";
    case Direction::kEqual:
      return "equal";
  }
  return "equal";
}

Direction InferDirection(const std::string& path) {
  absl::btree_set<std::string> words;
  for (absl::string_view w : absl::StrSplit(path, absl::ByAnyChar("._"), absl::SkipEmpty())) {
    words.insert(std::string(w));
  }
  if (Word(words, {"latency",  "time",     "duration",  "dropped",     "lost",        "loss",
                   "zombie",   "zombies",  "divergent", "divergence",  "streamed",    "over",
                   "error",    "errors",   "fp",        "false",       "unavailable", "failed",
                   "failures", "timeouts", "anomalies", "resurrected", "offset"})) {
    return Direction::kLowerIsBetter;
  }
  if (Word(words, {"availability", "available", "success", "successes", "throughput", "hit", "hits",
                   "acknowledged"})) {
    return Direction::kHigherIsBetter;
  }
  return Direction::kEqual;
}

const std::vector<HeadlineMetric>& HeadlineMetrics() {
  static const std::vector<HeadlineMetric> list = {
      {"convergence.time", kLower, true},
      {"replication_lag.p99", kLower, false},
      {"convergence.divergent_cells_max", kLower, false},
      {"convergence.divergent_cells_end", kLower, true},
      {"failure_detector.convict_time.max", kLower, false},
      {"failure_detector.false_convictions", kLower, false},
      {"ops.write.availability", kHigher, true},
      {"ops.read.availability", kHigher, true},
      {"ops.write.latency.p99", kLower, true},
      {"ops.read.latency.p99", kLower, true},
      {"repair.differing.partitions", kEqual, false},
      {"repair.streamed.partitions", kLower, false},
      {"repair.over_streaming.partitions", kLower, true},
      {"bloom.fp.observed", kLower, false},
      {"bloom.fp.theoretical", kEqual, false},
      {"hll.error.mean", kLower, false},
      {"lww.lost_updates", kLower, true},
      {"zombies.cells", kLower, true},
      {"data_loss.cells", kLower, true},
      {"relay.delivered", kHigher, true},
      {"relay.dropped", kLower, true},
      {"relay.latency.mean", kLower, true},
      {"relay.latency.p99", kLower, true},
      {"network.total.sent.messages", kLower, false},
      {"network.total.sent.bytes", kLower, true},
  };
  return list;
}

bool IsConfigurationEcho(std::string_view path) {
  for (std::string_view e : kEchoes) {
    if (e == path) return true;
  }
  return false;
}

std::optional<Direction> DecidedDirection(std::string_view path) {
  for (const HeadlineMetric& h : HeadlineMetrics()) {
    if (h.path == path) return h.direction;
  }
  if (IsConfigurationEcho(path)) return kEqual;
  return std::nullopt;
}

Direction BaselineDirection(const std::string& path) {
  return DecidedDirection(path).value_or(InferDirection(path));
}

std::string HeadlineTable(const SweepSummary& summary) {
  std::string out;
  std::vector<std::string> header = {"metric", "unit"};
  std::vector<bool> right = {false, false};
  for (const PointSummary& ps : summary.points) {
    absl::StrAppend(&out, PointStatusLine(ps));
    header.push_back(ps.name);
    right.push_back(true);
  }
  TextTable t(header, right);
  for (const HeadlineMetric& h : HeadlineMetrics()) {
    const std::string path(h.path);
    std::vector<std::string> row = {path, ""};
    bool any = false;
    for (const PointSummary& ps : summary.points) {
      const MetricSummary* ms = FindMetric(ps, path);
      if (ms == nullptr) {
        row.push_back("-");
        continue;
      }
      any = true;
      row[1] = ms->unit;
      const Summary& st = ms->stats;
      std::string cell = FormatNumber(st.mean);
      if (st.ci95_high.has_value()) {
        absl::StrAppend(&cell, " +- ", FormatNumber((*st.ci95_high - *st.ci95_low) / 2.0));
      }
      row.push_back(std::move(cell));
    }
    if (any) t.AddRow(std::move(row));
  }
  if (t.rows() > 0) absl::StrAppend(&out, t.Render());
  return out;
}

}  // namespace dsim::analysis
