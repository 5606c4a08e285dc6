#include "sim/core/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "sim/core/random.h"

namespace dsim::sim {
namespace {

// Records every event it receives; optionally schedules follow-ups.
class Recorder : public EventHandler {
 public:
  explicit Recorder(Scheduler* s) : sched_(s) {}
  void OnEvent(const Event& e) override {
    seen.push_back(e);
    if (on_event) on_event(e);
  }
  std::vector<Event> seen;
  std::function<void(const Event&)> on_event;

 private:
  Scheduler* sched_;
};

constexpr EventKind kA = EventKind::kRelayStart;
constexpr EventKind kB = EventKind::kRelayResend;

TEST(SchedulerTest, RunsInTimeOrderWithTiesByInsertionOrder) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  s.SetHandler(kB, &r);
  s.Schedule(30, kA, 0, /*a=*/1);
  s.Schedule(10, kB, 0, /*a=*/2);
  s.Schedule(20, kA, 0, /*a=*/3);
  s.Schedule(10, kA, 0, /*a=*/4);  // same time as a=2, scheduled later: runs after it
  s.Schedule(10, kB, 0, /*a=*/5);
  EXPECT_EQ(s.Run(), StopReason::kQuiescent);
  std::vector<uint64_t> order;
  for (const Event& e : r.seen) order.push_back(e.a);
  EXPECT_EQ(order, (std::vector<uint64_t>{2, 4, 5, 3, 1}));
  EXPECT_EQ(s.now(), 30);
  EXPECT_EQ(s.events_processed(), 5u);
}

TEST(SchedulerTest, ManyTiesKeepInsertionOrderThroughHeapReshuffles) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  // Interleave three timestamps, 300 events each; the heap moves entries around a lot.
  for (uint64_t i = 0; i < 900; ++i) s.Schedule(static_cast<Nanos>((i * 7) % 3), kA, 0, i);
  s.Run();
  ASSERT_EQ(r.seen.size(), 900u);
  for (size_t i = 1; i < r.seen.size(); ++i) {
    const Event& p = r.seen[i - 1];
    const Event& c = r.seen[i];
    ASSERT_TRUE(p.time < c.time || (p.time == c.time && p.a < c.a)) << i;
  }
}

TEST(SchedulerTest, MatchesAReferenceOrderUnderRandomScheduleAndCancel) {
  // Property: whatever the mix of schedules (many ties, many pending) and cancels, events run
  // in exactly the sorted (time, insertion) order of those not cancelled.
  Rng rng(99);
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  struct Ref {
    Nanos time;
    uint64_t order;
  };
  std::vector<Ref> expected;
  std::vector<std::pair<EventId, size_t>> ids;
  uint64_t order = 0;
  for (int i = 0; i < 20000; ++i) {
    const Nanos t = static_cast<Nanos>(rng.Bounded(500));  // about 40 events per time value
    ids.push_back({s.Schedule(t, kA, 0, order), expected.size()});
    expected.push_back({t, order++});
    if (rng.Bounded(4) == 0) {
      const size_t victim = rng.Bounded(ids.size());
      if (s.Cancel(ids[victim].first)) expected[ids[victim].second].time = -1;
    }
  }
  std::erase_if(expected, [](const Ref& e) { return e.time < 0; });
  std::stable_sort(expected.begin(), expected.end(),
                   [](const Ref& a, const Ref& b) { return a.time < b.time; });
  EXPECT_EQ(s.pending(), expected.size());
  s.Run();
  ASSERT_EQ(r.seen.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(r.seen[i].a, expected[i].order) << i;
    ASSERT_EQ(r.seen[i].time, expected[i].time) << i;
  }
}

TEST(SchedulerTest, PassesPayloadThrough) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  s.Schedule(5, kA, 7, 11, 12, 13, 14);
  s.Run();
  ASSERT_EQ(r.seen.size(), 1u);
  const Event& e = r.seen[0];
  EXPECT_EQ(e.time, 5);
  EXPECT_EQ(e.kind, kA);
  EXPECT_EQ(e.node, 7u);
  EXPECT_EQ(e.a, 11u);
  EXPECT_EQ(e.b, 12u);
  EXPECT_EQ(e.c, 13u);
  EXPECT_EQ(e.aux, 14);
}

