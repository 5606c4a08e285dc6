#include "sim/relay/relay_workload.h"

#include "engine/check.h"

namespace dsim::sim {

RelayWorkload::RelayWorkload(const RelayWorkloadConfig& config, Scheduler* scheduler,
                             Network* network, uint64_t root_seed)
    : config_(config), scheduler_(scheduler), network_(network), n_(network->nodes()) {
  DSIM_CHECK(n_ >= 2);
  rngs_.reserve(n_);
  for (NodeId node = 0; node < n_; ++node) rngs_.emplace_back(StreamSeed(root_seed, "relay", node));
  scheduler_->SetHandler(EventKind::kRelayStart, this);
  scheduler_->SetHandler(EventKind::kRelayResend, this);
  network_->SetSink(MessageCategory::kRelay, this);
}

void RelayWorkload::ScheduleStart(Nanos at) { scheduler_->Schedule(at, EventKind::kRelayStart, 0); }

void RelayWorkload::SendFrom(NodeId node) {
  // Uniform over the n - 1 other nodes.
  uint32_t to = static_cast<uint32_t>(rngs_[node].Bounded(n_ - 1));
  if (to >= node) ++to;
  ++sent_;
  const Network::SendResult r = network_->Send({.from = node,
                                                .to = to,
                                                .category = MessageCategory::kRelay,
                                                .bytes = config_.message_bytes,
                                                .payload = next_message_id_++});
  if (r.outcome != Network::SendResult::Outcome::kInFlight) {
    ++dropped_;
    scheduler_->Schedule(r.arrival, EventKind::kRelayResend, node);
  }
}

void RelayWorkload::OnEvent(const Event& event) {
  switch (event.kind) {
    case EventKind::kRelayStart:
      for (NodeId node = 0; node < n_; ++node) {
        for (uint32_t i = 0; i < config_.messages_per_node; ++i) SendFrom(node);
      }
      break;
    case EventKind::kRelayResend:
      SendFrom(event.node);
      break;
    default:
      DSIM_CHECK_MSG(false, "unexpected event kind for the relay workload");
  }
}

void RelayWorkload::OnMessage(const Delivery& delivery) {
  if (delivery.duplicate) {
    ++duplicated_;
    return;
  }
  ++delivered_;
  DSIM_CHECK(delivered_ + dropped_ <= sent_);
  latency_.Record(scheduler_->now() - delivery.sent_at);
  if (config_.deliveries != 0 && delivered_ >= config_.deliveries) {
    scheduler_->RequestStop();
    return;
  }
  SendFrom(delivery.message.to);
}

void RelayWorkload::ExportTo(MetricSet* metrics) const {
  metrics->Set("relay.sent", sent_, "messages");
  metrics->Set("relay.delivered", delivered_, "messages");
  metrics->Set("relay.dropped", dropped_, "messages");
  metrics->Set("relay.duplicated", duplicated_, "messages");
  metrics->Set("relay.in_flight", in_flight(), "messages");
  const char* names[] = {"min", "mean", "p50", "p90", "p99", "p999", "max"};
  if (latency_.count() == 0) {
    for (const char* name : names) metrics->SetNull(std::string("relay.latency.") + name, "s");
    return;
  }
  metrics->Set("relay.latency.min", ToSeconds(latency_.min()), "s");
  metrics->Set("relay.latency.mean", latency_.Mean() / 1e9, "s");
  metrics->Set("relay.latency.p50", ToSeconds(latency_.Percentile(50, 100)), "s");
  metrics->Set("relay.latency.p90", ToSeconds(latency_.Percentile(90, 100)), "s");
  metrics->Set("relay.latency.p99", ToSeconds(latency_.Percentile(99, 100)), "s");
  metrics->Set("relay.latency.p999", ToSeconds(latency_.Percentile(999, 1000)), "s");
  metrics->Set("relay.latency.max", ToSeconds(latency_.max()), "s");
}

}  // namespace dsim::sim
