// Scheduler throughput in the steady state the relay workload produces: 10,000 pending events;
// each processed event schedules one more at a random future time (1-10 ms ahead). The same
// work done by a bare std::priority_queue loop of (time, seq) pairs is the reference; the
// target is the Scheduler within 1.5x of it. The Scheduler additionally keeps the trace hash
// (XXH3 per event), dispatches through its handler table, and supports cancellation.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "sim/core/random.h"
#include "sim/core/scheduler.h"

namespace dsim::sim {
namespace {

constexpr int kPending = 10'000;
constexpr uint64_t kEventsPerIteration = 100'000;
constexpr Nanos kMinDelay = kMillisecond;
constexpr uint64_t kDelaySpan = 9 * kMillisecond + 1;

class Reschedule : public EventHandler {
 public:
  Reschedule(Scheduler* s, Rng* rng) : s_(s), rng_(rng) {}
  void OnEvent(const Event& e) override {
    s_->Schedule(e.time + kMinDelay + static_cast<Nanos>(rng_->Bounded(kDelaySpan)),
                 EventKind::kRelayResend, e.node, e.a + 1);
  }

 private:
  Scheduler* s_;
  Rng* rng_;
};

void BM_Scheduler(benchmark::State& state) {
  Rng rng(1);
  Scheduler sched(kPending);
  Reschedule handler(&sched, &rng);
  sched.SetHandler(EventKind::kRelayResend, &handler);
  for (int i = 0; i < kPending; ++i) {
    sched.Schedule(static_cast<Nanos>(rng.Bounded(kDelaySpan)), EventKind::kRelayResend,
                   static_cast<NodeId>(i));
  }
  for (auto _ : state) {
    sched.Run({.max_events = sched.events_processed() + kEventsPerIteration});
  }
  benchmark::DoNotOptimize(sched.trace_hash());
  state.SetItemsProcessed(static_cast<int64_t>(sched.events_processed()));
}
BENCHMARK(BM_Scheduler);

// The reference: the same draws and the same (time, seq) order, nothing else.
void BM_BarePriorityQueue(benchmark::State& state) {
  using Entry = std::pair<Nanos, uint64_t>;
  Rng rng(1);
  std::vector<Entry> storage;
  storage.reserve(kPending + 1);
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> pq(std::greater<Entry>(),
                                                                         std::move(storage));
  uint64_t seq = 0;
  for (int i = 0; i < kPending; ++i) pq.push({static_cast<Nanos>(rng.Bounded(kDelaySpan)), seq++});
  uint64_t processed = 0;
  for (auto _ : state) {
    for (uint64_t i = 0; i < kEventsPerIteration; ++i) {
      const Entry top = pq.top();
      pq.pop();
      pq.push({top.first + kMinDelay + static_cast<Nanos>(rng.Bounded(kDelaySpan)), seq++});
    }
    processed += kEventsPerIteration;
  }
  benchmark::DoNotOptimize(pq.top());
  state.SetItemsProcessed(static_cast<int64_t>(processed));
}
BENCHMARK(BM_BarePriorityQueue);

}  // namespace
}  // namespace dsim::sim
