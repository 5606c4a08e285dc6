#include "sim/commands.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/cli_args.h"
#include "sim/results.h"
#include "sim/scenario/scenario.h"
#include "sim/simulation.h"

namespace dsim::sim {
namespace {

const ArgSpec& RunSpec() {
  static const ArgSpec spec{
      "run",
      "FILE",
      "Runs a scenario file and writes DIR/results.json and DIR/timeseries.csv.",
      {{"seed", "N", "override [simulation] seed"},
       {"out", "DIR", "results directory (default: out/<scenario name>)"},
       {"set", "KEY.PATH=VALUE", "override a scenario key, e.g. --set network.link.loss=0.05",
        true},
       {"quiet", "", "print nothing but errors"},
       {"all-metrics", "", "print every metric, not only the headline ones"}},
      1,
      1};
  return spec;
}

const ArgSpec& ValidateSpec() {
  static const ArgSpec spec{
      "validate",
      "FILE",
      "Checks a scenario file (and overrides) without running it. Exit 0 when "
      "valid, 2 with every problem listed otherwise.",
      {{"set", "KEY.PATH=VALUE", "override a scenario key before checking", true}},
      1,
      1};
  return spec;
}

// Flattens the nested metrics object into "a.b.c  value unit" lines.
void FlattenMetrics(const nlohmann::json& node, const std::string& prefix,
                    std::vector<std::pair<std::string, std::string>>* rows) {
  if (node.is_object() && node.contains("unit") && node.contains("value")) {
    const nlohmann::json& v = node["value"];
    std::string text = v.is_null()           ? "null"
                       : v.is_number_float() ? absl::StrFormat("%.6g", v.get<double>())
                                             : v.dump();
    rows->emplace_back(prefix, absl::StrCat(text, " ", node["unit"].get<std::string>()));
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    FlattenMetrics(*it, prefix.empty() ? it.key() : absl::StrCat(prefix, ".", it.key()), rows);
  }
}

int64_t PeakRssKiB() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

std::vector<std::string> Overrides(const ParsedArgs& a, std::FILE* err, bool* ok) {
  std::vector<std::string> overrides = a.GetAll("set");
  *ok = true;
  if (std::optional<std::string> seed = a.Get("seed")) {
    uint64_t v = 0;
    if (!absl::SimpleAtoi(*seed, &v) || v > static_cast<uint64_t>(INT64_MAX)) {
      std::fprintf(err, "dsim run: --seed: expected a non-negative integer, got '%s'\n",
                   seed->c_str());
      *ok = false;
    }
    overrides.push_back(absl::StrCat("simulation.seed=", v));
  }
  return overrides;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(RunSpec(), args);
  if (!parsed.ok()) {
    std::fprintf(err, "dsim run: %s\n\n%s", std::string(parsed.status().message()).c_str(),
                 Usage(RunSpec()).c_str());
    return kExitUsage;
  }
  if (parsed->help) {
    std::fputs(Usage(RunSpec()).c_str(), out);
    return kExitOk;
  }
  bool ok = true;
  std::vector<std::string> overrides = Overrides(*parsed, err, &ok);
  if (!ok) return kExitUsage;
  const std::string& file = parsed->positional[0];
  absl::StatusOr<Scenario> scenario = LoadScenarioFile(file, overrides);
  if (!scenario.ok()) {
    std::fprintf(err, "dsim run: invalid scenario:\n%s\n",
                 std::string(scenario.status().message()).c_str());
    return kExitUsage;
  }
  const bool quiet = parsed->Has("quiet");
  const std::string dir = parsed->Get("out").value_or(absl::StrCat("out/", scenario->name));

  RunOptions options;
  const bool tty = ::isatty(::fileno(err)) != 0;
  if (tty && !quiet) {
    options.progress = [err](Nanos now, uint64_t events) {
      std::fprintf(err, "\r[dsim] simulated %.3f s, %" PRIu64 " events", ToSeconds(now), events);
      std::fflush(err);
    };
  }
  auto wall_start = std::chrono::steady_clock::now();  // wall-clock ok: reported, never simulated
  absl::StatusOr<RunOutput> output = RunScenario(*scenario, options);
  const auto wall_end = std::chrono::steady_clock::now();  // wall-clock ok: reported only
  const double wall_s = std::chrono::duration<double>(wall_end - wall_start).count();
  if (tty && !quiet) std::fputs("\r\033[K", err);
  if (!output.ok()) {
    std::fprintf(err, "dsim run: simulation failed: %s\n",
                 std::string(output.status().message()).c_str());
    return kExitRunFailed;
  }
  absl::Status written = WriteResults(dir, *scenario, *output);
  if (!written.ok()) {
    std::fprintf(err, "dsim run: cannot write results: %s\n",
                 std::string(written.message()).c_str());
    return kExitIo;
  }
  // A liveness gate: the results are written either way, so the failure can be inspected.
  const bool not_converged = scenario->metrics.require_convergence &&
                             (!output->metrics.Has("convergence.time") ||
                              output->metrics.Get("convergence.time")["value"].is_null());
  if (not_converged) {
    std::fprintf(err,
                 "dsim run: did not converge (metrics.require_convergence is set); results in %s\n",
                 dir.c_str());
  }
  const int code = not_converged ? kExitNotConverged : kExitOk;
  if (quiet) return code;
  std::fprintf(out, "dsim %s  scenario %s  seed %" PRIu64 "  nodes %u\n", DSIM_VERSION,
               scenario->name.c_str(), scenario->simulation.seed, scenario->cluster.nodes);
  std::fprintf(out, "  stopped: %s at simulated %.6f s after %" PRIu64 " events\n",
               output->stop_reason.c_str(), ToSeconds(output->end_time), output->events_processed);
  std::fprintf(out, "  trace hash: %s\n", FormatTraceHash(output->trace_hash).c_str());
  std::vector<std::pair<std::string, std::string>> rows;
  FlattenMetrics(output->metrics.json(), "", &rows);
  const size_t all = rows.size();
  if (!parsed->Has("all-metrics")) {
    // The headline metrics, in this order, when the run has them.
    static constexpr const char* kHeadline[] = {"convergence.time",
                                                "convergence.divergent_cells_max",
                                                "convergence.divergent_cells_end",
                                                "ops.write.availability",
                                                "ops.read.availability",
                                                "ops.write.latency.p99",
                                                "ops.read.latency.p99",
                                                "repair.differing.partitions",
                                                "repair.streamed.partitions",
                                                "repair.over_streaming.partitions",
                                                "bloom.fp.observed",
                                                "bloom.fp.theoretical",
                                                "hll.error.mean",
                                                "lww.lost_updates",
                                                "zombies.cells",
                                                "data_loss.cells",
                                                "relay.delivered",
                                                "relay.dropped",
                                                "relay.latency.mean",
                                                "relay.latency.p99",
                                                "network.total.sent.messages",
                                                "network.total.sent.bytes"};
    std::vector<std::pair<std::string, std::string>> headline;
    for (const char* name : kHeadline) {
      for (const auto& r : rows) {
        if (r.first == name) headline.push_back(r);
      }
    }
    rows = std::move(headline);
  }
  size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  std::fprintf(out,
               "  metrics (%zu of %zu; --all-metrics for every one, README.md explains them):\n",
               rows.size(), all);
  for (const auto& [k, v] : rows)
    std::fprintf(out, "    %-*s  %s\n", static_cast<int>(width), k.c_str(), v.c_str());
  std::fprintf(out, "  results: %s/results.json, %s/timeseries.csv\n", dir.c_str(), dir.c_str());
  std::fprintf(out, "  host: wall time %.3f s, peak memory %.1f MiB (not part of results.json)\n",
               wall_s, static_cast<double>(PeakRssKiB()) / 1024.0);
  return code;
}

int ValidateCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(ValidateSpec(), args);
  if (!parsed.ok()) {
    std::fprintf(err, "dsim validate: %s\n\n%s", std::string(parsed.status().message()).c_str(),
                 Usage(ValidateSpec()).c_str());
    return kExitUsage;
  }
  if (parsed->help) {
    std::fputs(Usage(ValidateSpec()).c_str(), out);
    return kExitOk;
  }
  const std::string& file = parsed->positional[0];
  absl::StatusOr<Scenario> scenario = LoadScenarioFile(file, parsed->GetAll("set"));
  if (!scenario.ok()) {
    std::fprintf(err, "dsim validate: invalid scenario:\n%s\n",
                 std::string(scenario.status().message()).c_str());
    return kExitUsage;
  }
  std::fprintf(out, "%s: ok (scenario %s, %u nodes, %zu faults)\n", file.c_str(),
               scenario->name.c_str(), scenario->cluster.nodes, scenario->faults.size());
  return kExitOk;
}

int ScenarioReferenceCommand(std::FILE* out) {
  std::fputs(ScenarioReference().c_str(), out);
  return kExitOk;
}

}  // namespace dsim::sim
