#include "sim/net/network.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace dsim::sim {
namespace {

// Binomial tolerance: for n trials with probability p, the count is within 5 standard
// deviations (5 sqrt(n p (1 - p))) of n p except with probability < 6e-7.
double BinomialTolerance(double n, double p) { return 5.0 * std::sqrt(n * p * (1.0 - p)); }

struct Received {
  Nanos at;
  Delivery d;
};

class Sink : public MessageSink {
 public:
  explicit Sink(const Scheduler* s) : sched_(s) {}
  void OnMessage(const Delivery& d) override { got.push_back({sched_->now(), d}); }
  std::vector<Received> got;

 private:
  const Scheduler* sched_;
};

LinkClassConfig Constant(Nanos latency) {
  LinkClassConfig link;
  link.latency.kind = LatencyConfig::Kind::kConstant;
  link.latency.value = latency;
  return link;
}

LinkClassConfig Uniform(Nanos lo, Nanos hi) {
  LinkClassConfig link;
  link.latency.kind = LatencyConfig::Kind::kUniform;
  link.latency.min = lo;
  link.latency.max = hi;
  return link;
}

// A scheduler, a network over `nodes` nodes in one datacenter, and a sink for kControl.
struct World {
  explicit World(uint32_t nodes, const LinkClassConfig& link = Constant(kMillisecond)) {
    ClusterConfig cluster;
    cluster.nodes = nodes;
    NetworkConfig net;
    net.link = link;
    Init(cluster, net);
  }
  World(const ClusterConfig& cluster, const NetworkConfig& net) { Init(cluster, net); }
  void Init(const ClusterConfig& cluster, const NetworkConfig& net) {
    absl::StatusOr<Topology> topo = Topology::Create(cluster, net);
    DSIM_CHECK(topo.ok());
    network = std::make_unique<Network>(&sched, *std::move(topo), /*root_seed=*/17);
    network->SetSink(MessageCategory::kControl, &sink);
  }
  Network::SendResult Send(NodeId from, NodeId to, uint64_t payload = 0, uint32_t bytes = 100) {
    return network->Send({.from = from,
                          .to = to,
                          .category = MessageCategory::kControl,
                          .bytes = bytes,
                          .payload = payload});
  }
  // Whether a message from -> to gets through, checked by actually sending one.
  // The one-way delay of a message sent now, after which the network is drained (so FIFO
  // state from earlier messages does not hold it back).
  Nanos Delay(NodeId from, NodeId to) {
    const Nanos now = sched.now();
    const auto r = Send(from, to);
    sched.Run();
    return r.arrival - now;
  }
  bool Passes(NodeId from, NodeId to) {
    const auto r = Send(from, to);
    sched.Run();
    return r.outcome == Network::SendResult::Outcome::kInFlight;
  }

