// RepairChannel: how repair traffic crosses the simulated network. Repair runs over TCP in
// Cassandra, so a message the network loses is not lost: it is resent when it would have
// arrived (the retransmission), as often as needed, until it is delivered or its destination
// becomes unreachable. A destination that is unreachable when sending (or resending) is the
// caller's failure to handle (a failed session, a dropped batch).
//
// Ownership: the channel owns no payloads. A resend is a kRepairResend event (node = from,
// a = payload, b = to, c = bytes, aux = category) that the repair service receives and routes
// to the payload's owner, which checks that the payload is still live and calls Resend (or
// drops the message when its owner is gone). The channel counts what every strategy reports in
// common: control bytes (the first send of each control message; resends and streamed data are
// not control) and resends.
//
//   RepairChannel channel(&network, &scheduler);
//   if (!channel.SendControl(initiator, replica, MessageCategory::kControl, 64, ref.Pack())) {
//     ... unreachable: fail ...
//   }
//   // later, in the kRepairResend handler, once the payload's owner is known to be live:
//   if (!channel.Resend(event)) ... unreachable now ...
#ifndef DSIM_SIM_REPAIR_REPAIR_CHANNEL_H_
#define DSIM_SIM_REPAIR_REPAIR_CHANNEL_H_

#include <cstdint>

#include "sim/core/ids.h"
#include "sim/core/scheduler.h"
#include "sim/net/message.h"
#include "sim/net/network.h"

namespace dsim::sim {

class RepairChannel {
 public:
  // REQUIRES: the pointers outlive the channel; sinks for the categories sent are registered.
  RepairChannel(Network* network, Scheduler* scheduler);

  // Sends a control message (counted in control_bytes). False when `to` is unreachable from
  // `from` now; a lost message is resent later (see the header comment).
  bool SendControl(NodeId from, NodeId to, MessageCategory category, uint32_t bytes,
                   uint64_t payload);
  // As SendControl, for streamed data (not counted as control).
  bool SendData(NodeId from, NodeId to, MessageCategory category, uint32_t bytes, uint64_t payload);
  // Sends again the message a kRepairResend event describes. REQUIRES: the payload's owner
  // checked that the payload is still live. False when unreachable now.
  bool Resend(const Event& resend);

  // The category of the message a kRepairResend event describes.
  static MessageCategory CategoryOf(const Event& resend) {
    return static_cast<MessageCategory>(resend.aux);
  }

  uint64_t control_bytes() const { return control_bytes_; }
  uint64_t resends() const { return resends_; }

 private:
  bool Send(NodeId from, NodeId to, MessageCategory category, uint32_t bytes, uint64_t payload);

  Network* network_;
  Scheduler* scheduler_;
  uint64_t control_bytes_ = 0;
  uint64_t resends_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_REPAIR_CHANNEL_H_
