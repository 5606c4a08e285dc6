#include "sim/relay/relay_world.h"

#include <utility>

#include "engine/check.h"
#include "sim/net/topology.h"

namespace dsim::sim {

absl::StatusOr<std::unique_ptr<RelayWorld>> RelayWorld::Create(const Scenario& scenario) {
  DSIM_CHECK(scenario.workload.kind == WorkloadConfig::Kind::kRelay);
  absl::StatusOr<Topology> topology = Topology::Create(scenario.cluster, scenario.network);
  if (!topology.ok()) return topology.status();
  if (topology->nodes() < 2) {
    return absl::InvalidArgumentError("the relay workload needs at least 2 nodes");
  }
  return std::unique_ptr<RelayWorld>(new RelayWorld(scenario, *std::move(topology)));
}

// Member order matters: each component is built from the ones declared before it, and the
// scheduler's capacity covers every message in flight plus the daemons.
RelayWorld::RelayWorld(const Scenario& scenario, Topology topology)
    : scenario_(scenario),
      scheduler_(size_t{topology.nodes()} * scenario.workload.relay.messages_per_node + 1024),
      network_(&scheduler_, std::move(topology), scenario.simulation.seed),
      clocks_(
          MakeNodeClocks(scenario.clocks, network_.topology().nodes(), scenario.simulation.seed)),
      faults_(scenario_.faults, &scheduler_, &network_, &clocks_),
      relay_(scenario_.workload.relay, &scheduler_, &network_, scenario.simulation.seed),
      sampler_(&scheduler_, scenario.metrics.sample_interval,
               {"events", "relay_sent", "relay_delivered", "relay_dropped", "relay_duplicated",
                "relay_in_flight", "net_sent_messages", "net_sent_bytes", "net_delivered_messages",
                "net_dropped_messages", "net_faults_active"},
               [this] { return Sample(); }) {}

std::vector<double> RelayWorld::Sample() {
  const CategoryStats total = network_.stats().Total();
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  return {d(scheduler_.events_processed()),
          d(relay_.sent()),
          d(relay_.delivered()),
          d(relay_.dropped()),
          d(relay_.duplicated()),
          d(relay_.in_flight()),
          d(total.sent.messages),
          d(total.sent.bytes),
          d(total.delivered.messages),
          d(total.dropped_loss.messages + total.dropped_unreachable.messages),
          d(network_.active_faults())};
}

absl::Status RelayWorld::Start() {
  sampler_.Start();
  if (absl::Status s = faults_.Install(); !s.ok()) return s;
  relay_.ScheduleStart(0);
  return absl::OkStatus();
}

void RelayWorld::Finish(RunOutput* out) {
  sampler_.Finish(out->end_time);
  out->timeseries = sampler_.Take();
  relay_.ExportTo(&out->metrics);
  network_.stats().ExportTo(&out->metrics);
  faults_.ExportTo(&out->metrics);
  out->faults_applied = faults_.Applied();
  ExportClockMetrics(&clocks_, out->end_time, &out->metrics);
}

}  // namespace dsim::sim