TEST(SchedulerTest, CancelSkipsTheEventAndStaleIdsAreHarmless) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  const EventId x = s.Schedule(10, kA, 0, 1);
  const EventId y = s.Schedule(20, kA, 0, 2);
  s.Schedule(30, kA, 0, 3);
  EXPECT_EQ(s.pending(), 3u);
  EXPECT_TRUE(s.Cancel(y));
  EXPECT_FALSE(s.Cancel(y));  // twice
  EXPECT_EQ(s.pending(), 2u);
  s.Run();
  ASSERT_EQ(r.seen.size(), 2u);
  EXPECT_EQ(r.seen[0].a, 1u);
  EXPECT_EQ(r.seen[1].a, 3u);
  EXPECT_EQ(s.events_processed(), 2u);  // cancelled events are not counted
  EXPECT_FALSE(s.Cancel(x));            // already ran
  // The freed slot is reused by a new event; the old id must not cancel it.
  const EventId z = s.Schedule(40, kA, 0, 4);
  EXPECT_FALSE(s.Cancel(x));
  EXPECT_FALSE(s.Cancel(y));
  s.Run();
  EXPECT_EQ(r.seen.back().a, 4u);
  EXPECT_FALSE(s.Cancel(z));
}

TEST(SchedulerTest, CancelFromInsideAHandler) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  EventId later = s.Schedule(20, kA, 0, 2);
  s.Schedule(10, kA, 0, 1);
  r.on_event = [&](const Event& e) {
    if (e.a == 1) {
      EXPECT_TRUE(s.Cancel(later));
    }
  };
  EXPECT_EQ(s.Run(), StopReason::kQuiescent);
  ASSERT_EQ(r.seen.size(), 1u);
  EXPECT_EQ(s.now(), 10);  // the cancelled event at 20 does not advance time
}

TEST(SchedulerTest, EventBudgetIsCumulative) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  for (int i = 0; i < 10; ++i) s.Schedule(i, kA, 0, i);
  EXPECT_EQ(s.Run({.max_events = 4}), StopReason::kEventBudget);
  EXPECT_EQ(s.events_processed(), 4u);
  EXPECT_EQ(s.now(), 3);
  EXPECT_EQ(s.Run({.max_events = 4}), StopReason::kEventBudget);  // no progress
  EXPECT_EQ(s.events_processed(), 4u);
  EXPECT_EQ(s.Run({.max_events = 7}), StopReason::kEventBudget);
  EXPECT_EQ(s.events_processed(), 7u);
  EXPECT_EQ(s.Run(), StopReason::kQuiescent);
  EXPECT_EQ(s.events_processed(), 10u);
}

TEST(SchedulerTest, RunUntilTimeIsInclusiveAndAdvancesTheClock) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  s.Schedule(10, kA, 0, 1);
  s.Schedule(20, kA, 0, 2);
  s.Schedule(21, kA, 0, 3);
  EXPECT_EQ(s.Run({.until = 20}), StopReason::kTimeLimit);
  EXPECT_EQ(r.seen.size(), 2u);  // the event at exactly 20 ran
  EXPECT_EQ(s.now(), 20);
  EXPECT_EQ(s.Run({.until = 20}), StopReason::kTimeLimit);
  EXPECT_EQ(s.Run({.until = 25}), StopReason::kQuiescent);
  EXPECT_EQ(s.now(), 21);
  // A time limit with nothing live pending is quiescence, and the clock stays put.
  EXPECT_EQ(s.Run({.until = 100}), StopReason::kQuiescent);
  EXPECT_EQ(s.now(), 21);
}

