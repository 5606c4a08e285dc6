// MetricSet: the summary metrics of one run, each a value with its unit, addressed by a dotted
// path ("relay.delivered", "network.bytes.sent.relay"). Serialises to the nested `metrics` object
// of results.json, where every leaf is {"value": v, "unit": "u"} and v may be null (for
// example a convergence time when the run never converged).
//
//   MetricSet m;
//   m.Set("relay.delivered", uint64_t{1000000}, "messages");
//   m.Set("relay.latency.p99", 9.8e-3, "s");
//   m.SetNull("convergence.time", "s");
//
// Keys are sorted in the JSON output, so it is deterministic whatever the insertion order.
#ifndef DSIM_SIM_METRICS_H_
#define DSIM_SIM_METRICS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace dsim::sim {

class MetricSet {
 public:
  // REQUIRES: path is non-empty, its segments are non-empty, and no path is both a leaf and a
  // prefix of another path. Setting an existing path overwrites it.
  void Set(std::string_view path, int64_t value, std::string_view unit);
  void Set(std::string_view path, uint64_t value, std::string_view unit);
  void Set(std::string_view path, double value, std::string_view unit);
  void SetNull(std::string_view path, std::string_view unit);

  bool Has(std::string_view path) const;
  // The leaf {"value", "unit"} at path. REQUIRES: Has(path).
  const nlohmann::json& Get(std::string_view path) const;

  const nlohmann::json& json() const { return root_; }

 private:
  nlohmann::json& Leaf(std::string_view path);
  nlohmann::json root_ = nlohmann::json::object();
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_METRICS_H_
