#include "sim/simulation.h"

#include <memory>

#include "engine/check.h"
#include "sim/core/scheduler.h"
#include "sim/kv/kv_world.h"
#include "sim/relay/relay_world.h"

namespace dsim::sim {

namespace {

const char* StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kQuiescent:
      return "quiescent";
    case StopReason::kTimeLimit:
      return "duration";
    case StopReason::kEventBudget:
      return "max_events";
    case StopReason::kStopRequested:
      return "workload_done";
  }
  return "unknown";
}

// Runs the scheduler to the scenario's limits, reporting progress; fills the run fields of out.
void RunLoop(const Scenario& scenario, const RunOptions& options, Scheduler* scheduler,
             RunOutput* out) {
  RunLimits limits;
  if (scenario.simulation.duration > 0) limits.until = scenario.simulation.duration;
  const uint64_t budget =
      scenario.simulation.max_events > 0 ? scenario.simulation.max_events : UINT64_MAX;
  const uint64_t every = options.progress ? options.progress_every_events : 0;
  StopReason reason;
  while (true) {
    limits.max_events = budget;
    if (every > 0 && budget - scheduler->events_processed() > every) {
      limits.max_events = scheduler->events_processed() + every;
    }
    reason = scheduler->Run(limits);
    if (reason == StopReason::kEventBudget && limits.max_events < budget) {
      options.progress(scheduler->now(), scheduler->events_processed());
      continue;
    }
    break;
  }
  out->trace_hash = scheduler->trace_hash();
  out->events_processed = scheduler->events_processed();
  out->end_time = scheduler->now();
  out->stop_reason = StopReasonName(reason);
}

// Builds a world (KvWorld or RelayWorld: Create, Start, scheduler, Finish), runs it to the
// scenario's limits and collects its output.
template <typename World>
absl::StatusOr<RunOutput> RunWorld(const Scenario& scenario, const RunOptions& options) {
  absl::StatusOr<std::unique_ptr<World>> world = World::Create(scenario);
  if (!world.ok()) return world.status();
  if (absl::Status s = (*world)->Start(); !s.ok()) return s;
  RunOutput out;
  RunLoop(scenario, options, &(*world)->scheduler(), &out);
  (*world)->Finish(&out);
  return out;
}

}  // namespace

absl::StatusOr<RunOutput> RunScenario(const Scenario& scenario, const RunOptions& options) {
  switch (scenario.workload.kind) {
    case WorkloadConfig::Kind::kKv:
      return RunWorld<KvWorld>(scenario, options);
    case WorkloadConfig::Kind::kRelay:
      return RunWorld<RelayWorld>(scenario, options);
  }
  return absl::InvalidArgumentError("unknown workload kind");
}

}  // namespace dsim::sim
