// convergence.time is defined by what the faults broke (oracle.h): from the reference instant,
// until every cell divergent then, and every write issued by then, is on every replica. The
// workload's own later writes do not hold it back. Here a partition's start is swept while the
// workload runs on to 9 s: the new figure follows the heal or the repair, where the old one
// (convergence.quiescence_time) follows the end of the workload.
#include <gtest/gtest.h>

#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

using testing::D;
using testing::RunOk;
using testing::SmallKv;
using testing::U;

constexpr Nanos kWorkloadEnd = 9 * kSecond;
constexpr Nanos kOutage = 3 * kSecond;
constexpr Nanos kRepairAfterHeal = kSecond;

// SmallKv with the steady phase running to 9 s, skewed clocks, node 0 (and, unless one_way,
// node 1) cut off from `start` for 3 s, and a full repair 1 s after the heal.
Scenario PartitionAt(Nanos start, bool one_way) {
  Scenario s = SmallKv(7);
  s.workload.kv.phases[1].duration = kWorkloadEnd - s.workload.kv.phases[0].duration;
  s.clocks.offset_max = 20 * kMillisecond;
  FaultConfig split;
  split.kind = FaultConfig::Kind::kPartition;
  split.name = "split";
  split.at = start;
  split.duration = kOutage;
  split.one_way = one_way;
  split.groups =
      one_way ? std::vector<std::vector<NodeId>>{{0}} : std::vector<std::vector<NodeId>>{{0, 1}};
  FaultConfig repair =
      testing::FaultAt(FaultConfig::Kind::kRepair, start + kOutage + kRepairAfterHeal);
  s.faults = {split, repair};
  return s;
}

// A two-way split leaves cells behind that only the repair brings back: convergence ends
// inside the repair, whatever the partition's start; the old figure ends with the workload.
TEST(ConvergenceDefinitionTest, AfterASplitItFollowsTheRepairNotTheWorkload) {
  for (Nanos start : {2 * kSecond, 4 * kSecond, 6 * kSecond}) {
    SCOPED_TRACE(::testing::Message() << "partition at " << ToSeconds(start) << " s");
    const Scenario s = PartitionAt(start, /*one_way=*/false);
    ASSERT_FALSE(s.cluster.hinted_handoff);
    ASSERT_FALSE(s.cluster.read_repair);
    const RunOutput out = RunOk(s);
    const double heal = ToSeconds(start + kOutage);
    const double repair_at = heal + ToSeconds(kRepairAfterHeal);
    EXPECT_EQ(D(out, "convergence.reference_time"), heal);
    EXPECT_GT(U(out, "convergence.owed_cells"), 100u);
    EXPECT_EQ(U(out, "convergence.owed_cells_end"), 0u);
    const double converged = heal + D(out, "convergence.time");
    // Nothing but the repair streams the missing cells back (no hints, no read repair), and
    // the repair's last stream lands when its job ends.
    EXPECT_GE(converged, repair_at);
    EXPECT_LE(converged, repair_at + D(out, "repair.duration.max"));
    // The old figure: the divergent count keeps moving with the workload's in-flight writes
    // until it stops at 9 s (or the repair ends, whichever is later).
    EXPECT_GE(heal + D(out, "convergence.quiescence_time"), ToSeconds(kWorkloadEnd));
  }
}

// A one-way partition of node 0 (its outgoing traffic cut): node 0 still receives every
// mutation, and the writes it coordinates fail as unavailable before they are issued (the
// perfect failure detector), so nothing is left divergent at the heal but the writes in flight
// then; convergence follows the heal within one write's reach.
TEST(ConvergenceDefinitionTest, AfterAOneWayPartitionItFollowsTheHeal) {
  for (Nanos start : {2 * kSecond, 4 * kSecond, 6 * kSecond}) {
    SCOPED_TRACE(::testing::Message() << "partition at " << ToSeconds(start) << " s");
    const RunOutput out = RunOk(PartitionAt(start, /*one_way=*/true));
    EXPECT_EQ(D(out, "convergence.reference_time"), ToSeconds(start + kOutage));
    EXPECT_EQ(U(out, "convergence.owed_cells_end"), 0u);
    // The owed cells are the writes in flight at the heal: they land within the largest link
    // latency (2 ms) of it.
    EXPECT_LE(D(out, "convergence.time"), 0.002);
    EXPECT_GE(D(out, "convergence.quiescence_time") + ToSeconds(start + kOutage),
              ToSeconds(kWorkloadEnd));
  }
}

}  // namespace
}  // namespace dsim::sim
