// Hinted handoff on a small cluster (fixed seeds): the max_hint_window rule and replay.
#include "sim/kv/hints.h"

#include <gtest/gtest.h>

#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::FaultAt;
using testing::RunOk;
using testing::SmallKv;
using testing::U;

// Node 2 goes silent at 0.5 s for good. Writes time out 2 s after issue, so the first hints are
// due at 2.5 s: within a 3 s window they are kept, and from 3.5 s on they are not. None is ever
// delivered.
TEST(HintsTest, NoHintsForAReplicaSilentLongerThanTheWindow) {
  Scenario s = SmallKv(5);
  s.cluster.hinted_handoff = true;
  s.cluster.max_hint_window = 3 * kSecond;
  s.faults = {FaultAt(FaultConfig::Kind::kCrash, 500 * kMillisecond, 2)};
  const RunOutput out = RunOk(s);
  EXPECT_GT(U(out, "hints.stored"), 100u);
  EXPECT_GT(U(out, "hints.not_stored"), 100u);
  EXPECT_EQ(U(out, "hints.delivered"), 0u);
  EXPECT_EQ(U(out, "hints.sent"), 0u);  // the target is never up
  EXPECT_EQ(U(out, "hints.pending_end"), U(out, "hints.stored"));
}

// The same replica comes back at 2 s: every hint is replayed, acknowledged and deleted.
TEST(HintsTest, HintsAreReplayedOnceTheReplicaIsBack) {
  Scenario s = SmallKv(5);
  s.cluster.hinted_handoff = true;
  s.faults = {FaultAt(FaultConfig::Kind::kCrash, 500 * kMillisecond, 2),
              FaultAt(FaultConfig::Kind::kRestart, 2 * kSecond, 2)};
  const RunOutput out = RunOk(s);
  EXPECT_GT(U(out, "hints.stored"), 100u);
  EXPECT_EQ(U(out, "hints.not_stored"), 0u);
  EXPECT_EQ(U(out, "hints.delivered"), U(out, "hints.stored"));
  EXPECT_GE(U(out, "hints.sent"), U(out, "hints.delivered"));
  EXPECT_EQ(U(out, "hints.pending_end"), 0u);
}

}  // namespace
}  // namespace dsim::sim
