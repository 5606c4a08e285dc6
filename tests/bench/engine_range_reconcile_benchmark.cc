// Range-based set reconciliation: cost per received range (own fingerprint from the prefix sums
// + compare, then Skip or a split into B fingerprints), a whole session at n = 10^5 items with d
// differences, and building a side (sort + prefix sums). Ranges/s counts received ranges.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "engine/range_reconcile.h"

namespace dsim::engine {
namespace {

uint64_t Mix(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<RangeItem> RandomItems(uint64_t seed, int n) {
  std::vector<RangeItem> items;
  items.reserve(n);
  for (int i = 0; i < n; ++i) {
    const uint64_t key = Mix(&seed);
    const uint64_t low = Mix(&seed);
    items.push_back(RangeItem{key, Digest128{low, Mix(&seed)}});
  }
  return items;
}

// A message of `ranges` Fingerprint ranges of equal count over r's items; `mismatch` corrupts
// every fingerprint so the receiver splits each range (an IdList, or B fingerprints).
RangeMessage FingerprintMessage(const RangeReconciler& r, int ranges, bool mismatch) {
  const std::vector<RangeItem>& items = r.items();
  RangeMessage m;
  RangeBound lower;
  for (int i = 1; i <= ranges; ++i) {
    RangeEntry e;
    e.mode = RangeMode::kFingerprint;
    if (i == ranges) {
      e.upper = RangeBound::End();
    } else {
      const RangeItem& x = items[items.size() * i / ranges];
      e.upper = RangeBound{false, x.key, x.id, 16};
    }
    e.fingerprint = r.Fingerprint(lower, e.upper);
    if (mismatch) e.fingerprint.low ^= 1;
    lower = e.upper;
    m.ranges.push_back(e);
  }
  return m;
}

void BM_RangeReconcileRespondPerRange(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const int ranges = static_cast<int>(state.range(1));
  const bool mismatch = state.range(2) != 0;
  RangeReconciler responder(RandomItems(1, n));
  const RangeMessage m = FingerprintMessage(responder, ranges, mismatch);
  for (auto _ : state) {
    absl::StatusOr<RangeMessage> reply = responder.Respond(m);
    benchmark::DoNotOptimize(reply->ranges.size());
  }
  state.counters["ranges_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * ranges, benchmark::Counter::kIsRate);
  state.counters["per_range"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * ranges,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RangeReconcileRespondPerRange)
    ->ArgNames({"n", "ranges", "mismatch"})
    ->Args({100000, 4096, 0})  // all match: Skip
    ->Args({100000, 4096, 1})  // ~24 items each (<= T): an IdList reply per range
    ->Args({100000, 256, 1});  // ~390 items each: 16 fingerprints per range

void BM_RangeReconcileSession(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const int d = static_cast<int>(state.range(1));
  std::vector<RangeItem> a = RandomItems(2, n);
  std::vector<RangeItem> b = a;
  const std::vector<RangeItem> extra = RandomItems(3, d);
  for (int i = 0; i < d; ++i) (i % 2 == 0 ? a : b).push_back(extra[i]);
  RangeReconciler initiator(a);  // Initiate() restarts it and its stats
  RangeReconciler responder(b);  // its stats accumulate over the sessions
  uint64_t ranges = 0;
  uint64_t bytes = 0;
  uint64_t rounds = 0;
  for (auto _ : state) {
    const RangeReconcileStats before = responder.stats();
    RangeMessage m = initiator.Initiate();
    for (;;) {
      absl::StatusOr<RangeMessage> reply = responder.Respond(m);
      absl::StatusOr<std::optional<RangeMessage>> next = initiator.Reconcile(*reply);
      if (!next->has_value()) break;
      m = **next;
    }
    benchmark::DoNotOptimize(initiator.need().size());
    ranges += initiator.stats().ranges_processed + responder.stats().ranges_processed -
              before.ranges_processed;
    bytes = initiator.stats().bytes_sent + responder.stats().bytes_sent - before.bytes_sent;
    rounds = initiator.stats().messages_sent;
  }
  state.counters["ranges_per_s"] =
      benchmark::Counter(static_cast<double>(ranges), benchmark::Counter::kIsRate);
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["rounds"] = static_cast<double>(rounds);
}
BENCHMARK(BM_RangeReconcileSession)
    ->ArgNames({"n", "d"})
    ->Args({100000, 10})
    ->Args({100000, 1000})
    ->Unit(benchmark::kMicrosecond);

void BM_RangeReconcileBuild(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<RangeItem> items = RandomItems(4, n);
  for (auto _ : state) {
    RangeReconciler r(items);
    benchmark::DoNotOptimize(r.items().data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_RangeReconcileBuild)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dsim::engine
