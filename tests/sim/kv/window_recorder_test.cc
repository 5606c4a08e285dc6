// Per-window metrics (sim/kv/window_recorder.h) against a recount from timeseries.csv's
// cumulative columns: on partition-heal (a 10 s partition from 5 s; phases of 3, 17 and 15 s,
// all on 100 ms sample rows), each window's decided operations and availability equal the
// differences of the rows at its ends exactly; its divergent maximum is at least every sampled
// count inside it and at most the run's; the phases tile the run, so their divergence areas
// add up to the run's.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sim/core/histogram.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::U;

struct Window {
  std::string label;
  Nanos start, end;
};

size_t Column(const Timeseries& t, const std::string& name) {
  const auto& c = t.columns();
  const size_t i = static_cast<size_t>(std::find(c.begin(), c.end(), name) - c.begin());
  EXPECT_LT(i, c.size()) << name;
  return i;
}

size_t RowAt(const Timeseries& t, Nanos time) {
  for (size_t r = 0; r < t.rows(); ++r) {
    if (t.time(r) == time) return r;
  }
  ADD_FAILURE() << "no row at " << time;
  return 0;
}

TEST(WindowRecorderTest, WindowsEqualTheRecountFromTheTimeseries) {
  const RunOutput out = testing::RunOk(testing::LoadShipped("partition-heal"));
  const Timeseries& ts = out.timeseries;
  const std::vector<Window> windows = {{"windows.fault.rack-split", 5 * kSecond, 15 * kSecond},
                                       {"windows.phase.load", 0, 3 * kSecond},
                                       {"windows.phase.steady", 3 * kSecond, 20 * kSecond},
                                       {"windows.phase.quiet", 20 * kSecond, 35 * kSecond}};
  const size_t divergent = Column(ts, "divergent_cells");
  double area = 0;
  for (const Window& w : windows) {
    SCOPED_TRACE(w.label);
    EXPECT_EQ(D(out, w.label + ".start"), ToSeconds(w.start));
    EXPECT_EQ(D(out, w.label + ".end"), ToSeconds(w.end));
    const size_t a = RowAt(ts, w.start), b = RowAt(ts, w.end);
    for (const char* kind : {"write", "read"}) {
      const std::string k(kind);
      const double ok =
          ts.value(b, Column(ts, k + "s_succeeded")) - ts.value(a, Column(ts, k + "s_succeeded"));
      const double failed =
          ts.value(b, Column(ts, k + "s_failed")) - ts.value(a, Column(ts, k + "s_failed"));
      const std::string p = w.label + ".ops." + k;
      EXPECT_EQ(U(out, p + ".decided"), static_cast<uint64_t>(ok + failed)) << k;
      if (ok + failed > 0) {
        EXPECT_EQ(D(out, p + ".availability"), ok / (ok + failed)) << k;
      } else {
        EXPECT_TRUE(testing::IsNull(out, p + ".availability")) << k;
      }
    }
    double sampled_max = 0;
    for (size_t r = a; r <= b; ++r) sampled_max = std::max(sampled_max, ts.value(r, divergent));
    EXPECT_GE(D(out, w.label + ".divergent_cells_max"), sampled_max);
    EXPECT_LE(D(out, w.label + ".divergent_cells_max"), D(out, "convergence.divergent_cells_max"));
    if (w.label.find(".phase.") != std::string::npos) area += D(out, w.label + ".divergence_area");
  }
  // The partition window is where availability drops: a third of the nodes is cut off.
  EXPECT_LT(D(out, "windows.fault.rack-split.ops.write.availability"), 0.9);
  EXPECT_EQ(D(out, "windows.phase.load.ops.write.availability"), 1.0);
  // The run ends with the last phase (35 s): the phases cover it all.
  EXPECT_EQ(out.end_time, 35 * kSecond);
  const double total = D(out, "convergence.divergence_area");
  EXPECT_NEAR(area, total, 1e-9 * total);
}

TEST(LatencyHistogramSinceTest, EqualsAHistogramOfTheLaterSamplesOnly) {
  LatencyHistogram all, later;
  for (int64_t v = 1; v < 200000; v += 37) all.Record(v * 13);
  const LatencyHistogram then = all;
  for (int64_t v = 5; v < 90000; v += 11) {
    all.Record(v * 29);
    later.Record(v * 29);
  }
  const LatencyHistogram since = all.Since(then);
  EXPECT_EQ(since.count(), later.count());
  EXPECT_EQ(since.Mean(), later.Mean());
  // Same buckets: the same percentiles, except that the extremes are bucket bounds.
  for (uint64_t p : {1u, 10u, 50u, 90u, 99u}) {
    EXPECT_EQ(since.Percentile(p, 100), later.Percentile(p, 100)) << p;
  }
  EXPECT_EQ(LatencyHistogram::BucketOf(static_cast<uint64_t>(since.max())),
            LatencyHistogram::BucketOf(static_cast<uint64_t>(later.max())));
  EXPECT_EQ(LatencyHistogram::BucketOf(static_cast<uint64_t>(since.min())),
            LatencyHistogram::BucketOf(static_cast<uint64_t>(later.min())));
}

}  // namespace
}  // namespace dsim::sim
