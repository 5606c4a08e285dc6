// The phi failure detector on a small cluster (fixed seeds): a crash is convicted by every peer
// within the derived window and forgotten at the restart's first heartbeat; loss alone gives
// false convictions; coordinators then send to a down but unconvicted replica and time out.
#include "sim/kv/failure_detector.h"

#include <gtest/gtest.h>

#include <memory>

#include "sim/kv/kv_world.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::FaultAt;
using testing::RunOk;
using testing::SmallKv;
using testing::U;

constexpr Nanos kInterval = 100 * kMillisecond;

Scenario PhiKv(uint64_t seed) {
  Scenario s = SmallKv(seed);
  s.cluster.failure_detector = ClusterConfig::FailureDetector::kPhi;
  s.cluster.heartbeat_interval = kInterval;
  s.cluster.phi_convict_threshold = 8;
  return s;
}

// Node 2 crashes at 1.5 s and restarts at 4 s. Its last heartbeat was sent in (1.4 s, 1.5 s];
// each peer's window then holds n = 16 arrivals (the virtual one at 0 and 15 heartbeats) whose
// intervals add up to 2I + (last - 0), so mean ~ (2I + 1.5 s) / 16, and conviction comes
// B = T ln(10) mean after the last arrival, at most one check tick (I) later: from the crash,
// within [B - I, B + I + latency_max]. The first heartbeat after the
// restart is sent within I and arrives a latency later: recover_time <= I + latency_max.
TEST(FailureDetectorTest, CrashIsConvictedByEveryPeerAndForgottenAfterRestart) {
  Scenario s = PhiKv(5);
  const Nanos crash = 1500 * kMillisecond;
  s.faults = {FaultAt(FaultConfig::Kind::kCrash, crash, 2),
              FaultAt(FaultConfig::Kind::kRestart, 4 * kSecond, 2)};
  absl::StatusOr<std::unique_ptr<KvWorld>> made = KvWorld::Create(s);
  ASSERT_TRUE(made.ok()) << made.status();
  KvWorld& w = **made;
  ASSERT_TRUE(w.Start().ok());
  const Nanos lat_max = s.network.link.latency.max;
  w.scheduler().Run({.until = crash + lat_max});
  const FailureDetector& fd = *w.failure_detector();
  double bound[5] = {};
  for (NodeId o : {0u, 1u, 3u, 4u}) {
    bound[o] = 8 * ArrivalWindow::kLn10 * fd.window(o, 2).MeanNanos();
    EXPECT_TRUE(fd.BelievesAlive(o, 2));  // not yet convicted: requests still go to node 2
  }
  EXPECT_FALSE(fd.BelievesAlive(2, 2));  // a down node believes nothing of itself
  // Convicted by 1.5 s + B + I + latency, B = 18.42 x (2I + 1.5 s) / 16 ~ 1.96 s: 3.56 s.
  w.scheduler().Run({.until = 3800 * kMillisecond});
  for (NodeId o : {0u, 1u, 3u, 4u}) EXPECT_FALSE(fd.BelievesAlive(o, 2)) << o;
  ASSERT_EQ(fd.true_convictions().size(), 4u);
  for (const FailureDetector::Conviction& c : fd.true_convictions()) {
    EXPECT_EQ(c.peer, 2u);
    EXPECT_EQ(c.path_bad_since, crash);
    const double took = static_cast<double>(c.at - crash);
    EXPECT_GE(took, bound[c.observer] - static_cast<double>(kInterval)) << c.observer;
    EXPECT_LE(took, bound[c.observer] + static_cast<double>(kInterval + lat_max)) << c.observer;
  }
  w.scheduler().Run({});
  RunOutput out;
  w.Finish(&out);
  EXPECT_EQ(U(out, "failure_detector.convictions"), 4u);
  EXPECT_EQ(U(out, "failure_detector.false_convictions"), 0u);
  EXPECT_EQ(U(out, "failure_detector.recoveries"), 4u);
  EXPECT_EQ(U(out, "failure_detector.convicted_end"), 0u);
  EXPECT_GT(D(out, "failure_detector.recover_time.max"), 0.0);
  EXPECT_LE(D(out, "failure_detector.recover_time.max"), ToSeconds(kInterval + lat_max));
  EXPECT_GE(D(out, "failure_detector.convict_time.max"),
            D(out, "failure_detector.convict_time.mean"));
  // The restarted node's detector starts afresh: it convicts nobody.
  EXPECT_EQ(fd.convictions_by(2), 0u);
  EXPECT_EQ(fd.convictions_of(2), 4u);
}

// Until the peers convict the crashed node, coordinators count it alive: operations it is
// needed for time out (ALL) instead of failing as unavailable, as the perfect detector makes
// them fail.
TEST(FailureDetectorTest, UnconvictedDownReplicaMeansTimeoutsNotUnavailability) {
  Scenario s = PhiKv(5);
  s.cluster.write_consistency = ConsistencyLevel::kAll;
  s.faults = {FaultAt(FaultConfig::Kind::kCrash, 1500 * kMillisecond, 2)};
  const RunOutput phi = RunOk(s);
  s.cluster.failure_detector = ClusterConfig::FailureDetector::kPerfect;
  s.cluster.heartbeat_interval.reset();
  s.cluster.phi_convict_threshold.reset();
  const RunOutput perfect = RunOk(s);
  // Perfect: only the writes in flight at the crash (issued within a latency of it) time out.
  EXPECT_LT(U(perfect, "ops.write.failed_timeout"), 10u);
  EXPECT_GT(U(perfect, "ops.write.failed_unavailable"), 100u);
  // Phi: ~1.9 s of writes needing node 2 time out before it is convicted, then fail at once.
  EXPECT_GT(U(phi, "ops.write.failed_timeout"), 100u);
  EXPECT_GT(U(phi, "ops.write.failed_unavailable"), 100u);
  // The same writes fail either way (no loss: the fault state at the issue decides).
  EXPECT_EQ(U(phi, "ops.write.failed"), U(perfect, "ops.write.failed"));
}

// 30 % loss on every link and a low threshold (1: 2.3 mean intervals of silence): runs of lost
// heartbeats convict peers that are up and reachable. None of those measures a convict time.
TEST(FailureDetectorTest, LossAloneGivesFalseConvictions) {
  Scenario s = PhiKv(9);
  s.cluster.phi_convict_threshold = 1;
  s.network.link.loss = Ratio{3, 10};
  s.cluster.request_timeout = 500 * kMillisecond;
  const RunOutput out = RunOk(s);
  EXPECT_GT(U(out, "failure_detector.false_convictions"), 10u);
  EXPECT_EQ(U(out, "failure_detector.convictions"), U(out, "failure_detector.false_convictions"));
  EXPECT_TRUE(testing::IsNull(out, "failure_detector.convict_time.mean"));
  EXPECT_GT(U(out, "network.gossip.dropped_loss.messages"), 0u);
}

TEST(FailureDetectorTest, SameSeedSameRun) {
  Scenario s = PhiKv(3);
  s.network.link.loss = Ratio{1, 10};
  s.faults = {FaultAt(FaultConfig::Kind::kCrash, kSecond, 1)};
  const RunOutput a = RunOk(s);
  const RunOutput b = RunOk(s);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.nodes.ToCsv(), b.nodes.ToCsv());
  EXPECT_EQ(a.metrics.Get("failure_detector.convictions"),
            b.metrics.Get("failure_detector.convictions"));
}

}  // namespace
}  // namespace dsim::sim
