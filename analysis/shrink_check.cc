#include "analysis/shrink_check.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/attribute.h"
#include "sim/check/checks.h"

namespace dsim::analysis {
namespace {

// A number-valued metric of the run; an error naming the check when it is absent.
absl::StatusOr<std::optional<double>> Number(const sim::RunOutput& out, const std::string& path,
                                             const std::string& check) {
  const MetricReading r = ReadMetric(out, path);
  if (!r.present) {
    return absl::FailedPreconditionError(
        absl::StrCat("--check ", check, ": the run has no metric ", path));
  }
  return r.value;
}

absl::StatusOr<bool> NotConverged(const sim::Scenario&, const sim::RunOutput& out) {
  const MetricReading r = ReadMetric(out, "convergence.time");
  return !r.present || !r.value.has_value();
}

absl::StatusOr<bool> LosesData(const sim::Scenario&, const sim::RunOutput& out) {
  absl::StatusOr<std::optional<double>> cells = Number(out, "data_loss.cells", "data_loss");
  if (!cells.ok()) return cells.status();
  return cells->has_value() && **cells > 0;
}

// A checker of sim/check/checks.h: fails where the run breaks what the configuration promises.
template <sim::check::CheckClass C>
absl::StatusOr<bool> FailsChecker(const sim::Scenario& scenario, const sim::RunOutput& out) {
  return sim::check::Evaluate(C, scenario, out.metrics).failed;
}

struct ClassRow {
  const char* name;
  const char* description;
  absl::StatusOr<bool> (*fails)(const sim::Scenario&, const sim::RunOutput&);
};

// THE class -> predicate table. "metric" is built in MakeFailureCheck from its threshold.
constexpr ClassRow kClasses[] = {
    {"convergence", "the run never converges (convergence.time is null)", &NotConverged},
    {"data_loss", "acknowledged writes are lost (data_loss.cells > 0)", &LosesData},
    {"lost_writes", "acknowledged writes are lost where the configuration promises none",
     &FailsChecker<sim::check::CheckClass::kLostWrites>},
    {"zombies", "deleted data comes back where no tombstone can be purged",
     &FailsChecker<sim::check::CheckClass::kZombies>},
    {"liveness", "no convergence within checks.liveness_within",
     &FailsChecker<sim::check::CheckClass::kLiveness>},
    {"stale_reads", "a read misses an acknowledged write where R + W > RF promises none",
     &FailsChecker<sim::check::CheckClass::kStaleReads>},
    {"ledger", "the independent ledger disagrees with a crash or with the oracle",
     &FailsChecker<sim::check::CheckClass::kLedger>},
    {"metric", "--metric PATH is above --above X", nullptr},
};

}  // namespace

std::vector<std::string> FailureClassNames() {
  std::vector<std::string> names;
  for (const ClassRow& row : kClasses) names.emplace_back(row.name);
  return names;
}

absl::StatusOr<FailureCheck> MakeFailureCheck(const std::string& name,
                                              const std::optional<MetricThreshold>& threshold) {
  const ClassRow* row = nullptr;
  for (const ClassRow& r : kClasses) {
    if (name == r.name) row = &r;
  }
  if (row == nullptr) {
    const std::vector<std::string> near = NearestMetrics(name, FailureClassNames(), 1);
    return absl::InvalidArgumentError(
        absl::StrCat("--check ", name, ": unknown failure class",
                     near.empty() ? "" : absl::StrCat("; did you mean ", near[0], "?"),
                     " (classes: ", absl::StrJoin(FailureClassNames(), ", "), ")"));
  }
  const bool is_metric = row->fails == nullptr;
  if (is_metric != threshold.has_value()) {
    return absl::InvalidArgumentError(
        is_metric
            ? "--check metric needs --metric PATH and --above X"
            : absl::StrCat("--metric and --above go with --check metric, not --check ", name));
  }
  FailureCheck check{row->name, row->description, row->fails};
  check.needs_liveness_phase = check.name == "liveness";
  if (is_metric) {
    const MetricThreshold t = *threshold;
    check.name = absl::StrCat("metric ", t.path, " > ", t.above);
    check.description = absl::StrCat(t.path, " is above ", t.above);
    check.fails = [t](const sim::Scenario&, const sim::RunOutput& out) -> absl::StatusOr<bool> {
      absl::StatusOr<std::optional<double>> v = Number(out, t.path, "metric");
      if (!v.ok()) return v.status();
      return v->has_value() && **v > t.above;
    };
  }
  return check;
}

}  // namespace dsim::analysis
