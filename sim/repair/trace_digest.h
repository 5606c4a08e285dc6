// FoldDigest: the 64-bit word a 128-bit content digest (a Merkle root, a streamed partition)
// contributes to the scheduler's trace hash (Scheduler::MixTrace), so that two runs that move
// different data cannot share a trace hash. Pure; part of the golden trace hashes: never change
// the formula.
#ifndef DSIM_SIM_REPAIR_TRACE_DIGEST_H_
#define DSIM_SIM_REPAIR_TRACE_DIGEST_H_

#include <cstdint>

#include "engine/hash.h"

namespace dsim::sim {

inline uint64_t FoldDigest(const engine::Digest128& d) {
  return d.low ^ (d.high * 0x9e3779b97f4a7c15ULL);
}

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_TRACE_DIGEST_H_