  Scheduler sched;
  Sink sink{&sched};
  std::unique_ptr<Network> network;
};

TEST(NetworkTest, DeliversWithLatencyAndAccountsBytes) {
  World w(3, Constant(2 * kMillisecond));
  const auto r = w.Send(0, 2, /*payload=*/77, /*bytes=*/123);
  EXPECT_EQ(r.outcome, Network::SendResult::Outcome::kInFlight);
  EXPECT_EQ(r.arrival, 2 * kMillisecond);
  EXPECT_EQ(w.network->in_flight(), 1u);
  w.sched.Run();
  ASSERT_EQ(w.sink.got.size(), 1u);
  const Received& got = w.sink.got[0];
  EXPECT_EQ(got.at, 2 * kMillisecond);
  EXPECT_EQ(got.d.message.from, 0u);
  EXPECT_EQ(got.d.message.to, 2u);
  EXPECT_EQ(got.d.message.bytes, 123u);
  EXPECT_EQ(got.d.message.payload, 77u);
  EXPECT_EQ(got.d.message.category, MessageCategory::kControl);
  EXPECT_EQ(got.d.sent_at, 0);
  EXPECT_FALSE(got.d.duplicate);
  const CategoryStats& s = w.network->stats().of(MessageCategory::kControl);
  EXPECT_EQ(s.sent.messages, 1u);
  EXPECT_EQ(s.sent.bytes, 123u);
  EXPECT_EQ(s.delivered.bytes, 123u);
  EXPECT_EQ(w.network->in_flight(), 0u);
}

TEST(NetworkTest, LossRateWithinBinomialTolerance) {
  LinkClassConfig link = Uniform(kMillisecond, 10 * kMillisecond);
  link.loss = Ratio{1, 10};
  World w(4, link);
  const int n = 100'000;
  int lost = 0;
  for (int i = 0; i < n; ++i) {
    lost += w.Send(i % 4, (i + 1) % 4).outcome == Network::SendResult::Outcome::kLost;
  }
  w.sched.Run();
  EXPECT_NEAR(lost, n * 0.1, BinomialTolerance(n, 0.1));
  const CategoryStats& s = w.network->stats().of(MessageCategory::kControl);
  EXPECT_EQ(s.dropped_loss.messages, static_cast<uint64_t>(lost));
  EXPECT_EQ(s.delivered.messages + s.dropped_loss.messages, s.sent.messages);
  EXPECT_EQ(w.sink.got.size(), static_cast<size_t>(n - lost));
}

TEST(NetworkTest, DuplicationRateWithinBinomialToleranceAndCopiesComeAfterOriginals) {
  LinkClassConfig link = Uniform(kMillisecond, 3 * kMillisecond);
  link.duplicate = Ratio{1, 20};
  World w(2, link);
  const int n = 50'000;
  for (int i = 0; i < n; ++i) w.Send(0, 1, /*payload=*/i);
  w.sched.Run();
  const CategoryStats& s = w.network->stats().of(MessageCategory::kControl);
  EXPECT_EQ(s.delivered.messages, static_cast<uint64_t>(n));
  EXPECT_NEAR(static_cast<double>(s.duplicated.messages), n * 0.05, BinomialTolerance(n, 0.05));
  std::vector<bool> original_seen(n, false);
  for (const Received& r : w.sink.got) {
    if (r.d.duplicate) {
      EXPECT_TRUE(original_seen[r.d.message.payload]);
    } else {
      original_seen[r.d.message.payload] = true;
    }
  }
}

TEST(NetworkTest, FifoPerLinkUnlessReordered) {
  // Latency varies 1-10 ms, messages leave every 100 us: without FIFO many would overtake.
  World w(2, Uniform(kMillisecond, 10 * kMillisecond));
  for (uint64_t i = 0; i < 1000; ++i) {
    w.Send(0, 1, i);
    w.sched.Run({.until = w.sched.now() + 100 * kMicrosecond});
  }
  w.sched.Run();
  ASSERT_EQ(w.sink.got.size(), 1000u);
  for (size_t i = 0; i < w.sink.got.size(); ++i) EXPECT_EQ(w.sink.got[i].d.message.payload, i);

  LinkClassConfig reordering = Uniform(kMillisecond, 10 * kMillisecond);
  reordering.reorder = Ratio{1, 4};
  World r(2, reordering);
  for (uint64_t i = 0; i < 1000; ++i) {
    r.Send(0, 1, i);
    r.sched.Run({.until = r.sched.now() + 100 * kMicrosecond});
  }
  r.sched.Run();
  int out_of_order = 0;
  for (size_t i = 1; i < r.sink.got.size(); ++i) {
    out_of_order += r.sink.got[i].d.message.payload < r.sink.got[i - 1].d.message.payload;
  }
  EXPECT_GT(out_of_order, 10);
}

TEST(NetworkTest, BandwidthSerialisesFifo) {
  LinkClassConfig link = Constant(kMillisecond);
  link.bandwidth_bytes_per_sec = 1000;  // 100 bytes take 100 ms
  World w(3, link);
  EXPECT_EQ(w.Send(0, 1, 0, 100).arrival, 101 * kMillisecond);
  EXPECT_EQ(w.Send(0, 1, 1, 100).arrival, 201 * kMillisecond);  // waits for the first
  EXPECT_EQ(w.Send(0, 1, 2, 50).arrival, 251 * kMillisecond);
  EXPECT_EQ(w.Send(0, 2, 3, 100).arrival, 101 * kMillisecond);  // another link, idle
  EXPECT_EQ(w.Send(1, 0, 4, 100).arrival, 101 * kMillisecond);  // the reverse direction too
  // Once the link is idle again, no queueing.
  w.sched.Run();
  const Nanos idle_at = w.sched.now();
  EXPECT_GT(idle_at, 250 * kMillisecond);
  EXPECT_EQ(w.Send(0, 1, 5, 1).arrival, idle_at + kMillisecond + kMillisecond);
  w.sched.Run();
  EXPECT_EQ(w.sink.got.size(), 6u);
}

TEST(NetworkTest, SymmetricPartitionBlocksExactlyTheCutPairsAndHeals) {
  World w(6);
  // Groups {0,1,2} and {3,4}; node 5 is in no group, so it forms a third side.
  const Network::FaultHandle p = w.network->AddPartition({{0, 1, 2}, {3, 4}}, false);
  const int side[] = {0, 0, 0, 1, 1, 2};
  int blocked = 0;
  for (NodeId a = 0; a < 6; ++a) {
    for (NodeId b = 0; b < 6; ++b) {
      if (a == b) continue;
      const bool expect = side[a] == side[b];
      EXPECT_EQ(w.network->Reachable(a, b), expect) << a << "->" << b;
      EXPECT_EQ(w.Passes(a, b), expect) << a << "->" << b;
      blocked += !expect;
    }
  }
  EXPECT_EQ(w.network->stats().of(MessageCategory::kControl).dropped_unreachable.messages,
            static_cast<uint64_t>(blocked));
  EXPECT_TRUE(w.network->Heal(p));
  EXPECT_FALSE(w.network->Heal(p));
  for (NodeId a = 0; a < 6; ++a) {
    for (NodeId b = 0; b < 6; ++b) {
      if (a != b) {
        EXPECT_TRUE(w.Passes(a, b)) << a << "->" << b;
      }
    }
  }
}

TEST(NetworkTest, OverlappingPartitionsIntersect) {
  World w(4);
  w.network->AddPartition({{0, 1}, {2, 3}}, false);
  const Network::FaultHandle second = w.network->AddPartition({{0, 2}, {1, 3}}, false);
  for (NodeId a = 0; a < 4; ++a) {
    for (NodeId b = 0; b < 4; ++b) {
      if (a != b) {
        EXPECT_FALSE(w.network->Reachable(a, b)) << a << "->" << b;
      }
    }
  }
  w.network->Heal(second);
  EXPECT_TRUE(w.network->Reachable(0, 1));
  EXPECT_FALSE(w.network->Reachable(0, 2));
}

TEST(NetworkTest, OneWayPartitionBlocksOneDirectionOnly) {
  World w(5);
  w.network->AddPartition({{0, 1}, {2, 3}}, /*one_way=*/true);  // node 4 in no group
  for (NodeId a = 0; a < 5; ++a) {
    for (NodeId b = 0; b < 5; ++b) {
      if (a == b) continue;
      const bool from_first = a <= 1, to_first = b <= 1;
      const bool expect = !(from_first && !to_first);
      EXPECT_EQ(w.Passes(a, b), expect) << a << "->" << b;
    }
  }
  w.network->HealAll();
  EXPECT_TRUE(w.Passes(0, 2));
}

TEST(NetworkTest, ManyOneWayPartitionsUseMoreThanOneWord) {
  World w(3);
  std::vector<Network::FaultHandle> handles;
  for (int i = 0; i < 70; ++i) handles.push_back(w.network->AddPartition({{0}}, true));
  EXPECT_FALSE(w.network->Reachable(0, 1));
  EXPECT_TRUE(w.network->Reachable(1, 0));
  for (int i = 0; i < 69; ++i) w.network->Heal(handles[i]);
  EXPECT_FALSE(w.network->Reachable(0, 2));
  w.network->Heal(handles[69]);
  EXPECT_TRUE(w.network->Reachable(0, 2));
}

TEST(NetworkTest, LinkCutsOneWayAndBothWaysCount) {
  World w(3);
  const auto one_way = w.network->CutLink(1, 2, /*one_way=*/true);
  EXPECT_FALSE(w.Passes(1, 2));
  EXPECT_TRUE(w.Passes(2, 1));
  EXPECT_TRUE(w.Passes(0, 2));
  const auto both = w.network->CutLink(1, 2, /*one_way=*/false);
  EXPECT_FALSE(w.Passes(1, 2));
  EXPECT_FALSE(w.Passes(2, 1));
  w.network->Heal(both);
  EXPECT_FALSE(w.Passes(1, 2));  // the one-way cut is still there
  EXPECT_TRUE(w.Passes(2, 1));
  w.network->Heal(one_way);
  EXPECT_TRUE(w.Passes(1, 2));
}

TEST(NetworkTest, DegradeReplacesTheClassOfOnePair) {
  World w(3, Constant(kMillisecond));
  const auto d = w.network->DegradeLink(0, 1, Constant(50 * kMillisecond), /*one_way=*/true);
  EXPECT_EQ(w.Send(0, 1).arrival, 50 * kMillisecond);
  EXPECT_EQ(w.Send(1, 0).arrival, kMillisecond);
  EXPECT_EQ(w.Send(0, 2).arrival, kMillisecond);
  w.sched.Run();
  w.network->Heal(d);
  EXPECT_EQ(w.Send(0, 1).arrival - w.sched.now(), kMillisecond);
}

TEST(NetworkTest, RacksUseTheInterRackClass) {
  ClusterConfig cluster;
  cluster.nodes = 4;
  cluster.datacenters.push_back({.name = "dc1", .nodes = 4, .racks = 2});  // racks 0,1,0,1
  NetworkConfig net;
  net.link = Constant(kMillisecond);
  net.inter_rack = Constant(3 * kMillisecond);
  World w(cluster, net);
  EXPECT_EQ(w.Send(0, 2).arrival, kMillisecond);
  EXPECT_EQ(w.Send(0, 1).arrival, 3 * kMillisecond);
}

TEST(NetworkTest, DatacentersRouteOverShortestPathsAndRerouteAroundCuts) {
  ClusterConfig cluster;
  cluster.nodes = 3;
  for (const char* name : {"a", "b", "c"}) {
    cluster.datacenters.push_back({.name = name, .nodes = 1, .racks = 1});
  }
  NetworkConfig net;
  net.link = Constant(kMillisecond);
  net.dc_links.push_back({.from = "a", .to = "b", .link = Constant(10 * kMillisecond)});
  net.dc_links.push_back({.from = "b", .to = "c", .link = Constant(10 * kMillisecond)});
  net.dc_links.push_back({.from = "a", .to = "c", .link = Constant(50 * kMillisecond)});
  World w(cluster, net);
  EXPECT_EQ(w.Delay(0, 2), 20 * kMillisecond);  // a -> b -> c beats a -> c
  EXPECT_EQ(w.Delay(2, 0), 20 * kMillisecond);
  EXPECT_EQ(w.Delay(0, 1), 10 * kMillisecond);
  const auto cut_ab = w.network->CutDcLink(0, 1, /*one_way=*/false);
  EXPECT_EQ(w.Delay(0, 2), 50 * kMillisecond);  // rerouted
  EXPECT_EQ(w.Delay(0, 1), 60 * kMillisecond);  // a -> c -> b
  const auto cut_ac = w.network->CutDcLink(0, 2, /*one_way=*/true);
  EXPECT_FALSE(w.network->Reachable(0, 2));
  EXPECT_FALSE(w.network->Reachable(0, 1));
  EXPECT_TRUE(w.network->Reachable(2, 0));  // c -> a still up (one-way cut)
  EXPECT_EQ(w.Send(0, 2).outcome, Network::SendResult::Outcome::kUnreachable);
  w.network->Heal(cut_ac);
  w.network->Heal(cut_ab);
  EXPECT_EQ(w.Delay(0, 2), 20 * kMillisecond);
  // A degraded DC link changes the route too.
  w.network->DegradeDcLink(1, 2, Constant(100 * kMillisecond), false);
  EXPECT_EQ(w.Delay(0, 2), 50 * kMillisecond);
  EXPECT_EQ(w.Delay(1, 2), 60 * kMillisecond);  // b -> a -> c
}

TEST(NetworkTest, UnknownDatacenterInDcLinksIsAnError) {
  ClusterConfig cluster;
  cluster.nodes = 2;
  cluster.datacenters.push_back({.name = "a", .nodes = 2, .racks = 1});
  NetworkConfig net;
  net.dc_links.push_back({.from = "a", .to = "zz", .link = {}});
  EXPECT_FALSE(Topology::Create(cluster, net).ok());
  cluster.nodes = 3;  // does not match the datacenters
  EXPECT_FALSE(Topology::Create(cluster, NetworkConfig{}).ok());
}

TEST(NetworkTest, LossDecisionsDoNotDependOnOtherSendersDraws) {
  // Node 0's losses are the same whether or not node 1 also sends (per-sender streams).
  auto losses_of_node0 = [](bool node1_sends) {
    LinkClassConfig link = Uniform(kMillisecond, 2 * kMillisecond);
    link.loss = Ratio{1, 3};
    World w(3, link);
    std::vector<bool> lost;
    for (int i = 0; i < 1000; ++i) {
      if (node1_sends) w.Send(1, 2);
      lost.push_back(w.Send(0, 2).outcome == Network::SendResult::Outcome::kLost);
    }
    return lost;
  };
  EXPECT_EQ(losses_of_node0(false), losses_of_node0(true));
}

TEST(NetworkTest, LargeClustersUseSparsePairStateWithTheSameBehaviour) {
  // Above PairClock::kDenseMaxNodes the FIFO and bandwidth clocks live in a hash map.
  LinkClassConfig link = Uniform(kMillisecond, 10 * kMillisecond);
  link.bandwidth_bytes_per_sec = 1'000'000;
  World w(PairClock::kDenseMaxNodes + 100, link);
  const NodeId last = PairClock::kDenseMaxNodes + 99;
  for (uint64_t i = 0; i < 200; ++i) {
    w.Send(0, last, i, 1000);  // 1 ms of serialisation each
    w.Send(last, 1, i, 1000);
  }
  w.sched.Run();
  ASSERT_EQ(w.sink.got.size(), 400u);
  uint64_t next_a = 0, next_b = 0;
  Nanos prev_a = 0;
  for (const Received& r : w.sink.got) {
    if (r.d.message.from == 0) {
      EXPECT_EQ(r.d.message.payload, next_a++);
      EXPECT_GE(r.at - prev_a, 0);
      prev_a = r.at;
    } else {
      EXPECT_EQ(r.d.message.payload, next_b++);
    }
  }
  EXPECT_GE(prev_a, 200 * kMillisecond);  // serialised one after another
}

TEST(NetworkTest, MessagesToSelfArriveAtOnce) {
  LinkClassConfig link = Constant(kMillisecond);
  link.loss = Ratio{1, 1};
  World w(2, link);
  const auto r = w.Send(1, 1, 5);
  EXPECT_EQ(r.outcome, Network::SendResult::Outcome::kInFlight);
  EXPECT_EQ(r.arrival, 0);
  EXPECT_EQ(w.Send(0, 1).outcome, Network::SendResult::Outcome::kLost);
  w.sched.Run();
  ASSERT_EQ(w.sink.got.size(), 1u);
  EXPECT_EQ(w.sink.got[0].d.message.payload, 5u);
}

}  // namespace
}  // namespace dsim::sim
