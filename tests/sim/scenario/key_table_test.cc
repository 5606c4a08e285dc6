// The scenario key table declares every key once: these tests check that the echo, the
// documented keys, the rendered reference and the loader agree.
#include "sim/scenario/key_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "sim/scenario/scenario.h"

namespace dsim::sim {
namespace {

using scenario_keys::DocEntry;
using scenario_keys::ScenarioKeys;

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Every section, every array, every fault action, every latency kind and every optional value.
constexpr char kEverything[] = R"(
[simulation]
name = "everything"
description = "every key of the table"
seed = 3
duration = "60s"
max_events = 1000000

[cluster]
vnodes = 8
replication_factor = 2
replication = "network_topology"
write_consistency = "one"
read_consistency = "all"
request_timeout = "1s"
hinted_handoff = true
max_hint_window = "1h"
read_repair = true
failure_detector = "phi"
heartbeat_interval = "250ms"
phi_convict_threshold = 10
[[cluster.datacenters]]
name = "east"
nodes = 4
racks = 2
[[cluster.datacenters]]
name = "west"
nodes = 4

[network.link]
latency = "1ms"
loss = 0.01
duplicate = "1/1000"
reorder = "1%"
bandwidth = "1Gbps"
[network.inter_rack]
latency = { kind = "uniform", min = "1ms", max = "3ms" }
[network.inter_dc]
latency = { kind = "normal", mean = "20ms", stddev = "2ms" }
[[network.dc_links]]
from = "east"
to = "west"
one_way = true
latency = { kind = "lognormal", median = "30ms", sigma = 0.25 }

[clocks]
offset_max = "5ms"
drift_ppm_max = 20
ntp_period = "1s"
ntp_residual = "100us"
timestamps = "hlc"
[[clocks.node]]
node = 0
offset = "-2ms"
drift_ppm = 5.5

[storage]
memtable_flush_threshold = "1MiB"
bloom_fp_chance = 0.05
gc_grace = "1h"
compaction_min_threshold = 3
compaction_max_threshold = 8
hll_precision = 10
commitlog_sync = "batch"
commitlog_sync_period = "5s"

[repair]
interval = "30s"
start = "10s"
merkle_depth = 8
merkle_max_depth = 16
concurrency = 2
validation_throughput = "32MiB/s"
stream_throughput = "unlimited"

[workload]
kind = "kv"
[workload.kv]
keys = 100
columns = 2
value_size = "64B"
popularity = "zipf"
zipf_exponent = 1.1
[[workload.kv.phases]]
name = "load"
duration = "5s"
rate = 100
insert = 1
update = 0
delete = 0
read = 0

[[faults]]
action = "partition"
name = "split"
at = "1s"
duration = "2s"
groups = [["east"], ["west"]]
one_way = true
[[faults]]
action = "cut_link"
name = "cut"
at = "2s"
from = 0
to = 1
[[faults]]
action = "degrade_link"
at = "3s"
from_dc = "east"
to_dc = "west"
link = { loss = 0.5 }
[[faults]]
action = "heal"
at = "4s"
target = "cut"
[[faults]]
action = "clock_jump"
at = "5s"
node = 1
jump = "-100ms"
[[faults]]
action = "drift_change"
at = "5s"
node = 2
drift_ppm = -3
[[faults]]
action = "crash"
at = "6s"
node = 3
[[faults]]
action = "restart"
at = "7s"
node = 3
[[faults]]
action = "crash"
at = "8s"
node = 4
[[faults]]
action = "replace"
at = "9s"
node = 4
[[faults]]
action = "drop_mutations"
at = "10s"
duration = "1s"
node = 5
fraction = 0.5
keys = ["k1"]
[[faults]]
action = "repair"
at = "20s"
node = 0
[[faults]]
action = "mark"
at = "21s"
[[faults]]
action = "corrupt"
at = "22s"
duration = "1s"
probability = 0.01
categories = ["chunk"]

[metrics]
sample_interval = "1s"
require_convergence = true
)";

// Every key path of an echo; "[]" stands for any element of an array of tables.
void CollectPaths(const nlohmann::json& object, const std::string& prefix,
                  std::set<std::string>* out) {
  for (const auto& [key, value] : object.items()) {
    std::string path = prefix.empty() ? key : prefix + "." + key;
    out->insert(path);
    if (value.is_object()) CollectPaths(value, path, out);
    if (value.is_array()) {
      for (const nlohmann::json& e : value)
        if (e.is_object()) CollectPaths(e, path + "[]", out);
    }
  }
}

// The reference documents a link class once, under [network.link]; the other tables holding one
// say "same keys as [network.link]". Maps their keys to [network.link]'s.
std::string DocumentedPath(const std::string& path, const std::set<std::string>& link_keys) {
  for (std::string table :
       {"network.inter_rack.", "network.inter_dc.", "network.dc_links[].", "faults[].link."}) {
    if (path.rfind(table, 0) != 0) continue;
    std::string rest = path.substr(table.size());
    if (link_keys.contains(rest.substr(0, rest.find('.')))) return "network.link." + rest;
  }
  return path;
}

TEST(KeyTable, EchoOfEveryShippedScenarioIsUnchanged) {
  // testdata/echo/NAME.json is the `scenario` object of results.json that `dsim run
  // scenarios/NAME.toml` wrote before the echo came from the key table.
  int count = 0;
  const std::filesystem::path dir = DSIM_SOURCE_DIR "/tests/sim/scenario/testdata/echo";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    std::string name = entry.path().stem().string();
    absl::StatusOr<Scenario> s = LoadScenarioFile(DSIM_SOURCE_DIR "/scenarios/" + name + ".toml");
    ASSERT_TRUE(s.ok()) << name << ": " << s.status();
    // Dumping both compares types too (20.0 is not 20), which json's == would not.
    EXPECT_EQ(ScenarioToJson(*s).dump(2), nlohmann::json::parse(ReadText(entry.path())).dump(2))
        << name;
  }
  EXPECT_GE(count, 10);
}

