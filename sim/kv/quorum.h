// QuorumTracker: the replies one client operation counts towards its consistency level, and the
// operation's decision, made once: met (enough replicas answered) or failed (its timeout came
// first). Writes count acknowledgements and reads count responses with the same tracker.
//
// Replicas are named by their position in the key's replica list (Ring::Replicas, at most
// Ring::kMaxReplicas); a position counts once however often it answers (network duplicates,
// resends). Once decided, the decision stands: a later Count never turns a failure into
// success, nor reports a success twice.
//
//   QuorumTracker q;
//   q.Reset(/*replicas=*/3, RequiredResponses(ConsistencyLevel::kQuorum, 3));  // needs 2
//   if (!q.counted(pos) && q.Count(pos)) { /* the level was met by this reply */ }
//   if (q.Fail()) { /* timed out first */ }
#ifndef DSIM_SIM_KV_QUORUM_H_
#define DSIM_SIM_KV_QUORUM_H_

#include <cstdint>

#include "engine/check.h"
#include "sim/kv/ring.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

// Replies needed out of `replicas`: ONE = 1, QUORUM = floor(replicas / 2) + 1, ALL = replicas.
inline uint32_t RequiredResponses(ConsistencyLevel cl, uint32_t replicas) {
  switch (cl) {
    case ConsistencyLevel::kOne:
      return 1;
    case ConsistencyLevel::kQuorum:
      return replicas / 2 + 1;
    case ConsistencyLevel::kAll:
      return replicas;
  }
  return replicas;
}

class QuorumTracker {
 public:
  // Starts over for an operation on `replicas` replicas that needs `required` replies (0: an
  // operation nobody waits for). REQUIRES: replicas <= Ring::kMaxReplicas.
  void Reset(uint32_t replicas, uint32_t required) {
    DSIM_CHECK(replicas <= Ring::kMaxReplicas);
    replicas_ = replicas;
    required_ = required;
    counted_ = 0;
    count_ = 0;
    decided_ = false;
  }

  uint32_t replicas() const { return replicas_; }
  uint32_t required() const { return required_; }
  // Whether position `pos` has been counted; the bitmask of counted positions.
  bool counted(uint32_t pos) const { return (counted_ & (1u << pos)) != 0; }
  uint32_t counted_mask() const { return counted_; }
  // Every replica answered: nothing more can arrive that counts.
  bool all_counted() const { return count_ == replicas_; }
  bool decided() const { return decided_; }

  // Counts position `pos`'s reply. Returns true when this reply met the level: once per
  // operation, and never after Fail. REQUIRES: pos < replicas(), !counted(pos).
  bool Count(uint32_t pos) {
    DSIM_CHECK(pos < replicas_ && !counted(pos));
    counted_ |= 1u << pos;
    ++count_;
    if (decided_ || count_ < required_) return false;
    decided_ = true;
    return true;
  }
  // The operation failed (its timeout passed) unless it was decided already; returns true when
  // this call decided it.
  bool Fail() {
    if (decided_) return false;
    decided_ = true;
    return true;
  }

 private:
  uint32_t replicas_ = 0;
  uint32_t required_ = 0;
  uint32_t counted_ = 0;  // bitmask of positions
  uint32_t count_ = 0;
  bool decided_ = false;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_QUORUM_H_
