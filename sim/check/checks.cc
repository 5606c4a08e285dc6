#include "sim/check/checks.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/core/units.h"
#include "sim/kv/quorum.h"

namespace dsim::sim::check {
namespace {

struct ClassRow {
  CheckClass check;
  const char* name;
  int exit_code;
  const char* metric;
};

// THE class table: name, exit code and the metric each check reads.
constexpr ClassRow kRows[] = {
    {CheckClass::kLostWrites, "lost_writes", 6, "data_loss.cells"},
    {CheckClass::kZombies, "zombies", 7, "zombies.cells"},
    {CheckClass::kLiveness, "liveness", 8, "convergence.time"},
    {CheckClass::kStaleReads, "stale_reads", 9, "reads.stale"},
    {CheckClass::kLedger, "ledger", 10, "ledger.disagreements"},
};

const ClassRow& RowOf(CheckClass c) {
  for (const ClassRow& r : kRows) {
    if (r.check == c) return r;
  }
  return kRows[0];
}

size_t CountFaults(const Scenario& sc, FaultConfig::Kind kind) {
  return static_cast<size_t>(std::count_if(
      sc.faults.begin(), sc.faults.end(), [kind](const FaultConfig& f) { return f.kind == kind; }));
}

// The distinct nodes corrupt_sstable faults hit.
size_t CorruptNodes(const Scenario& sc) {
  std::vector<NodeId> nodes;
  for (const FaultConfig& f : sc.faults) {
    if (f.kind == FaultConfig::Kind::kCorruptSSTable) nodes.push_back(f.node);
  }
  std::sort(nodes.begin(), nodes.end());
  return static_cast<size_t>(std::unique(nodes.begin(), nodes.end()) - nodes.begin());
}

uint32_t ReplicasPerPartition(const Scenario& sc) {
  const ClusterConfig& c = sc.cluster;
  if (c.replication == ClusterConfig::Replication::kNetworkTopology) {
    return c.replication_factor * static_cast<uint32_t>(std::max<size_t>(1, c.datacenters.size()));
  }
  return c.replication_factor;
}

Promise TombstonesKept(const Scenario& sc);

// Whether every acknowledged write stays on some replica's disk: it was on W replicas' commit
// logs; a power loss under periodic sync drops unsynced bytes, a replace a whole disk.
Promise Durable(const Scenario& sc) {
  const size_t power_losses = CountFaults(sc, FaultConfig::Kind::kPowerLoss);
  // A replace wipes one node's disk; corrupt SSTables take part of one node's durable data, so
  // they count once per node they hit.
  const size_t corrupt = CorruptNodes(sc);
  const size_t replaces = CountFaults(sc, FaultConfig::Kind::kReplace);
  const uint32_t w = RequiredResponses(sc.cluster.write_consistency, ReplicasPerPartition(sc));
  const bool batch = sc.storage.commitlog_sync == StorageConfig::CommitlogSync::kBatch;
  if (power_losses > 0 && !batch) {
    return {false, absl::StrCat(power_losses, " power losses under periodic commit-log sync")};
  }
  const std::string losses = corrupt == 0 ? absl::StrCat(replaces, " replaces")
                                          : absl::StrCat(replaces, " replaces + ", corrupt,
                                                         " nodes with corrupt SSTables");
  if (replaces + corrupt >= w) {
    return {false, absl::StrCat(losses, ", a write is acknowledged by ", w)};
  }
  return {true, absl::StrCat(batch ? "batch commit-log sync" : "no power loss", ", ", losses,
                             " < W = ", w)};
}

// Both lost writes and zombies need an acknowledged write durable and no tombstone purged
// early: data_loss counts acknowledged deletes too (an older value back is the delete lost),
// and a zombie is a delete whose every durable copy went.
Promise Kept(const Scenario& sc) {
  const Promise durable = Durable(sc);
  if (!durable.holds) return durable;
  const Promise tombstones = TombstonesKept(sc);
  if (!tombstones.holds) return tombstones;
  return {true, absl::StrCat(durable.why, ", ", tombstones.why)};
}

// How far ahead of true time any node's clock can get within the horizon.
Nanos ClockReach(const Scenario& sc, Nanos horizon) {
  const ClocksConfig& c = sc.clocks;
  Nanos offset = c.offset_max;
  double drift = c.drift_ppm_max;
  for (const ClockNodeConfig& n : c.nodes) {
    if (n.offset) offset = std::max(offset, *n.offset < 0 ? -*n.offset : *n.offset);
    if (n.drift_ppm) drift = std::max(drift, std::abs(*n.drift_ppm));
  }
  Nanos jumps = 0;
  for (const FaultConfig& f : sc.faults) {
    if (f.kind == FaultConfig::Kind::kClockJump && f.jump > 0) jumps += f.jump;
    if (f.kind == FaultConfig::Kind::kDriftChange) drift = std::max(drift, std::abs(f.drift_ppm));
  }
  const Nanos ntp = c.ntp_period > 0 ? 6 * c.ntp_residual : 0;
  const Nanos drifted = static_cast<Nanos>(drift * 1e-6 * static_cast<double>(horizon)) + 1;
  return 2 * std::max(offset, ntp) + jumps + drifted;
}

Promise TombstonesKept(const Scenario& sc) {
  const Nanos horizon = Horizon(sc);
  Nanos needed = horizon + ClockReach(sc, horizon);
  needed += (kMillisecond - needed % kMillisecond) % kMillisecond;  // whole ms read better
  const std::string grace = FormatDuration(sc.storage.gc_grace);
  if (sc.storage.gc_grace > needed) {
    return {true, absl::StrCat("gc_grace ", grace, " outlasts the run (", FormatDuration(needed),
                               " with clock reach)")};
  }
  return {false, absl::StrCat("gc_grace ", grace, " within the run (", FormatDuration(needed),
                              " with clock reach): tombstones may be purged")};
}

Promise NoStaleReads(const Scenario& sc) {
  const uint32_t n = ReplicasPerPartition(sc);
  const uint32_t w = RequiredResponses(sc.cluster.write_consistency, n);
  const uint32_t r = RequiredResponses(sc.cluster.read_consistency, n);
  if (r + w <= n) return {false, absl::StrCat("R + W = ", r + w, " <= RF ", n)};
  const Promise kept = Kept(sc);
  if (!kept.holds) return {false, absl::StrCat("writes may be lost: ", kept.why)};
  const size_t replaces = CountFaults(sc, FaultConfig::Kind::kReplace);
  if (replaces > 0) return {false, absl::StrCat(replaces, " replaces")};
  const size_t corrupt = CountFaults(sc, FaultConfig::Kind::kCorruptSSTable);
  if (corrupt > 0) return {false, absl::StrCat(corrupt, " corrupt SSTables")};
  return {true, absl::StrCat("R + W = ", r + w, " > RF ", n, ", ", kept.why, ", no replace")};
}

bool IsNetworkFaultKind(FaultConfig::Kind k) {
  using Kind = FaultConfig::Kind;
  return k == Kind::kPartition || k == Kind::kCutLink || k == Kind::kDegradeLink ||
         k == Kind::kCorrupt;
}

// Liveness is promised when checks.liveness_within is set and the run ends whole: every node
// up (its last crash or power loss followed by a restart or replace), every network fault and
// drop_mutations window undone, and a full repair after the last of them; and nothing lost.
Promise Live(const Scenario& sc) {
  if (sc.checks.liveness_within <= 0) return {false, "checks.liveness_within is not set"};
  using Kind = FaultConfig::Kind;
  std::vector<const FaultConfig*> order;
  for (const FaultConfig& f : sc.faults) order.push_back(&f);
  std::stable_sort(order.begin(), order.end(),
                   [](const FaultConfig* a, const FaultConfig* b) { return a->at < b->at; });
  std::vector<bool> down(sc.cluster.nodes, false);
  std::vector<bool> unverified(sc.cluster.nodes, false);  // a corrupt_sstable since a verify
  std::vector<std::string> open;  // network faults not undone (their names; "" unnamed)
  Nanos last = -1;                // the last disturbance
  std::optional<Nanos> repair;    // the last full repair
  for (const FaultConfig* f : order) {
    const Nanos end = f->at + f->duration.value_or(0);
    if (f->kind == Kind::kRepair) {
      if (!f->has_node) repair = f->at;
      continue;
    }
    if (f->kind == Kind::kMark) continue;
    last = std::max(last, end);
    if (f->kind == Kind::kCorruptSSTable) unverified[f->node] = true;
    if (f->kind == Kind::kVerify) {
      for (uint32_t n = 0; n < unverified.size(); ++n) {
        if ((!f->has_node || f->node == n) && !down[n]) unverified[n] = false;
      }
    }
    if (f->kind == Kind::kCrash || f->kind == Kind::kPowerLoss) down[f->node] = true;
    if (f->kind == Kind::kRestart || f->kind == Kind::kReplace) down[f->node] = false;
    if (f->kind == Kind::kDropMutations && !f->duration) {
      return {false, absl::StrCat("node ", f->node, " drops mutations to the end")};
    }
    if (f->kind == Kind::kHeal) {
      if (f->target.empty()) open.clear();
      std::erase(open, f->target);
    } else if (IsNetworkFaultKind(f->kind) && !f->duration) {
      open.push_back(f->name);
    }
  }
  for (uint32_t n = 0; n < down.size(); ++n) {
    if (down[n]) return {false, absl::StrCat("node ", n, " is down at the end")};
  }
  if (!open.empty()) return {false, "a network fault is not healed"};
  // A corrupt SSTable found during the repair would be set aside whole, taking rows of ranges
  // the repair already did: a verify must find it first (it counts as a disturbance above, so
  // the repair comes after it).
  for (uint32_t n = 0; n < unverified.size(); ++n) {
    if (unverified[n]) {
      return {false, absl::StrCat("node ", n,
                                  " has a corrupt_sstable fault and no verify while up after it")};
    }
  }
  if (!repair || *repair < last) return {false, "no full repair after the last fault"};
  // convergence.time is measured against the winners: after a loss or an early purge the
  // replicas may agree on something else (oracle.h), which the other checks report.
  const Promise kept = Kept(sc);
  if (!kept.holds) return {false, absl::StrCat("data may be lost: ", kept.why)};
  return {true, absl::StrCat("converges within ", FormatDuration(sc.checks.liveness_within), ", ",
                             kept.why)};
}

// The check's metric: nullopt when absent or null.
std::optional<double> Observed(const MetricSet& metrics, const char* path) {
  if (!metrics.Has(path)) return std::nullopt;
  const nlohmann::json& v = metrics.Get(path)["value"];
  if (!v.is_number()) return std::nullopt;
  return v.get<double>();
}

}  // namespace

const char* CheckClassName(CheckClass c) { return RowOf(c).name; }

std::optional<CheckClass> ParseCheckClass(std::string_view name) {
  for (const ClassRow& r : kRows) {
    if (name == r.name) return r.check;
  }
  return std::nullopt;
}

int ExitCodeOf(CheckClass c) { return RowOf(c).exit_code; }

Nanos Horizon(const Scenario& sc) {
  if (sc.simulation.duration > 0) return sc.simulation.duration;
  Nanos end = 0;
  for (const KvPhaseConfig& p : sc.workload.kv.phases) end += p.duration;
  for (const FaultConfig& f : sc.faults) end = std::max(end, f.at + f.duration.value_or(0));
  return end;
}

Promise PromiseOf(CheckClass c, const Scenario& sc) {
  switch (c) {
    case CheckClass::kLostWrites:
    case CheckClass::kZombies:
      return Kept(sc);
    case CheckClass::kLiveness:
      return Live(sc);
    case CheckClass::kStaleReads:
      return NoStaleReads(sc);
    case CheckClass::kLedger:
      return {true, "the ledger and the oracle agree on every run"};
  }
  return {};
}

bool Enabled(CheckClass c, const Scenario& sc) {
  switch (c) {
    case CheckClass::kLostWrites:
      return sc.checks.lost_writes;
    case CheckClass::kZombies:
      return sc.checks.zombies;
    case CheckClass::kLiveness:
      return sc.checks.liveness_within > 0;
    case CheckClass::kStaleReads:
      return sc.checks.stale_reads;
    case CheckClass::kLedger:
      return sc.checks.ledger;
  }
  return false;
}

CheckResult Evaluate(CheckClass c, const Scenario& sc, const MetricSet& metrics) {
  const ClassRow& row = RowOf(c);
  CheckResult r;
  r.check = c;
  r.enabled = Enabled(c, sc);
  r.promise = PromiseOf(c, sc);
  r.observed = Observed(metrics, row.metric);
  bool broken;
  if (c == CheckClass::kLiveness) {
    broken = !r.observed || *r.observed > ToSeconds(sc.checks.liveness_within);
    r.detail = r.observed ? absl::StrCat("convergence.time ", *r.observed, " s")
                          : std::string("never converged (convergence.time null)");
  } else {
    broken = r.observed.value_or(0) > 0;
    r.detail = absl::StrCat(row.metric, " = ", r.observed.value_or(0));
  }
  r.failed = r.promise.holds && broken;
  absl::StrAppend(&r.detail, r.promise.holds ? "; promised: " : "; not promised: ", r.promise.why);
  return r;
}

std::vector<CheckResult> EvaluateEnabled(const Scenario& sc, const MetricSet& metrics) {
  std::vector<CheckResult> results;
  for (CheckClass c : kAllChecks) {
    if (Enabled(c, sc)) results.push_back(Evaluate(c, sc, metrics));
  }
  return results;
}

}  // namespace dsim::sim::check
