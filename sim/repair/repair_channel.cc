#include "sim/repair/repair_channel.h"

#include "engine/check.h"

namespace dsim::sim {

RepairChannel::RepairChannel(Network* network, Scheduler* scheduler)
    : network_(network), scheduler_(scheduler) {
  DSIM_CHECK(network_ != nullptr && scheduler_ != nullptr);
}

bool RepairChannel::SendControl(NodeId from, NodeId to, MessageCategory category, uint32_t bytes,
                                uint64_t payload) {
  control_bytes_ += bytes;
  return Send(from, to, category, bytes, payload);
}

bool RepairChannel::SendData(NodeId from, NodeId to, MessageCategory category, uint32_t bytes,
                             uint64_t payload) {
  return Send(from, to, category, bytes, payload);
}

bool RepairChannel::Resend(const Event& resend) {
  DSIM_CHECK(resend.kind == EventKind::kRepairResend);
  return Send(resend.node, static_cast<NodeId>(resend.b), CategoryOf(resend),
              static_cast<uint32_t>(resend.c), resend.a);
}

bool RepairChannel::Send(NodeId from, NodeId to, MessageCategory category, uint32_t bytes,
                         uint64_t payload) {
  const Network::SendResult r = network_->Send(
      {.from = from, .to = to, .category = category, .bytes = bytes, .payload = payload});
  switch (r.outcome) {
    case Network::SendResult::Outcome::kInFlight:
      return true;
    case Network::SendResult::Outcome::kLost:
      // TCP retransmits: the copy goes out again when the lost one would have arrived.
      ++resends_;
      scheduler_->Schedule(r.arrival, EventKind::kRepairResend, from, payload, to, bytes,
                           static_cast<uint16_t>(category));
      return true;
    case Network::SendResult::Outcome::kUnreachable:
      return false;
  }
  return false;
}

}  // namespace dsim::sim
