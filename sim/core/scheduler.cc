#include "sim/core/scheduler.h"

#include <cstring>

// xxHash compiled inline here: the trace hash is on the hot path and hashes 40 bytes per event.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace dsim::sim {

namespace {

// The bytes of one processed event that enter the trace hash (no padding, fixed layout).
struct TraceRecord {
  int64_t time;
  uint32_t kind_aux;
  uint32_t node;
  uint64_t a, b, c;
};
static_assert(sizeof(TraceRecord) == 40);

}  // namespace

Scheduler::Scheduler(size_t expected_pending) {
  heap_.reserve(expected_pending);
  slots_.reserve(expected_pending);
}

void Scheduler::SetHandler(EventKind kind, EventHandler* handler) {
  const int index = static_cast<int>(kind);
  DSIM_CHECK(index > 0 && index < kMaxEventKinds);
  handlers_[index] = handler;
}

uint32_t Scheduler::AllocSlot() {
  if (free_head_ != UINT32_MAX) {
    const uint32_t slot = free_head_;
    free_head_ = static_cast<uint32_t>(slots_[slot].a);
    return slot;
  }
  DSIM_CHECK_MSG(slots_.size() <= kSlotMask, "more than 2^24 events pending");
  slots_.emplace_back();
  return static_cast<uint32_t>(slots_.size() - 1);
}

void Scheduler::FreeSlot(uint32_t slot) {
  Slot& s = slots_[slot];
  s.id = kFreeSlot;
  s.a = free_head_;
  free_head_ = slot;
}

EventId Scheduler::Push(Nanos time, EventKind kind, NodeId node, uint64_t a, uint64_t b, uint64_t c,
                        uint16_t aux, bool daemon) {
  DSIM_CHECK_MSG(time >= now_, "event scheduled in the past");
  DSIM_CHECK(static_cast<int>(kind) < kMaxEventKinds);
  DSIM_CHECK_MSG(next_seq_ <= kMaxSeq, "more than 2^40 events scheduled");
  const uint32_t slot = AllocSlot();
  const EventId id = (next_seq_++ << kSlotBits) | slot;
  Slot& s = slots_[slot];
  s.id = id;
  s.kind = kind;
  s.flags = daemon ? kDaemon : 0;
  s.aux = aux;
  s.node = node;
  s.a = a;
  s.b = b;
  s.c = c;
  if (!daemon) ++live_pending_;
  heap_.push_back({});
  SiftUp(heap_.size() - 1, HeapEntry{static_cast<uint64_t>(time), id});
  return id;
}

// Moves the hole at `pos` up until `entry` fits, then stores it there.
void Scheduler::SiftUp(size_t pos, HeapEntry entry) {
  while (pos > 0) {
    const size_t parent = (pos - 1) >> 2;
    if (!Less(entry, heap_[parent])) break;
    heap_[pos] = heap_[parent];
    pos = parent;
  }
  heap_[pos] = entry;
}

// Bottom-up deletion (Wegener): walk the hole from the root down to a leaf along the smallest
// children, without comparing against the displaced last entry, then sift that entry up from
// the leaf. The last entry usually belongs near the bottom, so this saves a comparison (and a
// mispredicted branch) per level; the four-child minimum is a branch-free tournament.
Scheduler::HeapEntry Scheduler::PopTop() {
  const HeapEntry top = heap_[0];
  const HeapEntry last = heap_.back();
  heap_.pop_back();
  const size_t n = heap_.size();
  if (n == 0) return top;
  HeapEntry* h = heap_.data();
  size_t pos = 0;
  while (true) {
    const size_t first = 4 * pos + 1;
    if (first + 4 <= n) {
      const HeapEntry* c = h + first;
      const size_t a = static_cast<size_t>(Less(c[1], c[0]));
      const size_t b = 2 + static_cast<size_t>(Less(c[3], c[2]));
      const size_t take_b = static_cast<size_t>(Less(c[b], c[a]));
      const size_t m = a ^ ((a ^ b) & (0 - take_b));
      h[pos] = c[m];
      pos = first + m;
    } else if (first < n) {
      size_t best = first;
      for (size_t child = first + 1; child < n; ++child) {
        if (Less(h[child], h[best])) best = child;
      }
      h[pos] = h[best];
      pos = best;
    } else {
      break;
    }
  }
  SiftUp(pos, last);
  return top;
}

bool Scheduler::Cancel(EventId id) {
  const uint64_t slot = id & kSlotMask;
  if (slot >= slots_.size()) return false;
  Slot& s = slots_[slot];
  if (s.id != id || (s.flags & kCancelled)) return false;
  s.flags |= kCancelled;
  ++cancelled_in_heap_;
  if (!(s.flags & kDaemon)) {
    DSIM_CHECK(live_pending_ > 0);
    --live_pending_;
  }
  return true;
}

void Scheduler::MixTrace(uint64_t digest) {
  trace_hash_ = XXH3_64bits_withSeed(&digest, sizeof(digest), trace_hash_);
}

StopReason Scheduler::Run(const RunLimits& limits) {
  while (true) {
    if (stop_requested_) return StopReason::kStopRequested;
    if (live_pending_ == 0) return StopReason::kQuiescent;
    if (processed_ >= limits.max_events) return StopReason::kEventBudget;
    DSIM_CHECK(!heap_.empty());
    if (static_cast<Nanos>(heap_[0].time) > limits.until) {
      if (limits.until > now_) now_ = limits.until;
      return StopReason::kTimeLimit;
    }
    const HeapEntry top = PopTop();
    const uint32_t slot = static_cast<uint32_t>(top.id & kSlotMask);
    Slot& s = slots_[slot];
    DSIM_CHECK(s.id == top.id);
    if (s.flags & kCancelled) {
      --cancelled_in_heap_;
      FreeSlot(slot);
      continue;
    }
    const Nanos time = static_cast<Nanos>(top.time);
    DSIM_CHECK_MSG(time >= now_, "time went backwards");
    now_ = time;
    const Event event{time, s.kind, s.aux, s.node, s.a, s.b, s.c};
    if (!(s.flags & kDaemon)) --live_pending_;
    FreeSlot(slot);  // before dispatch, so the handler's own Schedule can reuse it
    ++processed_;

    const TraceRecord record{
        time,       static_cast<uint32_t>(event.kind) | uint32_t{event.aux} << 16,
        event.node, event.a,
        event.b,    event.c};
    trace_hash_ = XXH3_64bits_withSeed(&record, sizeof(record), trace_hash_);

    EventHandler* handler = handlers_[static_cast<int>(event.kind)];
    DSIM_CHECK_MSG(handler != nullptr, "no handler for event kind");
    handler->OnEvent(event);
  }
}

}  // namespace dsim::sim
