#include "sim/simulation.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cmath>
#include <string>

namespace dsim::sim {
namespace {

uint64_t U(const RunOutput& out, const char* path) {
  return out.metrics.Get(path)["value"].get<uint64_t>();
}

Scenario SmallRelay() {
  Scenario s;
  s.name = "relay-small";
  s.simulation.seed = 42;
  s.cluster.nodes = 20;
  s.network.link.latency.kind = LatencyConfig::Kind::kUniform;
  s.network.link.latency.min = kMillisecond;
  s.network.link.latency.max = 10 * kMillisecond;
  s.network.link.loss = Ratio{1, 100};
  s.network.link.duplicate = Ratio{1, 200};
  s.workload.relay.messages_per_node = 5;
  s.workload.relay.deliveries = 20'000;
  s.metrics.sample_interval = 10 * kMillisecond;
  return s;
}

RunOutput RunOk(const Scenario& s, const RunOptions& options = {}) {
  absl::StatusOr<RunOutput> out = RunScenario(s, options);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *std::move(out) : RunOutput{};
}

TEST(SimulationTest, SameScenarioTwiceGivesIdenticalOutput) {
  Scenario s = SmallRelay();
  FaultConfig partition;
  partition.kind = FaultConfig::Kind::kPartition;
  partition.at = 20 * kMillisecond;
  partition.duration = 30 * kMillisecond;
  partition.groups = {{0, 1, 2, 3, 4}};
  s.faults.push_back(partition);
  const RunOutput a = RunOk(s);
  const RunOutput b = RunOk(s);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.events_processed, b.events_processed);
  EXPECT_EQ(a.end_time, b.end_time);
  EXPECT_EQ(a.stop_reason, b.stop_reason);
  EXPECT_EQ(a.metrics.json().dump(), b.metrics.json().dump());
  EXPECT_EQ(a.timeseries.ToCsv(), b.timeseries.ToCsv());
}

TEST(SimulationTest, DifferentSeedChangesTheTraceHash) {
  Scenario s = SmallRelay();
  const RunOutput a = RunOk(s);
  s.simulation.seed = 43;
  const RunOutput b = RunOk(s);
  EXPECT_NE(a.trace_hash, b.trace_hash);
  EXPECT_NE(a.metrics.json().dump(), b.metrics.json().dump());
}

TEST(SimulationTest, ProgressReportsDoNotChangeTheRun) {
  const Scenario s = SmallRelay();
  RunOptions options;
  uint64_t calls = 0, last_events = 0;
  options.progress_every_events = 1000;
  options.progress = [&](Nanos, uint64_t events) {
    ++calls;
    EXPECT_GT(events, last_events);
    last_events = events;
  };
  const RunOutput with = RunOk(s, options);
  const RunOutput without = RunOk(s);
  EXPECT_GE(calls, 15u);
  EXPECT_EQ(with.trace_hash, without.trace_hash);
  EXPECT_EQ(with.events_processed, without.events_processed);
}

TEST(SimulationTest, RelayStopsAfterTheDeliveriesAndAccountsEveryMessage) {
  const RunOutput out = RunOk(SmallRelay());
  EXPECT_EQ(out.stop_reason, "workload_done");
  EXPECT_EQ(U(out, "relay.delivered"), 20'000u);
  const uint64_t sent = U(out, "relay.sent");
  const uint64_t dropped = U(out, "relay.dropped");
  EXPECT_EQ(sent, U(out, "relay.delivered") + dropped + U(out, "relay.in_flight"));
  EXPECT_LE(U(out, "relay.in_flight"), 100u);
  // 1 % loss: binomial tolerance, 5 standard deviations.
  const double n = static_cast<double>(sent);
  EXPECT_NEAR(static_cast<double>(dropped), n / 100, 5 * std::sqrt(n * 0.01 * 0.99));
  EXPECT_GT(U(out, "relay.duplicated"), 0u);
  EXPECT_EQ(U(out, "network.relay.sent.messages"), sent);
  EXPECT_EQ(U(out, "network.relay.sent.bytes"), sent * 64);
  EXPECT_EQ(U(out, "network.relay.dropped_loss.messages"), dropped);
  EXPECT_EQ(U(out, "network.total.duplicated.messages"), U(out, "relay.duplicated"));
  // Latency is uniform in [1, 10] ms, FIFO can only add a little.
  const double p50 = out.metrics.Get("relay.latency.p50")["value"].get<double>();
  const double mean = out.metrics.Get("relay.latency.mean")["value"].get<double>();
  EXPECT_GE(out.metrics.Get("relay.latency.min")["value"].get<double>(), 1e-3);
  EXPECT_NEAR(p50, 5.5e-3, 0.3e-3);
  EXPECT_NEAR(mean, 5.5e-3, 0.3e-3);
  EXPECT_EQ(out.metrics.Get("relay.latency.mean")["unit"], "s");
}

TEST(SimulationTest, TimeseriesHasARowPerIntervalAndAFinalRow) {
  const RunOutput out = RunOk(SmallRelay());
  const Timeseries& ts = out.timeseries;
  ASSERT_GE(ts.rows(), 3u);
  EXPECT_EQ(ts.columns().size(), 11u);
  EXPECT_EQ(ts.columns()[2], "relay_delivered");
  EXPECT_EQ(ts.time(0), 0);
  EXPECT_EQ(ts.time(1), 10 * kMillisecond);
  EXPECT_EQ(ts.time(ts.rows() - 1), out.end_time);
  EXPECT_EQ(ts.value(ts.rows() - 1, 2), 20'000.0);
  for (size_t r = 1; r < ts.rows(); ++r) EXPECT_GE(ts.value(r, 2), ts.value(r - 1, 2));
}

TEST(SimulationTest, StopsOnDurationAndOnEventBudget) {
  Scenario s = SmallRelay();
  s.workload.relay.deliveries = 0;  // unlimited
  s.simulation.duration = 50 * kMillisecond;
  const RunOutput by_time = RunOk(s);
  EXPECT_EQ(by_time.stop_reason, "duration");
  EXPECT_EQ(by_time.end_time, 50 * kMillisecond);
  s.simulation.max_events = 1234;
  s.simulation.duration = 0;
  const RunOutput by_budget = RunOk(s);
  EXPECT_EQ(by_budget.stop_reason, "max_events");
  EXPECT_EQ(by_budget.events_processed, 1234u);
}

TEST(SimulationTest, QuiescentWhenNothingIsLeftToDo) {
  Scenario s = SmallRelay();
  s.workload.relay.messages_per_node = 0;
  FaultConfig jump;
  jump.kind = FaultConfig::Kind::kClockJump;
  jump.at = 3 * kSecond;
  jump.node = 2;
  jump.jump = -2 * kSecond;
  s.faults.push_back(jump);
  const RunOutput out = RunOk(s);
  EXPECT_EQ(out.stop_reason, "quiescent");
  EXPECT_EQ(out.end_time, 3 * kSecond);  // the fault kept it alive until then
  EXPECT_EQ(U(out, "faults.applied"), 1u);
  EXPECT_DOUBLE_EQ(out.metrics.Get("clocks.offset_abs_max")["value"].get<double>(), 2.0);
}

TEST(SimulationTest, PartitionFaultDropsAndHealsOnSchedule) {
  Scenario s = SmallRelay();
  s.network.link.loss = Ratio{0, 1};
  s.network.link.duplicate = Ratio{0, 1};
  FaultConfig p;
  p.kind = FaultConfig::Kind::kPartition;
  p.name = "split";
  p.at = 10 * kMillisecond;
  p.groups = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}};
  s.faults.push_back(p);
  FaultConfig heal;
  heal.kind = FaultConfig::Kind::kHeal;
  heal.at = 40 * kMillisecond;
  heal.target = "split";
  s.faults.push_back(heal);
  const RunOutput out = RunOk(s);
  EXPECT_EQ(out.stop_reason, "workload_done");
  EXPECT_GT(U(out, "network.relay.dropped_unreachable.messages"), 0u);
  EXPECT_EQ(U(out, "network.relay.dropped_loss.messages"), 0u);
  EXPECT_EQ(U(out, "faults.applied"), 2u);
  EXPECT_EQ(U(out, "faults.undone"), 1u);
  EXPECT_EQ(U(out, "faults.network_active"), 0u);
  // The faults_active column rises to 1 and falls back to 0.
  const Timeseries& ts = out.timeseries;
  // Fault events were scheduled at setup, before the sample at 10 ms was (by the sample at
  // 0), so at equal times the fault runs first.
  EXPECT_EQ(ts.value(0, 10), 0.0);  // 0 ms
  EXPECT_EQ(ts.value(1, 10), 1.0);  // 10 ms
  EXPECT_EQ(ts.value(3, 10), 1.0);  // 30 ms
  EXPECT_EQ(ts.value(4, 10), 0.0);  // 40 ms: healed
  // RunOutput carries what the fault schedule applied: the window the heal closed, the heal.
  ASSERT_EQ(out.faults_applied.size(), 2u);
  EXPECT_EQ(out.faults_applied[0],
            (AppliedFault{0, FaultConfig::Kind::kPartition, "split", std::nullopt,
                          10 * kMillisecond, true, 40 * kMillisecond}));
  EXPECT_EQ(out.faults_applied[1].kind, FaultConfig::Kind::kHeal);
  EXPECT_FALSE(out.faults_applied[1].lasting);
}

TEST(SimulationTest, ScenarioErrorsAreStatuses) {
  Scenario s = SmallRelay();
  s.cluster.nodes = 1;
  EXPECT_FALSE(RunScenario(s).ok());
  s = SmallRelay();
  FaultConfig bad;
  bad.kind = FaultConfig::Kind::kCutLink;
  bad.from = 0;
  bad.to = 99;
  s.faults.push_back(bad);
  EXPECT_EQ(RunScenario(s).status().code(), absl::StatusCode::kInvalidArgument);
  s = SmallRelay();
  bad.from_dc = "dc1";
  bad.to_dc = "nowhere";
  s.faults.push_back(bad);
  EXPECT_EQ(RunScenario(s).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SimulationTest, MultiDatacenterRelayWithDcLinkCut) {
  Scenario s = SmallRelay();
  s.cluster.nodes = 12;
  s.cluster.datacenters = {{.name = "east", .nodes = 4, .racks = 2},
                           {.name = "west", .nodes = 4, .racks = 2},
                           {.name = "eu", .nodes = 4, .racks = 1}};
  LinkClassConfig wan;
  wan.latency.kind = LatencyConfig::Kind::kConstant;
  wan.latency.value = 30 * kMillisecond;
  wan.bandwidth_bytes_per_sec = 1'000'000;
  s.network.dc_links = {{.from = "east", .to = "west", .link = wan},
                        {.from = "west", .to = "eu", .link = wan}};
  FaultConfig cut;
  cut.kind = FaultConfig::Kind::kCutLink;
  cut.from_dc = "east";
  cut.to_dc = "west";
  cut.at = 100 * kMillisecond;
  cut.duration = 100 * kMillisecond;
  s.faults.push_back(cut);
  s.workload.relay.deliveries = 5000;
  const RunOutput a = RunOk(s);
  EXPECT_EQ(a.stop_reason, "workload_done");
  EXPECT_GT(U(a, "network.relay.dropped_unreachable.messages"), 0u);
  EXPECT_EQ(U(a, "faults.undone"), 1u);
  // Max latency: two WAN hops plus serialisation.
  EXPECT_GE(a.metrics.Get("relay.latency.max")["value"].get<double>(), 60e-3);
  EXPECT_EQ(RunOk(s).trace_hash, a.trace_hash);
}

}  // namespace
}  // namespace dsim::sim