TEST(SchedulerTest, TimeLimitAdvancesNowForLaterScheduling) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  s.Schedule(1000, kA, 0);
  EXPECT_EQ(s.Run({.until = 500}), StopReason::kTimeLimit);
  EXPECT_EQ(s.now(), 500);
  s.ScheduleAfter(10, kA, 0, 9);
  s.Run();
  EXPECT_EQ(r.seen[0].time, 510);
  EXPECT_EQ(r.seen[0].a, 9u);
}

TEST(SchedulerTest, QuiescenceIgnoresDaemonEvents) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  s.SetHandler(kB, &r);
  // A self-rescheduling daemon (like a sampler) would run forever on its own.
  r.on_event = [&](const Event& e) {
    if (e.kind == kB) s.ScheduleDaemon(e.time + 10, kB, 0);
  };
  s.ScheduleDaemon(0, kB, 0);
  s.Schedule(35, kA, 0);
  EXPECT_EQ(s.live_pending(), 1u);
  EXPECT_EQ(s.Run(), StopReason::kQuiescent);
  int daemons = 0;
  for (const Event& e : r.seen) daemons += e.kind == kB;
  EXPECT_EQ(daemons, 4);  // at 0, 10, 20, 30; the one at 40 is never reached
  EXPECT_EQ(s.now(), 35);
  EXPECT_EQ(s.live_pending(), 0u);
  EXPECT_EQ(s.pending(), 1u);
}

TEST(SchedulerTest, RequestStopIsStickyAndStopsAfterTheCurrentEvent) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  for (int i = 0; i < 5; ++i) s.Schedule(i, kA, 0, i);
  r.on_event = [&](const Event& e) {
    if (e.a == 1) s.RequestStop();
  };
  EXPECT_EQ(s.Run(), StopReason::kStopRequested);
  EXPECT_EQ(r.seen.size(), 2u);
  EXPECT_EQ(s.Run(), StopReason::kStopRequested);
  EXPECT_EQ(r.seen.size(), 2u);
}

TEST(SchedulerTest, TraceHashDependsOnEveryEventField) {
  auto hash_of = [](Nanos t, NodeId node, uint64_t a, uint16_t aux) {
    Scheduler s;
    Recorder r(&s);
    s.SetHandler(kA, &r);
    s.Schedule(1, kA, 0, 0);
    s.Schedule(t, kA, node, a, 0, 0, aux);
    s.Run();
    return s.trace_hash();
  };
  const uint64_t base = hash_of(5, 1, 2, 3);
  EXPECT_EQ(base, hash_of(5, 1, 2, 3));
  EXPECT_NE(base, hash_of(6, 1, 2, 3));
  EXPECT_NE(base, hash_of(5, 2, 2, 3));
  EXPECT_NE(base, hash_of(5, 1, 3, 3));
  EXPECT_NE(base, hash_of(5, 1, 2, 4));
}

TEST(SchedulerTest, HandlersScheduleFollowUpsWithoutGrowingThePool) {
  Scheduler s(16);
  Recorder r(&s);
  s.SetHandler(kA, &r);
  r.on_event = [&](const Event& e) {
    if (e.a < 100000) s.ScheduleAfter(1 + static_cast<Nanos>(e.a % 7), kA, e.node, e.a + 10);
  };
  for (uint64_t i = 0; i < 10; ++i) s.Schedule(0, kA, 0, i);
  s.Run();
  EXPECT_EQ(s.events_processed(), 100010u);
  EXPECT_EQ(s.pending(), 0u);
}

TEST(SchedulerDeathTest, SchedulingInThePastAborts) {
  Scheduler s;
  Recorder r(&s);
  s.SetHandler(kA, &r);
  s.Schedule(10, kA, 0);
  s.Run();
  EXPECT_DEATH(s.Schedule(5, kA, 0), "scheduled in the past");
}

TEST(SchedulerDeathTest, EventWithoutHandlerAborts) {
  Scheduler s;
  s.Schedule(10, kA, 0);
  EXPECT_DEATH(s.Run(), "no handler");
}

}  // namespace
}  // namespace dsim::sim
