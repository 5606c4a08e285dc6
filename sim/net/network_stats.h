// NetworkStats: every message and byte the network handles, per message category: sent,
// delivered (originals), duplicated (extra copies delivered), dropped by loss, dropped because
// the destination was unreachable (partition, cut link, no datacenter route).
//
// Invariant once the network is idle: sent = delivered + dropped_loss + dropped_unreachable
// (duplicates are extra and not part of `sent`).
//
// Metric paths written by ExportTo (only for categories that sent anything, plus "total"):
//   network.<category>.<counter>.messages   unit "messages"
//   network.<category>.<counter>.bytes      unit "bytes"
// with <category> from MessageCategoryName and <counter> one of sent, delivered, duplicated,
// dropped_loss, dropped_unreachable.
#ifndef DSIM_SIM_NETWORK_STATS_H_
#define DSIM_SIM_NETWORK_STATS_H_

#include <array>
#include <cstdint>

#include "sim/core/metrics.h"
#include "sim/net/message.h"

namespace dsim::sim {

struct TrafficCounter {
  uint64_t messages = 0;
  uint64_t bytes = 0;
  void Add(uint64_t size_bytes) {
    ++messages;
    bytes += size_bytes;
  }
  void Add(const TrafficCounter& other) {
    messages += other.messages;
    bytes += other.bytes;
  }
};

struct CategoryStats {
  TrafficCounter sent;
  TrafficCounter delivered;
  TrafficCounter duplicated;
  TrafficCounter dropped_loss;
  TrafficCounter dropped_unreachable;
  TrafficCounter corrupted;  // delivered with a byte flipped (counted in delivered too)
  void Add(const CategoryStats& other);
};

struct NetworkStats {
  std::array<CategoryStats, kMessageCategoryCount> by_category{};

  CategoryStats& of(MessageCategory c) { return by_category[static_cast<int>(c)]; }
  const CategoryStats& of(MessageCategory c) const { return by_category[static_cast<int>(c)]; }
  CategoryStats Total() const;
  void ExportTo(MetricSet* metrics) const;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_NETWORK_STATS_H_