namespace dsim::sim {
namespace {

// Golden trace hashes: every build type (Release, Debug, ASan+UBSan) must reproduce them. A
// change means every seeded run of that kind changed: update deliberately, never casually.
TEST(SimulationTest, GoldenTraceHashesAgreeAcrossBuilds) {
  Scenario uniform = SmallRelay();
  Scenario lognormal = SmallRelay();
  lognormal.network.link.latency = {
      .kind = LatencyConfig::Kind::kLogNormal, .median = 2 * kMillisecond, .sigma = 0.6};
  lognormal.network.inter_rack = lognormal.network.link;
  lognormal.network.inter_rack->latency = {
      .kind = LatencyConfig::Kind::kNormal, .mean = 3 * kMillisecond, .stddev = kMillisecond};
  lognormal.cluster.datacenters = {{.name = "dc1", .nodes = 20, .racks = 3}};
  lognormal.clocks.offset_max = 5 * kMillisecond;
  lognormal.clocks.drift_ppm_max = 50;
  lognormal.clocks.ntp_period = 16 * kMillisecond;
  lognormal.clocks.ntp_residual = 100 * kMicrosecond;
  const RunOutput a = RunOk(uniform);
  const RunOutput b = RunOk(lognormal);
  const std::string metrics = b.metrics.json().dump();
  EXPECT_EQ(a.trace_hash, 0x73a7638b4c457607ULL);
  EXPECT_EQ(b.trace_hash, 0x7171861e5934d955ULL);
  EXPECT_EQ(XXH3_64bits(metrics.data(), metrics.size()), 0x9b5fdee93b5a78a9ULL) << metrics;
}

}  // namespace
}  // namespace dsim::sim
