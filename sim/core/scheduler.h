// Scheduler: the discrete-event core. A priority queue of small POD events ordered by
// (time, sequence number), so simultaneous events run in the order they were scheduled and a
// run is a pure function of its inputs. The scheduler is an object (no globals): several
// simulations may live in one process, e.g. in tests.
//
//   Scheduler sched;
//   sched.SetHandler(EventKind::kNetworkDeliver, &network);  // network.OnEvent(const Event&)
//   sched.Schedule(5 * kMillisecond, EventKind::kNetworkDeliver, /*node=*/3, payload);
//   StopReason why = sched.Run({.until = kSecond});
//
// Events carry a kind, a node, a 16-bit aux word and three 64-bit payload words; larger
// payloads live in a pool owned by the handler, and the event carries the index. Dispatch goes
// through a table of EventHandler* indexed by kind: no std::function, no allocation per event.
//
// Storage: a 4-ary min-heap of 16-byte keys {time, seq<<24 | slot} in a std::vector, plus a
// slot pool (40 bytes per pending event) with a free list. Both grow amortised and never
// shrink, so in steady state scheduling and running an event allocate nothing.
//
// Costs (n = events in the heap, including cancelled ones not yet popped):
//   Schedule  O(log4 n) compares, amortised O(1) memory (no allocation once warm)
//   Cancel    O(1): marks the slot; the heap entry is discarded when it reaches the top
//   Run       O(log4 n) per event popped (bottom-up deletion: a branch-free 4-way minimum per
//             level), plus one XXH3 of 40 bytes for the trace hash and one virtual call to the
//             kind's handler
//   now, pending, trace_hash: O(1)
//
// Limits (checked): at most 2^24 (16.7 M) events pending at once, at most 2^40 events scheduled
// per run. Time never goes backwards (checked on every pop) and nothing may be scheduled in the
// past (checked on every Schedule).
//
// Daemon events (ScheduleDaemon) are periodic bookkeeping such as time-series sampling: they run
// like any other event but do not keep the simulation alive: Run reports quiescence as soon as
// no non-daemon event is pending.
#ifndef DSIM_SIM_SCHEDULER_H_
#define DSIM_SIM_SCHEDULER_H_

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/check.h"
#include "sim/core/event_kind.h"
#include "sim/core/ids.h"
#include "sim/core/time.h"

namespace dsim::sim {

// What a handler receives. Plain data; the meaning of node/aux/a/b/c belongs to the kind.
struct Event {
  Nanos time = 0;
  EventKind kind = EventKind::kNone;
  uint16_t aux = 0;
  NodeId node = 0;
  uint64_t a = 0;
  uint64_t b = 0;
  uint64_t c = 0;
};

// Receives every event of the kinds it is registered for. Handlers may schedule and cancel
// events and call RequestStop from inside OnEvent.
class EventHandler {
 public:
  virtual ~EventHandler() = default;
  virtual void OnEvent(const Event& event) = 0;
};

// Names a scheduled event, for Cancel. Stays valid (and harmless) after the event ran or was
// cancelled: Cancel of a stale id returns false.
using EventId = uint64_t;

enum class StopReason {
  kQuiescent,      // no non-daemon event pending
  kTimeLimit,      // the next event is after `until`; now() was advanced to `until`
  kEventBudget,    // events_processed() reached `max_events`
  kStopRequested,  // a handler called RequestStop()
};

struct RunLimits {
  // Process events with time <= until.
  Nanos until = kNanosMax;
  // Stop when events_processed() (cumulative over the scheduler's life) reaches this.
  uint64_t max_events = std::numeric_limits<uint64_t>::max();
};

class Scheduler {
 public:
  // `expected_pending`: capacity reserved up front, so a run of that size never reallocates.
  explicit Scheduler(size_t expected_pending = 0);

  // The most events pending at once (the slot index has 24 bits); the scenario loader refuses
  // scenarios that would start with more.
  static constexpr uint64_t kMaxPending = uint64_t{1} << 24;

  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Registers the handler of `kind` (replacing any previous one; null unregisters). The
  // handler must outlive the scheduler's Run calls. Running an event of a kind with no handler
  // is a checked error.
  void SetHandler(EventKind kind, EventHandler* handler);

