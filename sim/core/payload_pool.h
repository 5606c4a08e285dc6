// PayloadPool<T>: a slab of reusable objects addressed by small integer references, for the
// payloads that messages and events carry (the network and the scheduler carry one 64-bit word;
// the object it names lives here).
//
// An object is named by a PoolRef {index, generation}. Free() bumps the slot's generation, so a
// stale reference (a late reply to a finished operation, a duplicate delivery) is recognised by
// Live() instead of silently reading a reused slot. Freed slots go on a free list (LIFO, so the
// order of reuse is a pure function of the call sequence) and their objects are kept, not
// destroyed: a reused T keeps its heap capacity (vectors, strings), so in steady state a pool
// allocates nothing. Nothing is ordered by pointer; iteration is by index.
//
//   PayloadPool<Op> ops;
//   PoolRef r = ops.Alloc();          // the slot's object is whatever the last user left
//   ops[r].Reset(...);
//   network.Send({..., .payload = r.Pack()});
//   PoolRef back = PoolRef::Unpack(delivery.message.payload);
//   if (ops.Live(back)) ...; ops.Free(back);
//
// Costs: Alloc, Free, Live and operator[] are O(1) (Alloc amortised: the slab grows by
// doubling). Limits (checked): at most 2^26 slots (67 M objects alive at once).
#ifndef DSIM_SIM_PAYLOAD_POOL_H_
#define DSIM_SIM_PAYLOAD_POOL_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "engine/check.h"

namespace dsim::sim {

// A reference to a pooled object. Packs into 64 bits with a 6-bit "lane" (a small
// caller-defined number, e.g. the replica position a reply comes from).
struct PoolRef {
  static constexpr int kIndexBits = 26;
  static constexpr uint32_t kMaxIndex = (uint32_t{1} << kIndexBits) - 1;
  static constexpr uint32_t kMaxLane = 63;

  uint32_t index = 0;
  uint32_t generation = 0;

  // generation << 32 | lane << 26 | index. REQUIRES: lane <= kMaxLane.
  uint64_t Pack(uint32_t lane = 0) const {
    DSIM_CHECK(lane <= kMaxLane && index <= kMaxIndex);
    return uint64_t{generation} << 32 | uint64_t{lane} << kIndexBits | index;
  }
  static PoolRef Unpack(uint64_t word) {
    return PoolRef{static_cast<uint32_t>(word & kMaxIndex), static_cast<uint32_t>(word >> 32)};
  }
  static uint32_t UnpackLane(uint64_t word) {
    return static_cast<uint32_t>((word >> kIndexBits) & kMaxLane);
  }
  friend bool operator==(const PoolRef&, const PoolRef&) = default;
};

template <typename T>
class PayloadPool {
 public:
  // A live reference to a slot whose object is left as its previous user left it (or
  // default-constructed the first time): the caller resets the fields it uses.
  PoolRef Alloc() {
    uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      DSIM_CHECK_MSG(objects_.size() <= PoolRef::kMaxIndex, "payload pool full");
      index = static_cast<uint32_t>(objects_.size());
      objects_.emplace_back();
      generations_.push_back(1);
      live_flags_.push_back(false);
    }
    DSIM_CHECK(!live_flags_[index]);
    live_flags_[index] = true;
    ++live_;
    return PoolRef{index, generations_[index]};
  }

  // Releases a live reference. REQUIRES: Live(ref).
  void Free(PoolRef ref) {
    DSIM_CHECK_MSG(Live(ref), "freeing a stale pool reference");
    live_flags_[ref.index] = false;
    ++generations_[ref.index];
    if (generations_[ref.index] == 0) generations_[ref.index] = 1;  // 0 is never live
    free_.push_back(ref.index);
    --live_;
  }

  // True when `ref` names a slot that is allocated and not freed since.
  bool Live(PoolRef ref) const {
    return ref.index < objects_.size() && live_flags_[ref.index] &&
           generations_[ref.index] == ref.generation;
  }

  // REQUIRES: Live(ref).
  T& operator[](PoolRef ref) {
    DSIM_CHECK_MSG(Live(ref), "stale pool reference");
    return objects_[ref.index];
  }
  const T& operator[](PoolRef ref) const {
    DSIM_CHECK_MSG(Live(ref), "stale pool reference");
    return objects_[ref.index];
  }

  // Slot access by index (for iteration over live slots in index order).
  size_t capacity() const { return objects_.size(); }
  bool LiveIndex(uint32_t index) const { return index < objects_.size() && live_flags_[index]; }
  PoolRef RefAt(uint32_t index) const {
    DSIM_CHECK(LiveIndex(index));
    return PoolRef{index, generations_[index]};
  }

  size_t live() const { return live_; }

 private:
  // A deque keeps references to objects stable while the pool grows (a handler may hold a
  // T& across an Alloc).
  std::deque<T> objects_;
  std::vector<uint32_t> generations_;
  std::vector<bool> live_flags_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_PAYLOAD_POOL_H_
