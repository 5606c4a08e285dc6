// The per-event hot path must not allocate: once the scheduler's pool and heap have grown to
// the steady-state population, a relay delivery (pop, trace hash, dispatch, network send,
// schedule) performs no heap allocation. Counted by replacing the global operator new, which
// this binary does only outside sanitizer builds (ASan has its own allocator hooks).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "sim/core/scheduler.h"
#include "sim/net/network.h"
#include "sim/net/topology.h"
#include "sim/relay/relay_workload.h"

#if defined(__SANITIZE_ADDRESS__)
#define DSIM_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DSIM_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef DSIM_COUNT_ALLOCATIONS
#define DSIM_COUNT_ALLOCATIONS 1
#endif

namespace {
uint64_t g_allocations = 0;
}  // namespace

#if DSIM_COUNT_ALLOCATIONS
void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace dsim::sim {
namespace {

TEST(HotPathAllocationTest, SteadyStateRelayDeliveriesDoNotAllocate) {
  if (!DSIM_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under sanitizers";
  ClusterConfig cluster;
  cluster.nodes = 200;
  NetworkConfig net;
  net.link.latency.kind = LatencyConfig::Kind::kUniform;
  net.link.latency.min = kMillisecond;
  net.link.latency.max = 10 * kMillisecond;
  net.link.loss = Ratio{1, 100};
  net.link.reorder = Ratio{1, 50};
  absl::StatusOr<Topology> topo = Topology::Create(cluster, net);
  ASSERT_TRUE(topo.ok());
  Scheduler sched;
  Network network(&sched, *std::move(topo), 3);
  RelayWorkloadConfig relay_config;
  relay_config.messages_per_node = 10;
  relay_config.deliveries = 0;
  RelayWorkload relay(relay_config, &sched, &network, 3);
  relay.ScheduleStart(0);
  sched.Run({.max_events = 200'000});  // warm up: pool, heap and histogram reach their size
  const uint64_t before = g_allocations;
  EXPECT_GT(before, 0u);  // the counter is live: setup allocated
  sched.Run({.max_events = 400'000});
  EXPECT_EQ(sched.events_processed(), 400'000u);
  EXPECT_EQ(g_allocations - before, 0u);
  EXPECT_GT(relay.delivered(), 300'000u);
}

}  // namespace
}  // namespace dsim::sim
