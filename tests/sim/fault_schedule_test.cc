#include "sim/fault_schedule.h"

#include <gtest/gtest.h>

namespace dsim::sim {
namespace {

class NullSink : public MessageSink {
 public:
  void OnMessage(const Delivery&) override {}
};

// Records Network::Reachable(from, to) at given times, through probe events.
class Probe : public EventHandler {
 public:
  Probe(Scheduler* s, Network* n) : s_(s), n_(n) { s->SetHandler(EventKind::kSample, this); }
  void At(Nanos t, NodeId from, NodeId to) { s_->Schedule(t, EventKind::kSample, from, to); }
  void OnEvent(const Event& e) override {
    seen.push_back(n_->Reachable(e.node, static_cast<NodeId>(e.a)));
  }
  std::vector<bool> seen;

 private:
  Scheduler* s_;
  Network* n_;
};

struct World {
  explicit World(uint32_t nodes) {
    ClusterConfig cluster;
    cluster.nodes = nodes;
    network = std::make_unique<Network>(&sched, *Topology::Create(cluster, {}), 1);
    network->SetSink(MessageCategory::kControl, &sink);
    clocks = MakeNodeClocks({}, nodes, 1);
  }
  Scheduler sched;
  NullSink sink;
  std::unique_ptr<Network> network;
  std::vector<NodeClock> clocks;
};

FaultConfig Cut(std::string name, Nanos at, NodeId from, NodeId to) {
  FaultConfig f;
  f.kind = FaultConfig::Kind::kCutLink;
  f.name = std::move(name);
  f.at = at;
  f.from = from;
  f.to = to;
  return f;
}

TEST(FaultScheduleTest, DurationAutoHealsAndHealByNameOrAll) {
  World w(4);
  std::vector<FaultConfig> faults;
  faults.push_back(Cut("a", 10, 0, 1));
  faults.back().duration = 20;  // healed at 30
  faults.push_back(Cut("b", 10, 2, 3));
  faults.push_back(Cut("c", 10, 1, 2));
  FaultConfig heal_b;
  heal_b.kind = FaultConfig::Kind::kHeal;
  heal_b.at = 50;
  heal_b.target = "b";
  faults.push_back(heal_b);
  FaultConfig heal_all;
  heal_all.kind = FaultConfig::Kind::kHeal;
  heal_all.at = 70;
  faults.push_back(heal_all);

  Probe probe(&w.sched, w.network.get());
  FaultSchedule schedule(faults, &w.sched, w.network.get(), &w.clocks);
  ASSERT_TRUE(schedule.Install().ok());
  for (Nanos t : {5, 25, 35, 55, 75}) {
    probe.At(t, 0, 1);
    probe.At(t, 3, 2);
    probe.At(t, 2, 1);
  }
  w.sched.Run();
  // Each row: 0->1 (a), 3->2 (b), 2->1 (c).
  const std::vector<bool> expected = {
      true,  true,  true,   // 5: nothing yet
      false, false, false,  // 25: all three cut
      true,  false, false,  // 35: a healed by its duration
      true,  true,  false,  // 55: b healed by name
      true,  true,  true,   // 75: all healed
  };
  EXPECT_EQ(probe.seen, expected);
  EXPECT_EQ(schedule.applied(), 5u);
  EXPECT_EQ(schedule.undone(), 2u);
  EXPECT_EQ(w.network->active_faults(), 0u);

  // The record says which heal ended which fault: a by its duration, b by name, c by heal-all.
  const std::vector<AppliedFault> applied = schedule.Applied();
  ASSERT_EQ(applied.size(), 5u);
  auto window = [](size_t index, std::string name, Nanos start, Nanos end) {
    return AppliedFault{
        index, FaultConfig::Kind::kCutLink, std::move(name), std::nullopt, start, true, end};
  };
  EXPECT_EQ(applied[0], window(0, "a", 10, 30));
  EXPECT_EQ(applied[1], window(1, "b", 10, 50));
  EXPECT_EQ(applied[2], window(2, "c", 10, 70));
  for (size_t i : {3, 4}) {
    EXPECT_EQ(applied[i].index, i);
    EXPECT_EQ(applied[i].kind, FaultConfig::Kind::kHeal);
    EXPECT_FALSE(applied[i].lasting);
    EXPECT_FALSE(applied[i].end.has_value());
  }
  EXPECT_EQ(applied[3].start, 50);
  EXPECT_EQ(applied[4].start, 70);
}

TEST(FaultScheduleTest, RecordsOpenWindowsInstantsAndNothingForFaultsNotYetDue) {
  World w(4);
  std::vector<FaultConfig> faults;
  faults.push_back(Cut("open", 10, 0, 1));  // never healed
  FaultConfig jump;
  jump.kind = FaultConfig::Kind::kClockJump;
  jump.at = 20;
  jump.node = 2;
  jump.jump = kMillisecond;
  faults.push_back(jump);
  faults.push_back(Cut("late", 1000, 2, 3));  // after the run stops
  FaultSchedule schedule(faults, &w.sched, w.network.get(), &w.clocks);
  ASSERT_TRUE(schedule.Install().ok());
  const uint64_t pending = w.sched.pending();
  w.sched.Run({.until = 100});
  // Recording added no event of its own.
  EXPECT_EQ(w.sched.pending(), pending - 2);
  const std::vector<AppliedFault> applied = schedule.Applied();
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[0], (AppliedFault{0, FaultConfig::Kind::kCutLink, "open", std::nullopt, 10,
                                      true, std::nullopt}));
  EXPECT_EQ(applied[1], (AppliedFault{1, FaultConfig::Kind::kClockJump, "", NodeId{2}, 20, false,
                                      std::nullopt}));
}

TEST(FaultScheduleTest, ClockFaultsStepAndRedriftTheNodeClock) {
  World w(3);
  std::vector<FaultConfig> faults(2);
  faults[0].kind = FaultConfig::Kind::kClockJump;
  faults[0].at = kSecond;
  faults[0].node = 1;
  faults[0].jump = -250 * kMillisecond;
  faults[1].kind = FaultConfig::Kind::kDriftChange;
  faults[1].at = 2 * kSecond;
  faults[1].node = 1;
  faults[1].drift_ppm = 100;  // 100 us per second
  FaultSchedule schedule(faults, &w.sched, w.network.get(), &w.clocks);
  ASSERT_TRUE(schedule.Install().ok());
  w.sched.Run();
  EXPECT_EQ(w.clocks[1].OffsetAt(2 * kSecond), -250 * kMillisecond);
  EXPECT_EQ(w.clocks[1].OffsetAt(4 * kSecond), -250 * kMillisecond + 200 * kMicrosecond);
  EXPECT_EQ(w.clocks[0].OffsetAt(4 * kSecond), 0);
}

TEST(FaultScheduleTest, BadReferencesAreErrorsNotCrashes) {
  World w(3);
  std::vector<FaultConfig> faults;
  faults.push_back(Cut("x", 0, 0, 3));
  FaultSchedule bad_node(faults, &w.sched, w.network.get(), &w.clocks);
  const absl::Status s = bad_node.Install();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("faults[0] (x)"), std::string::npos) << s;

  faults[0] = Cut("", 0, 1, 1);
  EXPECT_FALSE(FaultSchedule(faults, &w.sched, w.network.get(), &w.clocks).Install().ok());

  faults[0].kind = FaultConfig::Kind::kPartition;
  faults[0].groups = {{0, 1}, {1, 2}};
  EXPECT_FALSE(FaultSchedule(faults, &w.sched, w.network.get(), &w.clocks).Install().ok());

  faults[0].kind = FaultConfig::Kind::kClockJump;
  faults[0].node = 7;
  EXPECT_FALSE(FaultSchedule(faults, &w.sched, w.network.get(), &w.clocks).Install().ok());
  EXPECT_EQ(w.sched.pending(), 0u);  // nothing was scheduled by the failed installs
}

}  // namespace
}  // namespace dsim::sim
