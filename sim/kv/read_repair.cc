#include "sim/kv/read_repair.h"

#include <bit>
#include <utility>

namespace dsim::sim {

std::optional<engine::Partition> ReadRepair::Merge(
    absl::Span<const std::optional<engine::Partition>> responses, uint32_t responded) {
  std::optional<engine::Partition> merged;
  for (uint32_t i = 0; i < responses.size(); ++i) {
    if (!(responded & (1u << i)) || !responses[i]) continue;
    if (merged) {
      merged->MergeFrom(*responses[i]);
    } else {
      merged = responses[i];
    }
  }
  return merged;
}

std::optional<ReadRepair::Plan> ReadRepair::PlanFor(
    absl::Span<const std::optional<engine::Partition>> responses, uint32_t responded) {
  return PlanFor(responses, responded, Merge(responses, responded));
}

std::optional<ReadRepair::Plan> ReadRepair::PlanFor(
    absl::Span<const std::optional<engine::Partition>> responses, uint32_t responded,
    std::optional<engine::Partition> merged) {
  // Replicas that answered something other than the merge get it.
  if (!merged) return std::nullopt;
  uint32_t stale = 0;
  for (uint32_t i = 0; i < responses.size(); ++i) {
    if ((responded & (1u << i)) && !(responses[i] && *responses[i] == *merged)) {
      stale |= 1u << i;
    }
  }
  if (stale == 0) return std::nullopt;
  ++reads_;
  mutations_ += static_cast<uint64_t>(std::popcount(stale));
  return Plan{*std::move(merged), stale};
}

void ReadRepair::ExportTo(MetricSet* metrics) const {
  metrics->Set("read_repair.reads", reads_, "reads");
  metrics->Set("read_repair.mutations", mutations_, "mutations");
}

}  // namespace dsim::sim
