#include "sim/simulation.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "sim/clock.h"
#include "sim/core/sampler.h"
#include "sim/core/scheduler.h"
#include "sim/fault_schedule.h"
#include "sim/kv/kv_world.h"
#include "sim/net/network.h"
#include "sim/net/topology.h"
#include "sim/relay/relay_workload.h"

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

void ExportClocks(std::vector<NodeClock>* clocks, Nanos end_time, MetricSet* metrics) {
  Nanos offset_abs_max = 0;
  for (NodeClock& clock : *clocks) {
    offset_abs_max = std::max(offset_abs_max, std::abs(clock.OffsetAt(end_time)));
  }
  metrics->Set("clocks.offset_abs_max", ToSeconds(offset_abs_max), "s");
}

// The key-value cluster (sim/kv/kv_world.h).
absl::StatusOr<RunOutput> RunKv(const Scenario& scenario, const RunOptions& options) {
  absl::StatusOr<std::unique_ptr<KvWorld>> world = KvWorld::Create(scenario);
  if (!world.ok()) return world.status();
  if (absl::Status s = (*world)->Start(); !s.ok()) return s;
  RunOutput out;
  RunLoop(scenario, options, &(*world)->scheduler(), &out);
  (*world)->Finish(&out);
  return out;
}

}  // namespace

absl::StatusOr<RunOutput> RunScenario(const Scenario& scenario, const RunOptions& options) {
  if (scenario.workload.kind == WorkloadConfig::Kind::kKv) return RunKv(scenario, options);
  absl::StatusOr<Topology> topology = Topology::Create(scenario.cluster, scenario.network);
  if (!topology.ok()) return topology.status();
  const uint32_t nodes = topology->nodes();
  if (scenario.workload.kind == WorkloadConfig::Kind::kRelay && nodes < 2) {
    return absl::InvalidArgumentError("the relay workload needs at least 2 nodes");
  }
  const uint64_t seed = scenario.simulation.seed;
  const RelayWorkloadConfig& relay_config = scenario.workload.relay;

  Scheduler scheduler(size_t{nodes} * relay_config.messages_per_node + 1024);
  Network network(&scheduler, *std::move(topology), seed);
  std::vector<NodeClock> clocks = MakeNodeClocks(scenario.clocks, nodes, seed);
  FaultSchedule faults(scenario.faults, &scheduler, &network, &clocks);
  RelayWorkload relay(relay_config, &scheduler, &network, seed);
  // Columns: events, relay counters, network totals, active network faults.
  Sampler sampler(&scheduler, scenario.metrics.sample_interval,
                  {"events", "relay_sent", "relay_delivered", "relay_dropped", "relay_duplicated",
                   "relay_in_flight", "net_sent_messages", "net_sent_bytes",
                   "net_delivered_messages", "net_dropped_messages", "net_faults_active"},
                  [&] {
                    const CategoryStats total = network.stats().Total();
                    auto d = [](uint64_t v) { return static_cast<double>(v); };
                    return std::vector<double>{
                        d(scheduler.events_processed()),
                        d(relay.sent()),
                        d(relay.delivered()),
                        d(relay.dropped()),
                        d(relay.duplicated()),
                        d(relay.in_flight()),
                        d(total.sent.messages),
                        d(total.sent.bytes),
                        d(total.delivered.messages),
                        d(total.dropped_loss.messages + total.dropped_unreachable.messages),
                        d(network.active_faults())};
                  });

  // Order of the time-0 events: samples, faults, then the workload's start.
  sampler.Start();
  if (absl::Status s = faults.Install(); !s.ok()) return s;
  relay.ScheduleStart(0);

  RunOutput out;
  RunLoop(scenario, options, &scheduler, &out);
  sampler.Finish(out.end_time);
  out.timeseries = sampler.Take();

  relay.ExportTo(&out.metrics);
  network.stats().ExportTo(&out.metrics);
  faults.ExportTo(&out.metrics);
  out.faults_applied = faults.Applied();
  ExportClocks(&clocks, out.end_time, &out.metrics);
  return out;
}

}  // namespace dsim::sim
