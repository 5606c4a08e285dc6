// What `dsim attribute` prints and writes for an Attribution (analysis/attribute.h): the text
// tables, and attribution.json / attribution.csv. Deterministic: only the attribution's content,
// in its order; no wall clock, no host facts.
//
//   std::fputs(AttributionText(a, "each").c_str(), stdout);
//   WriteFileAtomically(dir + "/attribution.json", AttributionJson(a, info).dump(2) + "\n");
#ifndef DSIM_ANALYSIS_ATTRIBUTE_REPORT_H_
#define DSIM_ANALYSIS_ATTRIBUTE_REPORT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/attribute.h"

namespace dsim::analysis {

struct AttributionInfo {
  std::string scenario_file;
  std::string scenario_name;
  uint64_t seed = 0;
  Grouping grouping = Grouping::kEach;
};

// A reading as text: "3881 cells", "null (never converged)", "absent (no such metric)".
std::string ReadingText(const std::string& metric, const MetricReading& r, const std::string& unit);

// The header lines, the units table, the groups table (when groups were run) and the notes:
// which units clear the metric, whether the shares overlap, and the --group hint when no single
// unit explains the effect.
std::string AttributionText(const Attribution& a, const AttributionInfo& info);

// attribution.json: {"format": "dsim-attribution", ...} (README.md: dsim attribute).
nlohmann::json AttributionJson(const Attribution& a, const AttributionInfo& info);

// attribution.csv: one row per unit and group:
// table,label,faults,removed_with,value,change,share,effect.
std::string AttributionCsv(const Attribution& a);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_ATTRIBUTE_REPORT_H_
