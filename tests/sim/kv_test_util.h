// Helpers for the cluster-layer tests: shipped scenarios, runs, metric access, and a
// brute-force divergence count that re-derives the oracle's answer from the replicas' data.
#ifndef DSIM_TESTS_SIM_KV_TEST_UTIL_H_
#define DSIM_TESTS_SIM_KV_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/partition.h"
#include "sim/kv_data.h"
#include "sim/kv_world.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace dsim::sim::testing {

inline std::string ShippedPath(const std::string& name) {
  return std::string(DSIM_SOURCE_DIR) + "/scenarios/" + name + ".toml";
}

// A shipped scenario with overrides; fails the test when it does not load.
inline Scenario LoadShipped(const std::string& name,
                            const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<Scenario> s = LoadScenarioFile(ShippedPath(name), overrides);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : Scenario{};
}

inline RunOutput RunOk(const Scenario& s) {
  absl::StatusOr<RunOutput> out = RunScenario(s);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *std::move(out) : RunOutput{};
}

inline bool IsNull(const RunOutput& out, const std::string& path) {
  return out.metrics.Get(path)["value"].is_null();
}
inline double D(const RunOutput& out, const std::string& path) {
  const nlohmann::json& v = out.metrics.Get(path)["value"];
  EXPECT_FALSE(v.is_null()) << path;
  return v.is_null() ? -1.0 : v.get<double>();
}
inline uint64_t U(const RunOutput& out, const std::string& path) {
  return out.metrics.Get(path)["value"].get<uint64_t>();
}

// A small kv cluster: 5 nodes, RF 3, QUORUM, 1-2 ms links, a load phase and a steady phase.
inline Scenario SmallKv(uint64_t seed = 1) {
  Scenario s;
  s.name = "small-kv";
  s.simulation.seed = seed;
  s.cluster.nodes = 5;
  s.cluster.vnodes = 8;
  s.network.link.latency.kind = LatencyConfig::Kind::kUniform;
  s.network.link.latency.min = kMillisecond;
  s.network.link.latency.max = 2 * kMillisecond;
  s.storage.memtable_flush_threshold_bytes = 64 << 10;
  s.workload.kind = WorkloadConfig::Kind::kKv;
  s.workload.kv.keys = 800;
  s.workload.kv.columns = 3;
  s.workload.kv.value_bytes = 32;
  KvPhaseConfig load;
  load.name = "load";
  load.duration = kSecond;
  load.rate_per_sec = 1000;
  load.insert = 1;
  load.update = 0;
  load.read = 0;
  KvPhaseConfig steady;
  steady.name = "steady";
  steady.duration = 3 * kSecond;
  steady.rate_per_sec = 1000;
  steady.update = 5;
  steady.remove = 1;
  steady.read = 3;
  KvPhaseConfig quiet;
  quiet.name = "quiet";
  quiet.duration = 3 * kSecond;
  quiet.rate_per_sec = 0;
  s.workload.kv.phases = {load, steady, quiet};
  s.metrics.sample_interval = 100 * kMillisecond;
  return s;
}

// Divergent cells recomputed from scratch: for every cell, the best version any replica holds
// (what the oracle's winner is when no replica ever lost data), and whether every replica
// holds it (absence holds a tombstone). Also counts the cells that exist somewhere.
struct BruteForce {
  uint64_t divergent = 0;
  uint64_t tracked = 0;
};
inline BruteForce BruteForceDivergence(KvWorld& world) {
  BruteForce out;
  const KvWorkloadConfig& kv = world.scenario().workload.kv;
  for (uint64_t key = 0; key < kv.keys; ++key) {
    const std::string k = KvKey(key);
    std::vector<std::optional<engine::Partition>> parts;
    for (NodeId n : world.ring().Replicas(world.oracle().SegmentOfKey(key))) {
      parts.push_back(world.cluster().View(n, k));
    }
    for (uint32_t c = 0; c < kv.columns; ++c) {
      const std::string col = KvColumn(c);
      std::vector<std::optional<CellVersion>> versions;
      std::optional<CellVersion> best;
      for (const auto& p : parts) {
        std::optional<CellVersion> v;
        if (p) {
          auto it = p->cells().find(col);
          if (it != p->cells().end()) v = VersionOf(it->second);
        }
        if (v && (!best || VersionLess(*best, *v))) best = v;
        versions.push_back(v);
      }
      if (!best) continue;
      ++out.tracked;
      for (const auto& v : versions) {
        const bool holds = v ? *v == *best : best->tombstone;
        if (!holds) {
          ++out.divergent;
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace dsim::sim::testing

#endif  // DSIM_TESTS_SIM_KV_TEST_UTIL_H_
