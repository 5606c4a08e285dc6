// The relay workload end to end (scheduler, network, workload, trace hash): the same Scenario
// as scenarios/relay-100.toml and relay-1000.toml (N nodes, K = 10 messages per node, latency
// uniform 1-10 ms, 1 % loss, 1,000,000 deliveries), built in code. Reports deliveries/s.
#include <benchmark/benchmark.h>

#include "sim/scenario/config.h"
#include "sim/simulation.h"

namespace dsim::sim {
namespace {

Scenario RelayScenario(uint32_t nodes) {
  Scenario s;
  s.name = "relay-" + std::to_string(nodes);
  s.simulation.seed = 1;
  s.cluster.nodes = nodes;
  s.network.link.latency.kind = LatencyConfig::Kind::kUniform;
  s.network.link.latency.min = 1 * kMillisecond;
  s.network.link.latency.max = 10 * kMillisecond;
  s.network.link.loss = Ratio{1, 100};
  s.workload.relay.messages_per_node = 10;
  s.workload.relay.deliveries = 1'000'000;
  return s;
}

void BM_Relay(benchmark::State& state) {
  const Scenario scenario = RelayScenario(static_cast<uint32_t>(state.range(0)));
  uint64_t deliveries = 0;
  for (auto _ : state) {
    absl::StatusOr<RunOutput> out = RunScenario(scenario);
    if (!out.ok()) {
      state.SkipWithError(std::string(out.status().message()).c_str());
      return;
    }
    deliveries += out->metrics.Get("relay.delivered")["value"].get<uint64_t>();
    benchmark::DoNotOptimize(out->trace_hash);
  }
  state.counters["deliveries_per_s"] =
      benchmark::Counter(static_cast<double>(deliveries), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Relay)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace dsim::sim
