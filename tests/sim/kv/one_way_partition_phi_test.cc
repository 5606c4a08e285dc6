// The acceptance case of the phi failure detector, on the shipped scenario
// scenarios/one-way-partition-phi.toml: node 0's outgoing traffic is cut from 4 s to 8 s.
//   - node 0 believes everyone alive, so its operations time out instead of failing at once
//     (and exactly the operations the perfect detector fails as unavailable time out);
//   - each peer convicts node 0 within the window failure_detector.h derives;
//   - heartbeats are accounted as network.gossip.*, with the count the tick schedule gives.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "sim/kv/failure_detector.h"
#include "sim/kv/kv_world.h"
#include "sim/simulation.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::LoadShipped;
using testing::RunOk;
using testing::U;

constexpr Nanos kCut = 4 * kSecond;   // the scenario's node0-mute fault
constexpr Nanos kHeal = 8 * kSecond;  // its end (4 s duration)

Scenario Phi() {
  Scenario s = LoadShipped("one-way-partition-phi");
  EXPECT_EQ(s.cluster.failure_detector, ClusterConfig::FailureDetector::kPhi);
  EXPECT_EQ(s.faults.at(0).at, kCut);
  EXPECT_EQ(*s.faults.at(0).duration, kHeal - kCut);
  return s;
}

Scenario Perfect() {
  Scenario s = Phi();
  s.cluster.failure_detector = ClusterConfig::FailureDetector::kPerfect;
  s.cluster.heartbeat_interval.reset();
  s.cluster.phi_convict_threshold.reset();
  return s;
}

TEST(OneWayPartitionPhiTest, NodeZeroTimesOutInsteadOfFailingAtOnce) {
  const RunOutput phi = RunOk(Phi());
  const RunOutput perfect = RunOk(Perfect());
  ASSERT_EQ(phi.nodes.rows.size(), 5u);
  ASSERT_EQ(perfect.nodes.rows.size(), 5u);
  // nodes.csv columns: ops_coordinated, ops_succeeded, ops_failed_unavailable, ops_failed_timeout.
  const std::vector<uint64_t>& p0 = phi.nodes.rows[0];
  const std::vector<uint64_t>& q0 = perfect.nodes.rows[0];
  EXPECT_EQ(p0[0], q0[0]);  // the workload (its own random stream) gives node 0 the same ops
  EXPECT_GT(q0[2], 100u);   // perfect: node 0 cannot reach a quorum, fails at once
  EXPECT_EQ(q0[3], 0u);
  EXPECT_EQ(p0[2], 0u);  // phi: node 0 convicts nobody (it hears every heartbeat)
  // Every operation node 0 issues during the cut sends into it and times out; those are the
  // ones the perfect detector refuses (no loss: reachability at the issue decides both).
  EXPECT_EQ(p0[3], q0[2]);
  // The peers keep a quorum without node 0 in both modes.
  for (size_t n = 1; n < 5; ++n) {
    EXPECT_EQ(phi.nodes.rows[n][2], 0u) << n;
    EXPECT_EQ(phi.nodes.rows[n][3], 0u) << n;
  }
  EXPECT_EQ(U(phi, "failure_detector.false_convictions"), 0u);
  EXPECT_EQ(U(phi, "failure_detector.convictions"), 4u);  // node 0 by each peer, once
  EXPECT_EQ(phi.nodes.columns.back(), "fd_convictions_of");
  EXPECT_EQ(phi.nodes.rows[0].back(), 4u);
  EXPECT_FALSE(perfect.metrics.Has("failure_detector.convictions"));
}

