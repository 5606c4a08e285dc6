#include "analysis/swarm_draw.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/shrink.h"
#include "sim/core/random.h"
#include "sim/core/units.h"

namespace dsim::analysis {
namespace {

using sim::kMillisecond;
using sim::kSecond;
using sim::Nanos;

constexpr const char* kKinds[] = {"loss",    "duplicate",      "partition",
                                  "skew",    "crash",          "power_loss",
                                  "replace", "drop_mutations", "short_gc_grace"};

std::string Ms(Nanos t) { return absl::StrCat(t / kMillisecond, "ms"); }

// The table at `name` inside *t, created when absent.
toml::table& Sub(toml::table* t, const char* name) {
  if (!t->contains(name) || !(*t)[name].is_table()) t->insert_or_assign(name, toml::table{});
  return *(*t)[name].as_table();
}

// One drawn down-time of a node: [down, up); up == L when the liveness phase brings it back.
struct Outage {
  uint32_t node;
  Nanos down;
  Nanos up;
};

class Drawer {
 public:
  Drawer(const toml::table& base, const sim::Scenario& sc, uint64_t seed)
      : sc_(sc),
        rng_(sim::StreamSeed(seed, "swarm", 0)),
        disk_rng_(sim::StreamSeed(seed, "swarm_disk", 0)),
        out_{base, {}} {
    for (const sim::KvPhaseConfig& p : sc.workload.kv.phases) end_ += p.duration;
    if (end_ <= 0) end_ = 10 * kSecond;
    end_ = end_ / kMillisecond * kMillisecond;
    out_.scenario.erase("faults");
    Sub(&out_.scenario, "simulation").insert_or_assign("seed", static_cast<int64_t>(seed));
  }

  SwarmDraw Draw();

 private:
  bool On(const char* kind) const { return std::count(on_.begin(), on_.end(), kind) > 0; }
  uint64_t Uniform(uint64_t lo, uint64_t hi) { return lo + rng_.Bounded(hi - lo + 1); }
  Nanos UniformMs(uint64_t lo_ms, uint64_t hi_ms) {
    return static_cast<Nanos>(Uniform(lo_ms, hi_ms)) * kMillisecond;
  }
  Nanos At() { return UniformMs(0, static_cast<uint64_t>(end_ / kMillisecond) - 1); }
  uint32_t Node() { return static_cast<uint32_t>(rng_.Bounded(sc_.cluster.nodes)); }
  void Param(std::string line) { out_.params.push_back(std::move(line)); }
  void DrawKinds();
  void DrawConfig();
  void DrawNetworkFaults();
  void DrawNodeFaults();
  void DrawDropMutations();
  void DrawDiskFaults();
  void AddFault(toml::table fault) { faults_.push_back(std::move(fault)); }
  void AddLivenessPhase();

