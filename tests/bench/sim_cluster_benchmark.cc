// The cluster layer's costs, phase by phase, on the large scenario's shape (RF 3, 16 vnodes,
// QUORUM, 2 columns of 24 bytes): where the wall time of scenarios/large.toml goes.
//   BM_KvLoad/N          N nodes, 100 inserts per node through coordinator, network, replicas'
//                        stores (commit log, memtable, flushes, compaction) and oracle:
//                        client writes/s.
//   BM_KvFullRepair/N    a full repair of that data after one node was replaced (validation,
//                        trees, comparison, streaming, ingest, oracle accounting): sessions/s
//                        and streamed partitions/s.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "sim/kv/kv_world.h"
#include "sim/scenario/config.h"

namespace dsim::sim {
namespace {

Scenario LoadScenario(uint32_t nodes) {
  Scenario s;
  s.name = "cluster-bench";
  s.simulation.seed = 1;
  s.cluster.nodes = nodes;
  s.cluster.vnodes = 16;
  s.network.link.latency.kind = LatencyConfig::Kind::kUniform;
  s.network.link.latency.min = 200 * kMicrosecond;
  s.network.link.latency.max = kMillisecond;
  s.storage.memtable_flush_threshold_bytes = 64 << 10;
  s.repair.concurrency = 64;
  s.workload.kind = WorkloadConfig::Kind::kKv;
  s.workload.kv.keys = uint64_t{nodes} * 100;
  s.workload.kv.columns = 2;
  s.workload.kv.value_bytes = 24;
  KvPhaseConfig load;
  load.name = "load";
  load.duration = kSecond;
  load.rate_per_sec = s.workload.kv.keys;
  load.insert = 1;
  load.update = 0;
  load.read = 0;
  s.workload.kv.phases = {load};
  s.metrics.sample_interval = 0;
  return s;
}

void BM_KvLoad(benchmark::State& state) {
  const Scenario s = LoadScenario(static_cast<uint32_t>(state.range(0)));
  uint64_t writes = 0;
  for (auto _ : state) {
    std::unique_ptr<KvWorld> world = *KvWorld::Create(s);
    if (!world->Start().ok()) state.SkipWithError("start failed");
    world->scheduler().Run();
    writes += world->coordinator().writes_succeeded();
    benchmark::DoNotOptimize(world->scheduler().trace_hash());
  }
  state.counters["writes_per_s"] =
      benchmark::Counter(static_cast<double>(writes), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KvLoad)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_KvFullRepair(benchmark::State& state) {
  Scenario s = LoadScenario(static_cast<uint32_t>(state.range(0)));
  FaultConfig crash, replace;
  crash.kind = FaultConfig::Kind::kCrash;
  crash.at = 1100 * kMillisecond;
  crash.node = 7;
  replace.kind = FaultConfig::Kind::kReplace;
  replace.at = 1200 * kMillisecond;
  replace.node = 7;
  s.faults = {crash, replace};
  uint64_t sessions = 0, streamed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<KvWorld> world = *KvWorld::Create(s);
    if (!world->Start().ok()) state.SkipWithError("start failed");
    world->scheduler().Run();
    state.ResumeTiming();
    world->repair().StartFullRepair();
    world->scheduler().Run();
    sessions += world->repair().sessions_completed();
    streamed += world->repair().streamed_partitions();
  }
  state.counters["sessions_per_s"] =
      benchmark::Counter(static_cast<double>(sessions), benchmark::Counter::kIsRate);
  state.counters["streamed_partitions_per_s"] =
      benchmark::Counter(static_cast<double>(streamed), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KvFullRepair)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dsim::sim