// Run to just after the cut, read each peer's window of node 0 (no heartbeat of node 0 arrives
// after the cut but those in flight, sent before it), then run on and compare each conviction
// with failure_detector.h's derivation: B = T ln(10) mean; convict - last arrival in (B, B + I];
// convict - cut in [B - (I + latency_max), B + (I + latency_max)].
TEST(OneWayPartitionPhiTest, PeersConvictNodeZeroWhenTheDerivationSays) {
  const Scenario s = Phi();
  absl::StatusOr<std::unique_ptr<KvWorld>> made = KvWorld::Create(s);
  ASSERT_TRUE(made.ok()) << made.status();
  KvWorld& w = **made;
  ASSERT_TRUE(w.Start().ok());
  const Nanos lat_min = s.network.link.latency.min, lat_max = s.network.link.latency.max;
  w.scheduler().Run({.until = kCut + lat_max});
  const FailureDetector& fd = *w.failure_detector();
  const Nanos interval = fd.interval();
  const double t = fd.threshold();
  EXPECT_EQ(interval, 100 * kMillisecond);
  struct Expect {
    Nanos last;
    double bound;
  };
  std::vector<Expect> expect(5);
  for (NodeId o = 1; o < 5; ++o) {
    const ArrivalWindow& win = fd.window(o, 0);
    // n arrivals (the virtual one at 0, then node 0's heartbeats): the initial 2I plus
    // intervals adding up to (last - 0) (none exceeds 2I), so mean = (2I + last) / n exactly
    // (to rounding), and with heartbeats at 0, I, 2I, ... plus a latency, last ~ (n - 2) I:
    // mean ~ I n / n = I within (I + latency spread) / n.
    const double n = static_cast<double>(win.size());
    EXPECT_NEAR(win.MeanNanos() * n, static_cast<double>(2 * interval + win.last_arrival()), 1);
    EXPECT_NEAR(win.MeanNanos(), static_cast<double>(interval),
                static_cast<double>(interval + lat_max - lat_min) / n);
    EXPECT_EQ(win.size(), 41u);  // the virtual arrival and the heartbeats sent at 0 .. 3.9 s
    EXPECT_GT(win.last_arrival(), kCut - interval + lat_min);
    EXPECT_LE(win.last_arrival(), kCut + lat_max);
    expect[o] = {win.last_arrival(), t * ArrivalWindow::kLn10 * win.MeanNanos()};
  }
  w.scheduler().Run({.until = s.simulation.duration});
  const std::vector<FailureDetector::Conviction>& convictions = fd.true_convictions();
  ASSERT_EQ(convictions.size(), 4u);
  const double tolerance = static_cast<double>(interval + lat_max);
  for (const FailureDetector::Conviction& c : convictions) {
    EXPECT_EQ(c.peer, 0u);
    EXPECT_EQ(c.path_bad_since, kCut);
    const Expect& e = expect[c.observer];
    const double since_last = static_cast<double>(c.at - e.last);
    EXPECT_GT(since_last, e.bound) << c.observer;
    EXPECT_LE(since_last, e.bound + static_cast<double>(interval)) << c.observer;
    EXPECT_NEAR(static_cast<double>(c.at - kCut), e.bound, tolerance) << c.observer;
    // A conviction happens at one of the observer's check ticks.
    EXPECT_EQ((c.at - fd.Phase(c.observer)) % interval, 0) << c.observer;
  }
  // After the heal every peer hears node 0 again.
  for (NodeId o = 1; o < 5; ++o) EXPECT_TRUE(fd.BelievesAlive(o, 0)) << o;
}

// Heartbeats: node n ticks at Phase(n) + k I and sends one 64-byte heartbeat to each of the
// other 4 nodes. The run stops at 14 s by quiescence: ticks are daemon events, so once the last
// workload event (the end of the phases, at 14 s) has run, the ticks due at 14 s do not: the
// ticks counted are those before the end. Node 0's ticks at 4.0, 4.1, ..., 7.9 s (40 ticks, its
// phase is 0; the fault applies before the tick at 4 s and heals before the one at 8 s, both
// scheduled earlier) are dropped as unreachable: 160 messages.
TEST(OneWayPartitionPhiTest, HeartbeatsAreAccountedAsGossip) {
  const Scenario s = Phi();
  const RunOutput out = RunOk(s);
  const Nanos interval = *s.cluster.heartbeat_interval;
  const uint32_t nodes = s.cluster.nodes;
  uint64_t expected = 0;
  for (uint32_t n = 0; n < nodes; ++n) {
    const Nanos phase = interval * n / nodes;
    // Tick times phase + k I < end.
    const uint64_t ticks = static_cast<uint64_t>((out.end_time - phase - 1) / interval) + 1;
    expected += ticks * (nodes - 1);
  }
  EXPECT_EQ(out.end_time, s.simulation.duration);
  EXPECT_EQ(out.stop_reason, "quiescent");
  EXPECT_EQ(expected, (140u + 4 * 140u) * 4);  // node 0 at 0 .. 13.9 s, node n at 20n ms + ...
  EXPECT_EQ(U(out, "network.gossip.sent.messages"), expected);
  EXPECT_EQ(U(out, "network.gossip.sent.bytes"), expected * FailureDetector::kHeartbeatBytes);
  const uint64_t dropped = (kHeal - kCut) / interval * (nodes - 1);
  EXPECT_EQ(dropped, 160u);
  EXPECT_EQ(U(out, "network.gossip.dropped_unreachable.messages"), dropped);
  EXPECT_EQ(U(out, "network.gossip.dropped_loss.messages"), 0u);
  // Delivered: all the others, the last sent at 13.98 s and arriving within 2 ms; each is an
  // arrival (no duplication, and FIFO links keep every pair's heartbeats in order).
  EXPECT_EQ(U(out, "network.gossip.delivered.messages"), expected - dropped);
  EXPECT_EQ(U(out, "failure_detector.heartbeats_heard"), expected - dropped);
  // Perfect mode sends none, and the category does not appear.
  const RunOutput perfect = RunOk(Perfect());
  EXPECT_FALSE(perfect.metrics.Has("network.gossip.sent.messages"));
}

}  // namespace
}  // namespace dsim::sim
