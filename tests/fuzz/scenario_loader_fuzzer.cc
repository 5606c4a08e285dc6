// Fuzzes the scenario loader (LoadScenarioText): TOML text, and `--set` overrides. Every
// leading line of the input that starts with "--set " is an override (the rest of the line, as
// `dsim run --set` passes it; at most 8), and the text after them is the scenario file. So a
// seed without such a line fuzzes the file alone, and one with them the overrides too.
// An accepted scenario must echo (ScenarioToJson, as results.json does) without failing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scenario/scenario.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr std::string_view kSet = "--set ";
  std::string_view text = dsim::fuzz::AsView(data, size);
  std::vector<std::string> overrides;
  while (overrides.size() < 8 && text.substr(0, kSet.size()) == kSet) {
    const size_t eol = text.find('\n');
    overrides.emplace_back(text.substr(kSet.size(), eol == std::string_view::npos
                                                        ? std::string_view::npos
                                                        : eol - kSet.size()));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  }
  absl::StatusOr<dsim::sim::Scenario> s = dsim::sim::LoadScenarioText(text, "fuzz.toml", overrides);
  if (!s.ok()) return dsim::fuzz::ExpectError(s.status());
  (void)dsim::sim::ScenarioToJson(*s).dump();
  return 0;
}
