// [[faults]] of the key table (key_table.h): the keys every fault has (action, at, name), then
// one reader per action behind a dispatch table. The reference documents the keys of every
// action in one [[faults]] table: documenting runs every action's reader in the dispatch table's
// order, and a key that several actions share is documented where it first appears, with the
// description shared below.
#include <algorithm>
#include <initializer_list>
#include <optional>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/check.h"
#include "sim/core/units.h"
#include "sim/scenario/key_table.h"

namespace dsim::sim::scenario_keys {
namespace {

using Kind = FaultConfig::Kind;

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

const std::initializer_list<std::pair<std::string_view, Kind>> kFaultKinds = {
    {"partition", Kind::kPartition},
    {"cut_link", Kind::kCutLink},
    {"degrade_link", Kind::kDegradeLink},
    {"heal", Kind::kHeal},
    {"clock_jump", Kind::kClockJump},
    {"drift_change", Kind::kDriftChange},
    {"crash", Kind::kCrash},
    {"power_loss", Kind::kPowerLoss},
    {"restart", Kind::kRestart},
    {"replace", Kind::kReplace},
    {"drop_mutations", Kind::kDropMutations},
    {"repair", Kind::kRepair},
    {"mark", Kind::kMark},
    {"corrupt", Kind::kCorrupt},
    {"corrupt_sstable", Kind::kCorruptSSTable},
    {"verify", Kind::kVerify},
};

// The descriptions of keys that several actions take.
constexpr char kDurationDoc[] =
    "network faults: heal automatically after this long (unset: until a heal); drop_mutations: "
    "how long the node drops mutations (unset: to the end)";
constexpr char kOneWayDoc[] =
    "partition: only messages from groups[0] to the others are dropped; cut_link, degrade_link: "
    "only from -> to";
constexpr char kNodeDoc[] =
    "clock_jump, drift_change, crash, power_loss, restart, replace, drop_mutations, "
    "corrupt_sstable: the node (required); "
    "repair: repair only this node's ranges (optional); verify: verify only this node's "
    "SSTables (optional)";

bool IsNetworkFault(Kind k) {
  return k == Kind::kPartition || k == Kind::kCutLink || k == Kind::kDegradeLink ||
         k == Kind::kCorrupt;
}

// Resolves one member of a partition group: a node id, an inclusive range "a..b", or a
// datacenter name. Appends to `out`; returns false (after reporting) on error.
bool ResolveGroupMember(Section& s, const toml::node& e, const Scenario& sc,
                        std::vector<NodeId>* out) {
  const uint32_t n = sc.cluster.nodes;
  if (e.is_integer()) {
    int64_t v = *e.value<int64_t>();
    if (v < 0 || v >= n) {
      s.ErrorAtNode(e, "groups",
                    absl::StrCat("node id ", v, " out of range: the cluster has nodes 0..", n - 1));
      return false;
    }
    out->push_back(static_cast<NodeId>(v));
    return true;
  }
  if (!e.is_string()) {
    s.ErrorAtNode(e, "groups",
                  absl::StrCat("expected node ids, \"a..b\" ranges or datacenter names, got ",
                               DescribeValue(e)));
    return false;
  }
  std::string_view text = *e.value<std::string_view>();
  size_t dots = text.find("..");
  if (dots != std::string_view::npos) {
    uint64_t a = 0, b = 0;
    bool ok = absl::SimpleAtoi(AV(text.substr(0, dots)), &a) &&
              absl::SimpleAtoi(AV(text.substr(dots + 2)), &b);
    if (!ok || a > b || b >= n) {
      s.ErrorAtNode(e, "groups",
                    absl::StrCat("expected a node range \"a..b\" with a <= b < ", n, ", got \"",
                                 AV(text), "\""));
      return false;
    }
    for (uint64_t i = a; i <= b; ++i) out->push_back(static_cast<NodeId>(i));
    return true;
  }
  NodeId first = 0;
  std::vector<DatacenterConfig> dcs = sc.cluster.datacenters;
  if (dcs.empty()) dcs.push_back(DatacenterConfig{"dc1", n, 1});
  for (const DatacenterConfig& dc : dcs) {
    if (dc.name == text) {
      for (uint32_t i = 0; i < dc.nodes; ++i) out->push_back(first + i);
      return true;
    }
    first += dc.nodes;
  }
  s.ErrorAtNode(
      e, "groups",
      absl::StrCat("\"", AV(text), "\" is neither a node range \"a..b\" nor a datacenter name"));
  return false;
}

void ReadNodeId(Section& s, std::string_view key, NodeId* out, const Scenario& sc,
                std::string_view doc) {
  uint32_t max = sc.cluster.nodes > 0 ? sc.cluster.nodes - 1 : 0;
  s.Require(key, "missing: a node id is required");
  s.Uint32(key, out, 0, max, doc);
}

void ReadUndoAfter(Section& f, FaultConfig* c) {
  f.OptionalDuration("duration", &c->duration, 1, kYear, kDurationDoc);
}

// `groups`: an array of arrays of members (ResolveGroupMember), echoed as node ids.
void ReadGroups(Section& f, const Scenario& sc, FaultConfig* c) {
  const toml::node* g =
      f.Raw("groups", "array of arrays", "",
            "partition: disjoint node groups; members are node ids, \"a..b\" ranges or "
            "datacenter names; nodes in no group form one more group");
  f.Echo("groups", c->groups);
  if (!f.reading()) return;
  if (g == nullptr) {
    f.ErrorAtKey("groups", "missing: a partition needs groups, e.g. groups = [[0, 1], [2, 3, 4]]");
    return;
  }
  if (!g->is_array() || g->as_array()->empty()) {
    f.ErrorAtNode(*g, "groups",
                  absl::StrCat("expected a non-empty array of node groups, e.g. [[0, 1], [2, 3, "
                               "4]], got ",
                               DescribeValue(*g)));
    return;
  }
  absl::btree_set<NodeId> seen;
  for (const toml::node& ge : *g->as_array()) {
    std::vector<NodeId> group;
    if (!ge.is_array()) {
      f.ErrorAtNode(ge, "groups",
                    absl::StrCat("each group must be an array, e.g. [0, 1] or [\"0..9\"] or "
                                 "[\"dc1\"], got ",
                                 DescribeValue(ge)));
      continue;
    }
    for (const toml::node& e : *ge.as_array()) ResolveGroupMember(f, e, sc, &group);
    for (NodeId id : group) {
      if (!seen.insert(id).second) {
        f.ErrorAtNode(ge, "groups", absl::StrCat("node ", id, " is in more than one group"));
        break;
      }
    }
    c->groups.push_back(std::move(group));
  }
  if (c->groups.size() == 1 && seen.size() == sc.cluster.nodes) {
    f.ErrorAtNode(*g, "groups", "a single group holding every node partitions nothing");
  }
}

void ReadPartition(Section& f, const Scenario& sc, FaultConfig* c) {
  ReadUndoAfter(f, c);
  ReadGroups(f, sc, c);
  f.Bool("one_way", &c->one_way, kOneWayDoc);
}

void ReadNodePair(Section& f, const Scenario& sc, FaultConfig* c) {
  ReadNodeId(f, "from", &c->from, sc, "cut_link, degrade_link: one end of the link (node id)");
  ReadNodeId(f, "to", &c->to, sc, "cut_link, degrade_link: the other end (node id)");
  if (c->from == c->to && f.Has("from") && f.Has("to")) {
    f.ErrorAtKey("to", "a link needs two different nodes");
  }
}

void ReadDcPair(Section& f, const Scenario& sc, FaultConfig* c) {
  f.String("from_dc", &c->from_dc,
           "cut_link, degrade_link between datacenters (instead of from/to): one datacenter; "
           "traffic reroutes over the remaining datacenter links");
  f.String("to_dc", &c->to_dc, "cut_link, degrade_link between datacenters: the other datacenter");
  if (!f.reading()) return;
  absl::btree_set<std::string> dcs;
  for (const DatacenterConfig& dc : sc.cluster.datacenters) dcs.insert(dc.name);
  if (dcs.empty()) dcs.insert("dc1");
  for (std::string_view key : {"from_dc", "to_dc"}) {
    const std::string& v = key == "from_dc" ? c->from_dc : c->to_dc;
    if (!f.Has(key)) {
      f.ErrorAtKey(key, "missing: a datacenter link needs both from_dc and to_dc");
    } else if (!dcs.contains(v)) {
      f.ErrorAtKey(key, absl::StrCat("unknown datacenter \"", v,
                                     "\" (known: ", absl::StrJoin(dcs, ", "), ")"));
    }
  }
  if (!c->from_dc.empty() && c->from_dc == c->to_dc)
    f.ErrorAtKey("to_dc", "a link needs two different datacenters");
}

// degrade_link's `link`: the class while degraded, starting from [network.link].
void ReadDegradedClass(Section& f, const Scenario& sc, FaultConfig* c) {
  Section l = f.Table("link",
                      "degrade_link: the link class while degraded (keys as [network.link]; "
                      "keys left out take their value from [network.link])");
  if (f.reading()) {
    if (!l.present())
      f.ErrorAtKey("link", "missing: degrade_link needs link = {loss = ..., latency = ...}");
    c->link =
        sc.network.link;  // the loader replaces this with the pair's own class when it knows it
  }
  ReadLinkClass(l, &c->link);
  l.Finish();
}

void ReadCutOrDegrade(Section& f, const Scenario& sc, FaultConfig* c) {
  ReadUndoAfter(f, c);
  f.Bool("one_way", &c->one_way, kOneWayDoc);
  // Between datacenters: in a file, when from_dc or to_dc is given; in a loaded fault, from_dc.
  const bool dc_level = f.echoing() ? !c->from_dc.empty() : f.Has("from_dc") || f.Has("to_dc");
  if (f.documenting() || !dc_level) ReadNodePair(f, sc, c);
  if (f.documenting() || dc_level) ReadDcPair(f, sc, c);
  if (c->kind == Kind::kDegradeLink) ReadDegradedClass(f, sc, c);
}

void ReadHeal(Section& f, const Scenario&, FaultConfig* c) {
  f.String("target", &c->target,
           "heal: the name of the fault to undo (empty: every network fault)");
}

void ReadNodeFault(Section& f, const Scenario& sc, FaultConfig* c) {
  ReadNodeId(f, "node", &c->node, sc, kNodeDoc);
}

// drop_mutations: a fraction of the node's incoming mutations and/or named partition keys.
void ReadDropMutations(Section& f, const Scenario& sc, FaultConfig* c) {
  ReadUndoAfter(f, c);
  ReadNodeId(f, "node", &c->node, sc, kNodeDoc);
  f.Probability("fraction", &c->fraction, "drop_mutations: fraction of incoming mutations dropped");
  const toml::node* keys =
      f.Raw("keys", "array of strings", "[]",
            "drop_mutations: partition keys whose mutations are always dropped");
  f.Echo("keys", c->keys);
  if (!f.reading()) return;
  if (keys != nullptr) {
    if (!keys->is_array()) {
      f.ErrorAtNode(
          *keys, "keys",
          absl::StrCat("expected an array of partition keys, e.g. [\"k1\", \"k42\"], got ",
                       DescribeValue(*keys)));
    } else {
      for (const toml::node& e : *keys->as_array()) {
        if (!e.is_string()) {
          f.ErrorAtNode(e, "keys",
                        absl::StrCat("expected a partition key string, e.g. \"k42\", got ",
                                     DescribeValue(e)));
          continue;
        }
        c->keys.emplace_back(*e.value<std::string_view>());
      }
    }
  }
  if (c->fraction.IsZero() && c->keys.empty()) {
    f.ErrorAtKey("fraction", "drop_mutations needs a fraction > 0 or a list of keys");
  }
}

void ReadClockJump(Section& f, const Scenario& sc, FaultConfig* c) {
  ReadNodeId(f, "node", &c->node, sc, kNodeDoc);
  f.Require("jump", "missing: how far the clock steps, e.g. \"-500ms\"");
  f.Duration("jump", &c->jump, -kYear, kYear, "clock_jump: step (may be negative)");
}

void ReadDriftChange(Section& f, const Scenario& sc, FaultConfig* c) {
  ReadNodeId(f, "node", &c->node, sc, kNodeDoc);
  f.Require("drift_ppm", "missing: the new drift in ppm");
  f.Double("drift_ppm", &c->drift_ppm, -100'000, 100'000, "drift_change: the new drift (ppm)");
}

void ReadRepairFault(Section& f, const Scenario& sc, FaultConfig* c) {
  f.OptionalUint32("node", &c->node, &c->has_node, 0, sc.cluster.nodes - 1, kNodeDoc);
}

void ReadMark(Section&, const Scenario&, FaultConfig*) {}

// The message categories whose bytes the simulation carries, so that a flipped byte can be
// detected (checksums, content addresses).
constexpr std::string_view kCorruptible[] = {"stream", "chunk"};

void ReadCorrupt(Section& f, const Scenario&, FaultConfig* c) {
  ReadUndoAfter(f, c);
  f.Require("probability", "missing: the probability that a message arrives corrupted");
  f.Probability("probability", &c->probability,
                "corrupt: the probability that a message of `categories` arrives with a byte "
                "flipped");
  const toml::node* cats = f.Raw("categories", "array of strings", "[\"stream\", \"chunk\"]",
                                 "corrupt: the message categories it hits: \"stream\" (repair "
                                 "streams) and \"chunk\" (sstable_dag chunks)");
  if (f.reading()) {
    c->categories.clear();
    if (cats == nullptr) {
      c->categories = {"stream", "chunk"};
    } else if (!cats->is_array() || cats->as_array()->empty()) {
      f.ErrorAtNode(
          *cats, "categories",
          absl::StrCat("expected a non-empty array, e.g. [\"chunk\"], got ", DescribeValue(*cats)));
    } else {
      for (const toml::node& e : *cats->as_array()) {
        const std::optional<std::string_view> v = e.value<std::string_view>();
        if (!v || std::find(std::begin(kCorruptible), std::end(kCorruptible), *v) ==
                      std::end(kCorruptible)) {
          f.ErrorAtNode(e, "categories",
                        absl::StrCat("expected \"stream\" or \"chunk\" (the messages whose bytes "
                                     "the simulation carries), got ",
                                     DescribeValue(e)));
          continue;
        }
        c->categories.emplace_back(*v);
      }
    }
  }
  f.Echo("categories", c->categories);
}

struct Action {
  Kind kind;
  void (*read)(Section& f, const Scenario& sc, FaultConfig* c);
};

// Every action's reader, in the order the reference documents their keys.
constexpr Action kActions[] = {
    {Kind::kPartition, ReadPartition},      {Kind::kCutLink, ReadCutOrDegrade},
    {Kind::kDegradeLink, ReadCutOrDegrade}, {Kind::kHeal, ReadHeal},
    {Kind::kCrash, ReadNodeFault},          {Kind::kRestart, ReadNodeFault},
    {Kind::kReplace, ReadNodeFault},        {Kind::kDropMutations, ReadDropMutations},
    {Kind::kClockJump, ReadClockJump},      {Kind::kDriftChange, ReadDriftChange},
    {Kind::kRepair, ReadRepairFault},       {Kind::kMark, ReadMark},
    {Kind::kCorrupt, ReadCorrupt},          {Kind::kPowerLoss, ReadNodeFault},
    {Kind::kCorruptSSTable, ReadNodeFault}, {Kind::kVerify, ReadRepairFault},
};

void ReadFault(Section& f, const Scenario& sc, FaultConfig* c) {
  f.Require(
      "action",
      "missing: every fault needs an action (partition, cut_link, degrade_link, heal, "
      "clock_jump, drift_change, crash, power_loss, restart, replace, drop_mutations, repair, "
      "mark, corrupt, corrupt_sstable, verify)");
  f.Enum("action", &c->kind, kFaultKinds, "what happens (required)");
  f.Require("at", "missing: when the fault happens");
  f.Duration("at", &c->at, 0, kYear, "when it happens, in simulated time (required)");
  f.OptionalString("name", &c->name, "a name, for heal and reports");
  if (f.documenting()) {
    for (const Action& action : kActions) {
      FaultConfig each = *c;
      each.kind = action.kind;
      action.read(f, sc, &each);
    }
    return;
  }
  for (const Action& action : kActions) {
    if (action.kind == c->kind) {
      action.read(f, sc, c);
      return;
    }
  }
  DSIM_CHECK_MSG(false, "a fault action without a reader in kActions");
}

// Checks of a fault against the faults before it and the run.
void CheckFaultInSchedule(Section& f, const Scenario& sc, const FaultConfig& c,
                          absl::btree_map<std::string, Kind>* named) {
  if (!f.reading()) return;
  if (!c.name.empty() && !named->emplace(c.name, c.kind).second) {
    f.ErrorAtKey("name", absl::StrCat("duplicate fault name \"", c.name, "\""));
  }
  if (c.kind == Kind::kHeal && !c.target.empty()) {
    auto it = named->find(c.target);
    if (it == named->end() || !IsNetworkFault(it->second)) {
      f.ErrorAtKey("target", absl::StrCat("no earlier network fault is named \"", c.target, "\""));
    }
  }
  if (sc.simulation.duration > 0 && c.at > sc.simulation.duration) {
    f.ctx()->ErrorAtPaths({absl::StrCat(f.path(), ".at"), "simulation.duration"},
                          absl::StrCat("is ", FormatDuration(c.at),
                                       ", after the end of the run (simulation.duration = ",
                                       FormatDuration(sc.simulation.duration), ")"));
  }
}

}  // namespace

std::string_view FaultKindName(FaultConfig::Kind kind) {
  for (const auto& [name, k] : kFaultKinds)
    if (k == kind) return name;
  return "?";
}

void ReadFaults(Section& top, Scenario* sc) {
  absl::btree_map<std::string, Kind> named;
  top.Array("faults", "the fault schedule: [[faults]] entries, in any order", &sc->faults,
            FaultConfig{}, [&](Section& f, FaultConfig* c) {
              ReadFault(f, *sc, c);
              f.Finish();  // unknown keys are reported before the checks against other faults
              CheckFaultInSchedule(f, *sc, *c, &named);
            });
}

}  // namespace dsim::sim::scenario_keys
