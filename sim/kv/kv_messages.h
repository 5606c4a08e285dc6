// The wire sizes and trace digests of the key-value messages (kWrite, kWriteAck, kRead,
// kReadResponse, kHint), shared by the coordinator (coordinator.h) and hinted handoff
// (hints.h) so that both charge the network and fold the trace the same way.
//
// A message is a fixed header (verb, ids, timestamps) plus, when it carries data, the
// partition's accounted size. A delivery folds a 64-bit digest of its payload into the trace
// hash (Scheduler::MixTrace): for a partition, its content digest folded to 64 bits.
//
//   network.Send({..., .category = MessageCategory::kWrite, .bytes = KvWireBytes(p), ...});
//   scheduler.MixTrace(KvTraceDigest(p));
#ifndef DSIM_SIM_KV_KV_MESSAGES_H_
#define DSIM_SIM_KV_KV_MESSAGES_H_

#include <cstdint>

#include "engine/partition.h"

namespace dsim::sim {

// Header bytes of every key-value message.
inline constexpr uint32_t kKvHeaderBytes = 24;

// Header plus the partition's bytes: the size of a message carrying `p`.
uint32_t KvWireBytes(const engine::Partition& p);

// The partition's content digest folded to 64 bits, for the trace.
uint64_t KvTraceDigest(const engine::Partition& p);

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_KV_MESSAGES_H_