TEST(KeyTable, EchoHasExactlyTheDocumentedKeys) {
  absl::StatusOr<Scenario> s = LoadScenarioText(kEverything, "everything.toml");
  ASSERT_TRUE(s.ok()) << s.status();
  std::set<std::string> documented, link_keys;
  for (const DocEntry& d : ScenarioKeys()) {
    if (d.key.front() == '(') continue;  // a note row, not a key
    documented.insert(d.path);
    if (d.section == "network.link") link_keys.insert(d.key);
  }
  ASSERT_TRUE(link_keys.contains("latency") && link_keys.contains("bandwidth"));
  std::set<std::string> echoed, raw;
  CollectPaths(ScenarioToJson(*s), "", &raw);
  for (const std::string& path : raw) echoed.insert(DocumentedPath(path, link_keys));
  std::vector<std::string> undocumented, not_echoed;
  std::set_difference(echoed.begin(), echoed.end(), documented.begin(), documented.end(),
                      std::back_inserter(undocumented));
  std::set_difference(documented.begin(), documented.end(), echoed.begin(), echoed.end(),
                      std::back_inserter(not_echoed));
  EXPECT_THAT(undocumented, ::testing::IsEmpty()) << "echoed but not documented";
  EXPECT_THAT(not_echoed, ::testing::IsEmpty()) << "documented but never echoed";
  EXPECT_GT(documented.size(), 100u);
}

// (heading, key, type, default, meaning), as the reference shows them.
using Row = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::vector<std::string> SplitCells(const std::string& line) {
  // "| a | b \| c | d |" -> {"a", "b | c", "d"}
  std::vector<std::string> cells;
  std::string cur;
  for (size_t i = 2; i + 2 <= line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cur += '|';
      ++i;
    } else if (line.compare(i, 3, " | ") == 0 || i + 2 == line.size()) {
      cells.push_back(cur);
      cur.clear();
      i += 2;
    } else {
      cur += line[i];
    }
  }
  return cells;
}

std::string Unquote(const std::string& cell) {
  return cell.size() >= 2 && cell.front() == '`' && cell.back() == '`'
             ? cell.substr(1, cell.size() - 2)
             : cell;
}

TEST(KeyTable, ReferenceIsRenderedFromTheKeys) {
  std::vector<Row> rendered;
  std::istringstream in(ScenarioReference());
  std::string line, heading;
  while (std::getline(in, line)) {
    if (line.rfind("#### `", 0) == 0) heading = Unquote(line.substr(5));
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> c = SplitCells(line);
    ASSERT_EQ(c.size(), 4u) << line;
    rendered.emplace_back(heading, Unquote(c[0]), c[1], Unquote(c[2]), c[3]);
  }
  // The entries, grouped by section in order of first appearance.
  std::vector<std::string> order;
  for (const DocEntry& d : ScenarioKeys()) {
    if (!d.section.empty() && std::find(order.begin(), order.end(), d.section) == order.end())
      order.push_back(d.section);
  }
  std::vector<Row> expected;
  for (const std::string& section : order) {
    std::string h =
        section.find_first_of("[(") == std::string::npos ? "[" + section + "]" : section;
    for (const DocEntry& d : ScenarioKeys()) {
      if (d.section == section) expected.emplace_back(h, d.key, d.type, d.default_text, d.doc);
    }
  }
  EXPECT_EQ(rendered, expected);
}

