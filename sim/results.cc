#include "sim/results.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/check.h"
#include "sim/scenario/scenario.h"

namespace dsim::sim {

namespace {

// The `faults_applied` array (results.h). Each kind is spelled as the scenario echo spells the
// fault's action, so the names of the actions stay declared once, in the scenario loader.
nlohmann::json FaultsAppliedJson(const nlohmann::json& echoed_faults,
                                 const std::vector<AppliedFault>& applied) {
  nlohmann::json out = nlohmann::json::array();
  for (const AppliedFault& a : applied) {
    DSIM_CHECK(echoed_faults.is_array() && a.index < echoed_faults.size());
    DSIM_CHECK(a.lasting || !a.end.has_value());
    nlohmann::json e = {
        {"index", a.index}, {"kind", echoed_faults[a.index].at("action")}, {"start_ns", a.start}};
    if (!a.name.empty()) e["name"] = a.name;
    if (a.node.has_value()) e["node"] = *a.node;
    if (a.lasting) e["end_ns"] = a.end.has_value() ? nlohmann::json(*a.end) : nlohmann::json();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::string FormatTraceHash(uint64_t hash) { return absl::StrFormat("0x%016x", hash); }

nlohmann::json ResultsJson(const Scenario& scenario, const RunOutput& output) {
  nlohmann::json j;
  j["dsim_version"] = DSIM_VERSION;
  j["scenario"] = ScenarioToJson(scenario);
  j["faults_applied"] = FaultsAppliedJson(j.at("scenario").at("faults"), output.faults_applied);
  j["seed"] = scenario.simulation.seed;
  j["trace_hash"] = FormatTraceHash(output.trace_hash);
  j["events_processed"] = output.events_processed;
  j["simulated_time_ns"] = output.end_time;
  j["stop_reason"] = output.stop_reason;
  j["metrics"] = output.metrics.json();
  return j;
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view content) {
  std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return absl::UnavailableError(absl::StrCat(path, ": write failed: ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat(path, ": flush failed: ", std::strerror(err)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat(path, ": rename failed: ", std::strerror(err)));
  }
  return absl::OkStatus();
}

std::string NodeTable::ToCsv() const {
  std::string out = "node";
  for (const std::string& c : columns) absl::StrAppend(&out, ",", c);
  out += '\n';
  for (size_t node = 0; node < rows.size(); ++node) {
    absl::StrAppend(&out, node);
    for (uint64_t v : rows[node]) absl::StrAppend(&out, ",", v);
    out += '\n';
  }
  return out;
}

absl::Status WriteResults(const std::string& dir, const Scenario& scenario,
                          const RunOutput& output) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat(dir, ": cannot create directory: ", ec.message()));
  std::string json = ResultsJson(scenario, output).dump(2);
  json += '\n';
  // timeseries.csv first: results.json is the marker of a complete run (sweeps rely on it).
  absl::Status st =
      WriteFileAtomically(absl::StrCat(dir, "/timeseries.csv"), output.timeseries.ToCsv());
  if (!st.ok()) return st;
  if (!output.nodes.columns.empty()) {
    st = WriteFileAtomically(absl::StrCat(dir, "/nodes.csv"), output.nodes.ToCsv());
    if (!st.ok()) return st;
  }
  return WriteFileAtomically(absl::StrCat(dir, "/results.json"), json);
}

}  // namespace dsim::sim
