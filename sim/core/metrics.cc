#include "sim/core/metrics.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "engine/check.h"

namespace dsim::sim {

nlohmann::json& MetricSet::Leaf(std::string_view path) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(path.data(), path.size()), '.');
  DSIM_CHECK_MSG(!path.empty(), "empty metric path");
  nlohmann::json* node = &root_;
  for (absl::string_view part : parts) {
    DSIM_CHECK_MSG(!part.empty(), "metric path has an empty segment");
    DSIM_CHECK_MSG(node->is_object() && !node->contains("unit"),
                   "metric path extends a leaf metric");
    node = &(*node)[std::string(part)];
    if (node->is_null()) *node = nlohmann::json::object();
  }
  DSIM_CHECK_MSG(node->empty() || node->contains("unit"), "metric path is a group, not a leaf");
  return *node;
}

void MetricSet::Set(std::string_view path, int64_t value, std::string_view unit) {
  Leaf(path) = {{"value", value}, {"unit", unit}};
}
void MetricSet::Set(std::string_view path, uint64_t value, std::string_view unit) {
  Leaf(path) = {{"value", value}, {"unit", unit}};
}
void MetricSet::Set(std::string_view path, double value, std::string_view unit) {
  // JSON has no NaN or infinity: an undefined value is null.
  if (value != value || value - value != 0) {
    SetNull(path, unit);
    return;
  }
  Leaf(path) = {{"value", value}, {"unit", unit}};
}
void MetricSet::SetNull(std::string_view path, std::string_view unit) {
  Leaf(path) = {{"value", nullptr}, {"unit", unit}};
}

bool MetricSet::Has(std::string_view path) const {
  const nlohmann::json* node = &root_;
  for (absl::string_view part : absl::StrSplit(absl::string_view(path.data(), path.size()), '.')) {
    if (!node->is_object()) return false;
    auto it = node->find(std::string(part));
    if (it == node->end()) return false;
    node = &*it;
  }
  return node->is_object() && node->contains("unit");
}

const nlohmann::json& MetricSet::Get(std::string_view path) const {
  DSIM_CHECK(Has(path));
  const nlohmann::json* node = &root_;
  for (absl::string_view part : absl::StrSplit(absl::string_view(path.data(), path.size()), '.'))
    node = &node->at(std::string(part));
  return *node;
}

}  // namespace dsim::sim