// A TOML table holding the same values as a JSON echo.
toml::table TomlFromJson(const nlohmann::json& object);

toml::array TomlArray(const nlohmann::json& array) {
  toml::array out;
  for (const nlohmann::json& e : array) {
    if (e.is_object()) {
      out.push_back(TomlFromJson(e));
    } else if (e.is_array()) {
      out.push_back(TomlArray(e));
    } else if (e.is_string()) {
      out.push_back(e.get<std::string>());
    } else {
      out.push_back(e.get<int64_t>());
    }
  }
  return out;
}

toml::table TomlFromJson(const nlohmann::json& object) {
  toml::table out;
  for (const auto& [key, v] : object.items()) {
    if (v.is_object()) {
      out.insert(key, TomlFromJson(v));
    } else if (v.is_array()) {
      out.insert(key, TomlArray(v));
    } else if (v.is_string()) {
      out.insert(key, v.get<std::string>());
    } else if (v.is_boolean()) {
      out.insert(key, v.get<bool>());
    } else if (v.is_number_float()) {
      out.insert(key, v.get<double>());
    } else {
      out.insert(key, v.get<int64_t>());
    }
  }
  return out;
}

// The echo reads like a scenario file: loaded back, it echoes the same. (The relay section is
// left out: a kv scenario rejects it.)
void ExpectEchoReadsBack(const Scenario& s) {
  nlohmann::json echo = ScenarioToJson(s);
  nlohmann::json file = echo;
  file["workload"].erase("relay");
  std::ostringstream text;
  text << TomlFromJson(file);
  absl::StatusOr<Scenario> again = LoadScenarioText(text.str(), "echo.toml");
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << text.str();
  EXPECT_EQ(ScenarioToJson(*again).dump(2), echo.dump(2));
}

TEST(KeyTable, EchoReadsBackAsTheSameScenario) {
  absl::StatusOr<Scenario> s = LoadScenarioText(kEverything, "everything.toml");
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectEchoReadsBack(*s);
  for (const char* name : {"quickstart", "partition-heal", "crash-periodic-commitlog"}) {
    SCOPED_TRACE(name);
    absl::StatusOr<Scenario> shipped =
        LoadScenarioFile(std::string(DSIM_SOURCE_DIR "/scenarios/") + name + ".toml");
    ASSERT_TRUE(shipped.ok()) << shipped.status();
    ASSERT_EQ(shipped->workload.kind, WorkloadConfig::Kind::kKv);
    ExpectEchoReadsBack(*shipped);
  }
}

TEST(KeyTable, EchoLeavesOutUnsetOptionalValues) {
  absl::StatusOr<Scenario> s = LoadScenarioText(R"(
[workload]
kind = "kv"
[[faults]]
action = "partition"
at = "1s"
groups = [[0], [1, 2]]
[[faults]]
action = "repair"
at = "2s"
[[clocks.node]]
node = 1
)",
                                                "test.toml");
  ASSERT_TRUE(s.ok()) << s.status();
  nlohmann::json echo = ScenarioToJson(*s);
  EXPECT_EQ(echo["faults"][0].dump(),
            R"({"action":"partition","at":"1s","groups":[[0],[1,2]],"one_way":false})");
  EXPECT_EQ(echo["faults"][1].dump(), R"({"action":"repair","at":"2s"})");
  EXPECT_EQ(echo["clocks"]["node"].dump(), R"([{"node":1}])");
  EXPECT_EQ(echo["network"]["inter_dc"], echo["network"]["link"]);  // unset: [network.link]
  EXPECT_EQ(echo["network"]["link"]["latency"].dump(), R"({"kind":"constant","value":"1ms"})");
}

TEST(KeyTable, UnknownKeyInALatencyTableIsReportedOnce) {
  absl::StatusOr<Scenario> s = LoadScenarioText(
      "[network.link]\nlatency = {kind = \"constant\", value = \"1ms\", bogus = 1}\n", "t.toml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.status().message()),
            "t.toml:2:46: network.link.latency.bogus: unknown key; [network.link.latency] takes: "
            "kind, value");
}

}  // namespace
}  // namespace dsim::sim