  const sim::Scenario& sc_;
  sim::Rng rng_;
  sim::Rng disk_rng_;  // the disk kind's draws
  SwarmDraw out_;
  Nanos end_ = 0;  // L: the chaos phase is [0, L)
  std::vector<std::string> on_;
  std::vector<toml::table> faults_;
  std::vector<Outage> outages_;
  sim::Scenario bound_input_;  // the base with the drawn link loss, for LivenessBound
};

void Drawer::DrawKinds() {
  for (const char* k : kKinds) {
    if (rng_.Bounded(2) == 1) on_.emplace_back(k);
  }
  // Disk faults came later: their own stream, so every other draw of a seed stays as it was.
  if (disk_rng_.Bounded(2) == 1) on_.emplace_back("disk");
  Param(absl::StrCat("kinds on: ", on_.empty() ? "none" : absl::StrJoin(on_, " ")));
}

void Drawer::DrawConfig() {
  bound_input_ = sc_;
  toml::table& link = Sub(&Sub(&out_.scenario, "network"), "link");
  if (On("loss")) {
    const uint64_t permille = Uniform(0, 300);
    link.insert_or_assign("loss", static_cast<double>(permille) / 1000.0);
    bound_input_.network.link.loss = sim::Ratio{permille, 1000};
    Param(absl::StrCat("network.link.loss ", static_cast<double>(permille) / 1000.0));
  }
  if (On("duplicate")) {
    const uint64_t permille = Uniform(0, 50);
    link.insert_or_assign("duplicate", static_cast<double>(permille) / 1000.0);
    Param(absl::StrCat("network.link.duplicate ", static_cast<double>(permille) / 1000.0));
  }
  if (On("skew")) {
    toml::table& clocks = Sub(&out_.scenario, "clocks");
    const Nanos offset = UniformMs(0, 500);
    const uint64_t drift = Uniform(0, 200);
    clocks.insert_or_assign("offset_max", Ms(offset));
    clocks.insert_or_assign("drift_ppm_max", static_cast<double>(drift));
    Param(absl::StrCat("clocks.offset_max ", Ms(offset), ", drift_ppm_max ", drift));
  }
  toml::table& storage = Sub(&out_.scenario, "storage");
  if (On("short_gc_grace")) {
    const Nanos grace = UniformMs(1000, 20000);
    storage.insert_or_assign("gc_grace", Ms(grace));
    Param(absl::StrCat("storage.gc_grace ", Ms(grace)));
  }
  const bool batch = rng_.Bounded(2) == 1;
  storage.insert_or_assign("commitlog_sync", batch ? "batch" : "periodic");
  Param(absl::StrCat("storage.commitlog_sync ", batch ? "batch" : "periodic"));
}

void Drawer::DrawNetworkFaults() {
  if (!On("partition")) return;
  const uint64_t count = Uniform(1, 3);
  const uint32_t n = sc_.cluster.nodes;
  for (uint64_t i = 0; i < count; ++i) {
    const Nanos at = At();
    const Nanos duration = std::min(UniformMs(500, 3000), end_ - at);
    const uint64_t mode = rng_.Bounded(3);
    toml::table f{{"name", absl::StrCat("net-", i)}, {"at", Ms(at)}, {"duration", Ms(duration)}};
    std::string what;
    if (mode < 2 && n >= 2) {
      // A random group of 1..n/2 nodes: a partial Fisher-Yates shuffle of the ids.
      std::vector<uint32_t> ids(n);
      for (uint32_t k = 0; k < n; ++k) ids[k] = k;
      const uint64_t size = Uniform(1, std::max<uint32_t>(1, n / 2));
      toml::array group;
      for (uint64_t k = 0; k < size; ++k) {
        std::swap(ids[k], ids[k + rng_.Bounded(n - k)]);
      }
      std::sort(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(size));
      for (uint64_t k = 0; k < size; ++k) group.push_back(static_cast<int64_t>(ids[k]));
      what = absl::StrCat(mode == 1 ? "one-way " : "", "partition of ", size, " nodes");
      f.insert_or_assign("action", "partition");
      toml::array groups;  // not toml::array{group}: that would copy the group itself
      groups.push_back(std::move(group));
      f.insert_or_assign("groups", std::move(groups));
      if (mode == 1) f.insert_or_assign("one_way", true);
    } else {
      const uint32_t from = Node();
      uint32_t to = Node();
      if (to == from) to = (from + 1) % n;
      what = absl::StrCat("cut link ", from, "-", to);
      f.insert_or_assign("action", "cut_link");
      f.insert_or_assign("from", static_cast<int64_t>(from));
      f.insert_or_assign("to", static_cast<int64_t>(to));
    }
    Param(absl::StrCat("fault net-", i, ": ", what, " at ", Ms(at), " for ", Ms(duration)));
    AddFault(std::move(f));
  }
}

void Drawer::DrawNodeFaults() {
  std::vector<const char*> kinds;
  if (On("crash")) kinds.push_back("crash");
  if (On("power_loss")) kinds.push_back("power_loss");
  if (kinds.empty()) return;
  const uint64_t count = Uniform(1, 4);
  for (uint64_t i = 0; i < count; ++i) {
    const char* kind = kinds[rng_.Bounded(kinds.size())];
    const uint32_t node = Node();
    const Nanos down = At();
    const Nanos up = std::min(down + UniformMs(200, 3200), end_);
    const bool replace = On("replace") && rng_.Bounded(3) == 0;
    const bool overlaps = std::any_of(outages_.begin(), outages_.end(), [&](const Outage& o) {
      return o.node == node && down <= o.up && o.down <= up;
    });
    if (overlaps) continue;  // drawn anyway, so the stream does not depend on the outcome
    outages_.push_back({node, down, up});
    AddFault(toml::table{{"action", kind}, {"at", Ms(down)}, {"node", static_cast<int64_t>(node)}});
    std::string back = "until the liveness phase";
    if (up < end_) {
      AddFault(toml::table{{"action", replace ? "replace" : "restart"},
                           {"at", Ms(up)},
                           {"node", static_cast<int64_t>(node)}});
      back = absl::StrCat(replace ? "replaced" : "restarted", " at ", Ms(up));
    }
    Param(absl::StrCat("fault: ", kind, " node ", node, " at ", Ms(down), ", ", back));
  }
}

void Drawer::DrawDropMutations() {
  if (!On("drop_mutations")) return;
  const uint64_t count = Uniform(1, 2);
  for (uint64_t i = 0; i < count; ++i) {
    const uint32_t node = Node();
    const Nanos at = At();
    const Nanos duration = std::min(UniformMs(500, 2500), end_ - at);
    const uint64_t percent = Uniform(1, 50);
    AddFault(toml::table{{"action", "drop_mutations"},
                         {"at", Ms(at)},
                         {"duration", Ms(duration)},
                         {"node", static_cast<int64_t>(node)},
                         {"fraction", static_cast<double>(percent) / 100.0}});
    Param(absl::StrCat("fault: drop_mutations node ", node, " at ", Ms(at), " for ", Ms(duration),
                       ", ", percent, " %"));
  }
}

// corrupt_sstable faults: 1..3, each on a node at a time, from the disk stream.
void Drawer::DrawDiskFaults() {
  if (!On("disk")) return;
  const uint64_t count = 1 + disk_rng_.Bounded(3);
  for (uint64_t i = 0; i < count; ++i) {
    const uint32_t node = static_cast<uint32_t>(disk_rng_.Bounded(sc_.cluster.nodes));
    const Nanos at =
        static_cast<Nanos>(disk_rng_.Bounded(static_cast<uint64_t>(end_ / kMillisecond))) *
        kMillisecond;
    AddFault(toml::table{
        {"action", "corrupt_sstable"}, {"at", Ms(at)}, {"node", static_cast<int64_t>(node)}});
    Param(absl::StrCat("fault: corrupt_sstable node ", node, " at ", Ms(at)));
  }
}

void Drawer::AddLivenessPhase() {
  AddFault(toml::table{
      {"name", absl::StrCat(kPinnedPrefix, "heal")}, {"action", "heal"}, {"at", Ms(end_)}});
  std::vector<uint32_t> down;
  for (const Outage& o : outages_) {
    if (o.up >= end_) down.push_back(o.node);
  }
  std::sort(down.begin(), down.end());
  for (uint32_t node : down) {
    AddFault(toml::table{{"name", absl::StrCat(kPinnedPrefix, "restart-", node)},
                         {"action", "restart"},
                         {"at", Ms(end_)},
                         {"node", static_cast<int64_t>(node)}});
  }
  // A verify finds every corrupt SSTable before the repair, so that one repair converges
  // (check.h, liveness).
  if (On("disk")) {
    AddFault(toml::table{{"name", absl::StrCat(kPinnedPrefix, "verify")},
                         {"action", "verify"},
                         {"at", Ms(end_ + kSecond / 2)}});
  }
  AddFault(toml::table{{"name", absl::StrCat(kPinnedPrefix, "repair")},
                       {"action", "repair"},
                       {"at", Ms(end_ + kSecond)}});
  const Nanos bound = LivenessBound(bound_input_) / kMillisecond * kMillisecond;
  Sub(&out_.scenario, "simulation").insert_or_assign("duration", Ms(end_ + bound + 2 * kSecond));
  Sub(&out_.scenario, "metrics").insert_or_assign("require_convergence", false);
  toml::table& checks = Sub(&out_.scenario, "checks");
  checks.insert_or_assign("lost_writes", true);
  checks.insert_or_assign("zombies", true);
  checks.insert_or_assign("stale_reads", true);
  checks.insert_or_assign("ledger", true);
  checks.insert_or_assign("liveness_within", Ms(bound));
  Param(absl::StrCat("liveness phase at ", Ms(end_), ": heal, restart ", down.size(), " nodes, ",
                     On("disk") ? absl::StrCat("verify at ", Ms(end_ + kSecond / 2), ", ") : "",
                     "repair at ", Ms(end_ + kSecond), ", converge within ", Ms(bound)));
}

SwarmDraw Drawer::Draw() {
  DrawKinds();
  DrawConfig();
  DrawNetworkFaults();
  DrawNodeFaults();
  DrawDropMutations();
  DrawDiskFaults();
  // The loader keeps the file order; sorted by time (stable: ties keep draw order), the
  // schedule reads as it happens.
  std::stable_sort(faults_.begin(), faults_.end(), [](const toml::table& a, const toml::table& b) {
    return sim::ParseDuration(*a["at"].value<std::string>()).value_or(0) <
           sim::ParseDuration(*b["at"].value<std::string>()).value_or(0);
  });
  AddLivenessPhase();
  toml::array faults;
  for (toml::table& f : faults_) faults.push_back(std::move(f));
  out_.scenario.insert_or_assign("faults", std::move(faults));
  return std::move(out_);
}

// The slowest one-way delay a link class can give (normal and log-normal: a generous tail).
Nanos MaxLatency(const sim::LatencyConfig& l) {
  switch (l.kind) {
    case sim::LatencyConfig::Kind::kConstant:
      return l.value;
    case sim::LatencyConfig::Kind::kUniform:
      return l.max;
    case sim::LatencyConfig::Kind::kNormal:
      return l.mean + 6 * l.stddev;
    case sim::LatencyConfig::Kind::kLogNormal:
      return l.median * 20;
  }
  return l.value;
}

}  // namespace

SwarmDraw DrawSwarm(const toml::table& base, const sim::Scenario& base_scenario, uint64_t seed) {
  return Drawer(base, base_scenario, seed).Draw();
}

Nanos LivenessBound(const sim::Scenario& sc) {
  const sim::KvWorkloadConfig& kv = sc.workload.kv;
  const double data = static_cast<double>(kv.keys) * kv.columns * (kv.value_bytes + 40.0) *
                      sc.cluster.replication_factor;
  const double read_s = data / static_cast<double>(sc.repair.validation_bytes_per_sec);
  const double stream_s = data / static_cast<double>(sc.repair.stream_bytes_per_sec);
  Nanos slowest = MaxLatency(sc.network.link.latency);
  if (sc.network.inter_rack)
    slowest = std::max(slowest, MaxLatency(sc.network.inter_rack->latency));
  if (sc.network.inter_dc) slowest = std::max(slowest, MaxLatency(sc.network.inter_dc->latency));
  const double resends = 1.0 / (1.0 - std::min(0.9, sc.network.link.loss.ToDouble()));
  const double ranges = static_cast<double>(sc.cluster.nodes) * sc.cluster.vnodes *
                        std::max<uint32_t>(1, sc.repair.subranges) /
                        std::max<uint32_t>(1, sc.repair.concurrency);
  const double trips_s = ranges * 12.0 * sim::ToSeconds(slowest) * resends;
  const double repair_s = read_s + stream_s + trips_s;
  return kSecond + static_cast<Nanos>(2.0 * repair_s * 1e9) + kSecond;
}

}  // namespace dsim::analysis
