// The kinds of scheduler events, one registry for the whole simulator so that kinds never
// collide. The scheduler dispatches by kind through a table (Scheduler::SetHandler), so a new
// layer (cluster, repair, workload) adds its kinds here and registers one handler per kind.
// Values are part of the trace hash: never renumber an existing kind.
#ifndef DSIM_SIM_EVENT_KIND_H_
#define DSIM_SIM_EVENT_KIND_H_

#include <cstdint>

namespace dsim::sim {

enum class EventKind : uint8_t {
  kNone = 0,
  // Network (sim/net/network.h).
  kNetworkDeliver = 1,  // a message arrives: node = to, a = payload, b = sent_at, c = from|bytes
  // Fault schedule (sim/fault_schedule.h).
  kFaultApply = 8,  // a = fault index
  kFaultUndo = 9,   // a = fault index (the end of a fault's `duration`)
  // Runner (sim/simulation.cc).
  kSample = 16,  // take a timeseries row (a daemon event)
  // Relay workload (sim/relay/relay_workload.h).
  kRelayStart = 24,   // every node sends its initial messages
  kRelayResend = 25,  // node = sender that lost a message and sends a fresh one
  // Cluster layer (32..63).
  kKvArrival = 32,        // kv workload: the next client operation arrives
  kKvPhase = 33,          // kv workload: a phase starts (a = phase index); keeps quiet phases alive
  kOpTimeout = 34,        // coordinator: a = operation reference; the request timeout expired
  kCommitlogSync = 35,    // node = the node whose periodic commit-log sync is due (daemon)
  kHintReplay = 36,       // node = the coordinator replaying its hints
  kRepairTick = 37,       // repair: a periodic full repair is due
  kRepairValidated = 38,  // repair: node = validator, a = session reference, aux = replica pos
  kStreamSend = 39,       // repair: a = stream batch reference; the throttle lets it go
  kRepairResend = 40,     // repair: node = from, a = payload, b = to, c = bytes, aux = category
  kRepairStart = 41,      // repair: a = job reference; the job starts its sessions
  kHeartbeatTick = 42,    // failure detector: node = the node that heartbeats and checks (daemon)
};

// Handler tables are this large; every kind must be below it.
inline constexpr int kMaxEventKinds = 64;

}  // namespace dsim::sim

#endif  // DSIM_SIM_EVENT_KIND_H_
