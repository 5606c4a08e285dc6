#include "sim/net/network_stats.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace dsim::sim {

void CategoryStats::Add(const CategoryStats& other) {
  sent.Add(other.sent);
  delivered.Add(other.delivered);
  duplicated.Add(other.duplicated);
  dropped_loss.Add(other.dropped_loss);
  dropped_unreachable.Add(other.dropped_unreachable);
  corrupted.Add(other.corrupted);
}

CategoryStats NetworkStats::Total() const {
  CategoryStats total;
  for (const CategoryStats& c : by_category) total.Add(c);
  return total;
}

namespace {

void ExportCategory(std::string_view name, const CategoryStats& s, MetricSet* metrics) {
  const std::pair<const char*, const TrafficCounter*> counters[] = {
      {"sent", &s.sent},
      {"delivered", &s.delivered},
      {"duplicated", &s.duplicated},
      {"dropped_loss", &s.dropped_loss},
      {"dropped_unreachable", &s.dropped_unreachable},
      {"corrupted", &s.corrupted},
  };
  const absl::string_view category(name.data(), name.size());
  for (const auto& [counter, value] : counters) {
    const std::string base = absl::StrCat("network.", category, ".", counter);
    metrics->Set(base + ".messages", value->messages, "messages");
    metrics->Set(base + ".bytes", value->bytes, "bytes");
  }
}

}  // namespace

void NetworkStats::ExportTo(MetricSet* metrics) const {
  for (int c = 0; c < kMessageCategoryCount; ++c) {
    if (by_category[c].sent.messages == 0) continue;
    ExportCategory(MessageCategoryName(static_cast<MessageCategory>(c)), by_category[c], metrics);
  }
  ExportCategory("total", Total(), metrics);
}

}  // namespace dsim::sim
