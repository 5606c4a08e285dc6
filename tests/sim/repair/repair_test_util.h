// Helpers for the repair tests: a two-node world (RF 2, one vnode each, 1 ms links) with an
// idle kv workload, so that the test loads each replica's data directly and runs repairs by
// hand (RepairService::StartCustomRepair).
#ifndef DSIM_TESTS_SIM_REPAIR_REPAIR_TEST_UTIL_H_
#define DSIM_TESTS_SIM_REPAIR_REPAIR_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "engine/token.h"
#include "sim/core/metrics.h"
#include "sim/core/time.h"
#include "sim/kv/kv_world.h"
#include "sim/scenario/config.h"

namespace dsim::sim::testing {

// `keys` single-column keys of `value_bytes`; the workload sends nothing (one idle phase).
inline Scenario TwoReplicaScenario(const std::string& name, uint64_t seed, uint64_t keys,
                                   uint32_t value_bytes) {
  Scenario s;
  s.name = name;
  s.simulation.seed = seed;
  s.cluster.nodes = 2;
  s.cluster.vnodes = 1;
  s.cluster.replication_factor = 2;
  s.network.link.latency.value = kMillisecond;
  s.workload.kind = WorkloadConfig::Kind::kKv;
  s.workload.kv.keys = keys;
  s.workload.kv.columns = 1;
  s.workload.kv.value_bytes = value_bytes;
  KvPhaseConfig idle;
  idle.name = "idle";
  idle.duration = kMillisecond;
  idle.rate_per_sec = 0;
  s.workload.kv.phases = {idle};
  s.metrics.sample_interval = 0;
  return s;
}

// The two-replica world of `s`, started (no workload traffic): the test loads data and repairs.
struct TwoReplicaWorld {
  std::unique_ptr<KvWorld> w;
  explicit TwoReplicaWorld(const Scenario& s) {
    absl::StatusOr<std::unique_ptr<KvWorld>> made = KvWorld::Create(s);
    EXPECT_TRUE(made.ok()) << made.status();
    w = *std::move(made);
    EXPECT_TRUE(w->Start().ok());
  }
  // One full-ring session between nodes 0 and 1 at `depth` (< 0: the rule), run to the end;
  // it must not fail, and the replicas must end equal to the oracle's winners.
  void Repair(int depth = -1) {
    const uint64_t failed = w->repair().sessions_failed();
    w->repair().StartCustomRepair({engine::TokenRange::FullRing()}, {0, 1}, depth);
    w->scheduler().Run();
    EXPECT_EQ(w->repair().sessions_failed(), failed);
    EXPECT_EQ(w->oracle().divergent_cells(), 0u);
  }
};

// A repair metric of a world mid-run (what its repair service would export now).
inline uint64_t RepairMetric(KvWorld& w, const std::string& path) {
  MetricSet m;
  w.repair().ExportTo(&m);
  return m.Get(path)["value"].get<uint64_t>();
}

}  // namespace dsim::sim::testing

#endif  // DSIM_TESTS_SIM_REPAIR_REPAIR_TEST_UTIL_H_
