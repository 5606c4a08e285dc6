// RelayWorkload: the network benchmark and the kernel's end-to-end exercise. Each node starts
// with `messages_per_node` messages, each sent to a uniformly random other node; a node that
// receives one forwards it to a uniformly random other node. A message the network drops (lost
// on a link, or unreachable) is replaced by a fresh one from its sender at the time the lost
// one would have arrived (for unreachable destinations: after a nominal latency draw, like a
// timeout), so the population stays constant and a partitioned node keeps time moving rather
// than spinning at one instant. Duplicate copies are counted and not forwarded (a receiver
// deduplicates). The run stops (Scheduler::RequestStop) after `deliveries` original deliveries
// (0: never; the run ends on duration or max_events).
//
// Randomness: destinations come from the streams ("relay", node), independent of the network's
// own streams, so changing the workload never changes which messages the network drops.
//
// Metrics (ExportTo):
//   relay.sent, relay.delivered, relay.dropped, relay.duplicated, relay.in_flight  (messages)
//   relay.latency.{min,mean,p50,p90,p99,p999,max}  (s; per hop, send to delivery)
#ifndef DSIM_SIM_RELAY_WORKLOAD_H_
#define DSIM_SIM_RELAY_WORKLOAD_H_

#include <cstdint>
#include <vector>

#include "sim/core/histogram.h"
#include "sim/core/metrics.h"
#include "sim/core/random.h"
#include "sim/core/scheduler.h"
#include "sim/net/message.h"
#include "sim/net/network.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

class RelayWorkload : public EventHandler, public MessageSink {
 public:
  // Registers for kRelayStart/kRelayResend events and relay messages.
  // REQUIRES: network->nodes() >= 2.
  RelayWorkload(const RelayWorkloadConfig& config, Scheduler* scheduler, Network* network,
                uint64_t root_seed);

  // Schedules the start (every node sends its initial messages) at true time `at`.
  void ScheduleStart(Nanos at);

  void OnEvent(const Event& event) override;
  void OnMessage(const Delivery& delivery) override;

  uint64_t sent() const { return sent_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t duplicated() const { return duplicated_; }
  uint64_t in_flight() const { return sent_ - delivered_ - dropped_; }
  const LatencyHistogram& latency() const { return latency_; }

  void ExportTo(MetricSet* metrics) const;

 private:
  void SendFrom(NodeId node);

  RelayWorkloadConfig config_;
  Scheduler* scheduler_;
  Network* network_;
  uint32_t n_;
  std::vector<Rng> rngs_;
  uint64_t next_message_id_ = 0;
  uint64_t sent_ = 0;
  uint64_t delivered_ = 0;
  uint64_t dropped_ = 0;
  uint64_t duplicated_ = 0;
  LatencyHistogram latency_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_RELAY_WORKLOAD_H_