  // Schedules an event at absolute true time `time`. REQUIRES: time >= now().
  EventId Schedule(Nanos time, EventKind kind, NodeId node, uint64_t a = 0, uint64_t b = 0,
                   uint64_t c = 0, uint16_t aux = 0) {
    return Push(time, kind, node, a, b, c, aux, /*daemon=*/false);
  }
  // As Schedule, `delay` after now(). REQUIRES: delay >= 0.
  EventId ScheduleAfter(Nanos delay, EventKind kind, NodeId node, uint64_t a = 0, uint64_t b = 0,
                        uint64_t c = 0, uint16_t aux = 0) {
    DSIM_CHECK(delay >= 0);
    return Push(now_ + delay, kind, node, a, b, c, aux, /*daemon=*/false);
  }
  // As Schedule, but the event does not keep the run alive (see the header comment).
  EventId ScheduleDaemon(Nanos time, EventKind kind, NodeId node, uint64_t a = 0, uint64_t b = 0,
                         uint64_t c = 0, uint16_t aux = 0) {
    return Push(time, kind, node, a, b, c, aux, /*daemon=*/true);
  }

  // Cancels a pending event. Returns false (and does nothing) if it already ran or was
  // cancelled. O(1).
  bool Cancel(EventId id);

  // Runs events in (time, seq) order until a limit is hit, quiescence, or RequestStop.
  StopReason Run(const RunLimits& limits = {});

  // Makes the current Run return kStopRequested after the running event; sticky: every later
  // Run returns at once too.
  void RequestStop() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }

  // Folds a handler-supplied digest (e.g. of a pooled payload) into the trace hash.
  void MixTrace(uint64_t digest);

  Nanos now() const { return now_; }
  uint64_t events_processed() const { return processed_; }
  // Events that will run (cancelled ones excluded), daemon ones included.
  size_t pending() const { return heap_.size() - cancelled_in_heap_; }
  // Pending non-daemon events.
  size_t live_pending() const { return live_pending_; }
  // Running XXH3 over every processed event's (time, kind, aux, node, a, b, c).
  uint64_t trace_hash() const { return trace_hash_; }

 private:
  static constexpr int kSlotBits = 24;
  static constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
  static constexpr uint64_t kMaxSeq = (uint64_t{1} << (64 - kSlotBits)) - 1;
  static constexpr uint64_t kFreeSlot = std::numeric_limits<uint64_t>::max();
  static constexpr uint8_t kCancelled = 1;
  static constexpr uint8_t kDaemon = 2;

  // 16 bytes; ordered by (time, id), and id = seq << 24 | slot orders by seq.
  struct HeapEntry {
    uint64_t time;  // non-negative Nanos
    uint64_t id;
  };
  struct Slot {
    uint64_t id;  // the EventId while pending, kFreeSlot otherwise (or the next free slot)
    EventKind kind;
    uint8_t flags;
    uint16_t aux;
    NodeId node;
    uint64_t a, b, c;
  };

  static bool Less(const HeapEntry& x, const HeapEntry& y) {
    return ((static_cast<unsigned __int128>(x.time) << 64) | x.id) <
           ((static_cast<unsigned __int128>(y.time) << 64) | y.id);
  }

  EventId Push(Nanos time, EventKind kind, NodeId node, uint64_t a, uint64_t b, uint64_t c,
               uint16_t aux, bool daemon);
  void SiftUp(size_t pos, HeapEntry entry);
  HeapEntry PopTop();
  uint32_t AllocSlot();
  void FreeSlot(uint32_t slot);

  std::vector<HeapEntry> heap_;
  std::vector<Slot> slots_;
  uint32_t free_head_ = UINT32_MAX;  // free list threaded through Slot::a
  std::array<EventHandler*, kMaxEventKinds> handlers_{};
  Nanos now_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t processed_ = 0;
  size_t live_pending_ = 0;
  size_t cancelled_in_heap_ = 0;
  uint64_t trace_hash_ = 0;
  bool stop_requested_ = false;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_SCHEDULER_H_
