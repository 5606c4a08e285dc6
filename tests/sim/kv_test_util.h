// Helpers for the cluster-layer tests: shipped scenarios, runs, metric access, and a
// brute-force divergence count that re-derives the oracle's answer from the replicas' data.
#ifndef DSIM_TESTS_SIM_KV_TEST_UTIL_H_
#define DSIM_TESTS_SIM_KV_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/partition.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/kv_world.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace dsim::sim::testing {

// Debug and sanitizer builds run the engine about 50x slower than Release. There, and when
// DSIM_TEST_SHRINK is set (to check the small sizes in Release), the cluster tests run the
// shipped scenarios shrunk by the overrides below: the same faults and the same phenomena on
// fewer keys and operations. Release runs them exactly as shipped.
#if !defined(NDEBUG) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSlowBuild = true;
#else
inline constexpr bool kSlowBuild = false;
#endif
inline bool Shrunk() { return kSlowBuild || std::getenv("DSIM_TEST_SHRINK") != nullptr; }

// The shrinking overrides of a shipped scenario (empty when not Shrunk()).
inline std::vector<std::string> ShrinkOverrides(const std::string& name) {
  if (!Shrunk()) return {};
  static const std::map<std::string, std::vector<std::string>> kShrink = {
      {"partition-heal",
       {"workload.kv.keys=1500", "workload.kv.phases.0.rate=500", "workload.kv.phases.1.rate=200"}},
      {"crash-periodic-commitlog",
       {"workload.kv.keys=3000", "workload.kv.phases.0.rate=200", "workload.kv.phases.1.rate=200"}},
      {"clock-skew-lww", {"workload.kv.phases.1.duration=4s", "workload.kv.phases.1.rate=1000"}},
      {"gc-grace-zombie",
       {"workload.kv.phases.0.rate=250", "workload.kv.phases.2.rate=25",
        "workload.kv.phases.3.rate=40", "storage.memtable_flush_threshold=8KiB"}},
      {"incremental-repair",
       {"workload.kv.keys=10000", "workload.kv.phases.0.rate=5000",
        "workload.kv.phases.2.rate=400"}},
      {"sstable-dag",
       {"workload.kv.keys=12000", "workload.kv.phases.0.rate=5000",
        "workload.kv.phases.2.rate=500"}},
      {"merkle-depth",
       {"workload.kv.keys=8192", "workload.kv.phases.0.rate=1639", "repair.merkle_depth=9"}},
      {"large",
       {"workload.kv.keys=2000", "workload.kv.phases.0.rate=200", "workload.kv.phases.1.rate=40"}},
  };
  auto it = kShrink.find(name);
  return it == kShrink.end() ? std::vector<std::string>{} : it->second;
}

// Every shipped scenario, with the reductions the test suite runs it with.
struct ShippedCase {
  std::string name;
  std::vector<std::string> overrides;  // reductions for the test suite (empty: as shipped)
};

inline std::vector<ShippedCase> ShippedCases() {
  return {
      {"quickstart", {}},
      {"relay-quickstart", {}},
      {"relay-100", {"workload.relay.deliveries=20000"}},   // shipped: 1,000,000 deliveries
      {"relay-1000", {"workload.relay.deliveries=20000"}},  // shipped: 1,000,000 deliveries
      {"partition-heal", {}},
      {"crash-periodic-commitlog", {}},
      {"clock-skew-lww", {}},
      {"incremental-repair", {}},
      {"sstable-dag", {}},
      {"one-way-partition-phi", {}},
      // shipped: 0.8 s; here with half the new data (the zombies still appear).
      {"gc-grace-zombie", {"workload.kv.phases.3.rate=50"}},
      // shipped: 655,360 partitions (4 s); here 65,536 with the same per-leaf arithmetic at
      // depth 12 instead of 15.
      {"merkle-depth",
       {"workload.kv.keys=65536", "workload.kv.phases.0.rate=13107", "repair.merkle_depth=12"}},
      // shipped: 1,000,000 partitions at 100,000 writes/s (~30 s); here 20,000 at 2,000/s on
      // the same 1,000 nodes, with the same faults and full repair.
      {"large",
       {"workload.kv.keys=20000", "workload.kv.phases.0.rate=2000",
        "workload.kv.phases.1.rate=400"}},
  };
}

inline std::string ShippedPath(const std::string& name) {
  return std::string(DSIM_SOURCE_DIR) + "/scenarios/" + name + ".toml";
}

// A shipped scenario (shrunk in slow builds) with overrides; fails the test when it does not
// load.
inline Scenario LoadShipped(const std::string& name,
                            const std::vector<std::string>& overrides = {}) {
  std::vector<std::string> all = ShrinkOverrides(name);
  all.insert(all.end(), overrides.begin(), overrides.end());
  absl::StatusOr<Scenario> s = LoadScenarioFile(ShippedPath(name), all);
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

// A fault of `kind` at `at` on `node` (the other fields at their defaults).
inline FaultConfig FaultAt(FaultConfig::Kind kind, Nanos at, NodeId node = 0) {
  FaultConfig f;
  f.kind = kind;
  f.at = at;
  f.node = node;
  return f;
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
