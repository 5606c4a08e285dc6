// convergence.time, convergence.owed_cells and the replication lag recomputed from the full
// history of every shipped kv scenario, with none of the oracle's bookkeeping (no masks, no
// records, no incremental counts): a tap (sim/oracle/oracle_tap.h) keeps every replica's every
// cell as a version (the merge of what it was sent, reread in full from the cluster after any
// event that can take data away) and re-evaluates each definition by brute force.
//
// The definitions (oracle.h): the winner W of a cell is the merge of every version applied
// anywhere, re-derived from what the replicas hold when no replica holds it any more. A replica
// holds v when its cell is >= v, or it has no cell and v is a tombstone or W is a tombstone >= v.
// R is the last mark, else the last fault; at R (after everything at R) each cell owes W unless
// every replica holds W, and a write issued by R whose version first lands after R raises its
// cell's debt to that version. convergence.time is when the last owed cell became held
// everywhere, minus R. The lag of an acknowledged write is the first instant every replica holds
// it, minus its issue.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/histogram.h"
#include "sim/kv/kv_world.h"
#include "sim/oracle/oracle_tap.h"
#include "tests/sim/kv_test_util.h"

namespace dsim::sim {
namespace {

class Recount : public OracleTap {
 public:
  Recount(Cluster* cluster, const Oracle* oracle, uint64_t keys, uint32_t columns)
      : cluster_(cluster), oracle_(oracle), keys_(keys), columns_(columns) {}

  // At every hook, before either side hears of it, the oracle's running counts equal the
  // recount's after the same history (the first difference fails the test, once).
  void Compare(Nanos now) {
    if (differed_) return;
    if (oracle_->owed_cells_unmet() != unmet_.size() || oracle_->owed_cells() != owed_.size() ||
        oracle_->replication_lags_known() != known_) {
      differed_ = true;
      ADD_FAILURE() << "at t=" << now << " ns: owed cells unmet " << oracle_->owed_cells_unmet()
                    << " vs recount " << unmet_.size() << ", owed " << oracle_->owed_cells()
                    << " vs " << owed_.size() << ", lags known "
                    << oracle_->replication_lags_known() << " vs recount " << known_;
    }
  }
  void Issued(uint64_t key, uint32_t column, const CellVersion& v, Nanos now) override {
    Compare(now);
    const Cell c{key, column};
    Write w;
    w.v = v;
    w.issued = now;
    writes_[c].push_back(w);
    Touch(c, now);
  }
  void Acked(uint64_t key, uint32_t column, const CellVersion& v) override {
    for (Write& w : writes_[{key, column}]) {
      if (w.v == v && !w.acked) {
        w.acked = true;
        known_ += w.complete ? 1 : 0;
      }
    }
  }
  void Applied(NodeId node, const engine::Partition& incoming, Nanos now) override {
    Compare(now);
    RebaseIfDue(now);
    const std::optional<uint64_t> key = ParseKvKey(incoming.key());
    if (!key || *key >= keys_) return;
    for (const auto& [name, cell] : incoming.cells()) {
      const std::optional<uint32_t> column = ParseKvColumn(name);
      if (!column || *column >= columns_) continue;
      const Cell c{*key, *column};
      const CellVersion v = VersionOf(cell);
      auto [it, fresh] = held_.try_emplace({node, c}, v);
      if (!fresh && VersionLess(it->second, v)) it->second = v;
      auto [w, first] = winner_.try_emplace(c, v);
      if (!first && VersionLess(w->second, v)) w->second = v;
      for (Write& wr : writes_[c]) {
        if (wr.applied || !(wr.v == v)) continue;
        wr.applied = true;
        if (!due_ && wr.issued <= reference_) {
          auto [o, added] = owed_.try_emplace(c, v);
          if (!added && VersionLess(o->second, v)) o->second = v;
        }
      }
      Touch(c, now);
    }
  }
  void Lost(NodeId node, const std::vector<std::string>&, Nanos now) override {
    Compare(now);
    RebaseIfDue(now);
    RereadNode(node, now);
  }
  void Wiped(NodeId node, Nanos now) override {
    Compare(now);
    RebaseIfDue(now);
    RereadNode(node, now);
  }
  void Compacted(NodeId node, const engine::CompactionRecord& record, Nanos now) override {
    Compare(now);
    RebaseIfDue(now);
    if (record.purged_cells.empty()) return;
    std::set<std::string> keys(record.expired_tombstone_keys.begin(),
                               record.expired_tombstone_keys.end());
    for (const auto& p : record.purged_cells) keys.insert(p.partition_key);
    for (const std::string& k : keys) {
      const std::optional<uint64_t> key = ParseKvKey(k);
      if (key && *key < keys_) RereadKey(node, *key, now);
    }
  }
  void Fault(Nanos now) override {
    if (marked_) return;
    reference_ = std::max(reference_, now);
    due_ = true;
  }
  void Mark(Nanos now) override {
    marked_ = true;
    reference_ = now;
    due_ = true;
  }
  void Finished(Nanos end) override {
    Compare(end);
    if (due_) Rebase();
  }

  std::optional<Nanos> convergence_time() const {
    if (!unmet_.empty()) return std::nullopt;
    return met_since_ - reference_;
  }
  uint64_t owed_cells() const { return owed_.size(); }
  std::vector<Nanos> lags() const {
    std::vector<Nanos> out;
    for (const auto& [c, ws] : writes_) {
      for (const Write& w : ws) {
        if (w.acked && w.complete) out.push_back(*w.complete - w.issued);
      }
    }
    return out;
  }
  uint64_t unreplicated_acked() const {
    uint64_t n = 0;
    for (const auto& [c, ws] : writes_) {
      for (const Write& w : ws) n += (w.acked && !w.complete) ? 1 : 0;
    }
    return n;
  }

 private:
  using Cell = std::pair<uint64_t, uint32_t>;  // key, column
  struct Write {
    CellVersion v;
    Nanos issued = 0;
    std::optional<Nanos> complete;
    bool acked = false;
    bool applied = false;
  };

  std::vector<NodeId> ReplicasOf(uint64_t key) const {
    const Ring& ring = cluster_->ring();
    const absl::Span<const NodeId> r = ring.Replicas(ring.SegmentOf(engine::Token(KvKey(key))));
    return std::vector<NodeId>(r.begin(), r.end());
  }
  bool Holds(NodeId node, const Cell& c, const CellVersion& v) const {
    auto it = held_.find({node, c});
    if (it != held_.end()) return !VersionLess(it->second, v);
    if (v.tombstone) return true;
    auto w = winner_.find(c);
    return w != winner_.end() && w->second.tombstone && !VersionLess(w->second, v);
  }
  bool HeldEverywhere(const Cell& c, const CellVersion& v) const {
    for (NodeId n : ReplicasOf(c.first)) {
      if (!Holds(n, c, v)) return false;
    }
    return true;
  }
  void Touch(const Cell& c, Nanos now) {
    auto ws = writes_.find(c);
    if (ws != writes_.end()) {
      for (Write& w : ws->second) {
        if (!w.complete && HeldEverywhere(c, w.v)) {
          w.complete = now;
          known_ += w.acked ? 1 : 0;
        }
      }
    }
    auto o = owed_.find(c);
    if (o == owed_.end()) return;
    if (!HeldEverywhere(c, o->second)) {
      unmet_.insert(c);
    } else if (unmet_.erase(c) > 0 && unmet_.empty()) {
      met_since_ = now;
    }
  }
  void RereadKey(NodeId node, uint64_t key, Nanos now) {
    const std::optional<engine::Partition> p = cluster_->View(node, KvKey(key));
    for (uint32_t col = 0; col < columns_; ++col) {
      const Cell c{key, col};
      std::optional<CellVersion> v;
      if (p) {
        auto it = p->cells().find(KvColumn(col));
        if (it != p->cells().end()) v = VersionOf(it->second);
      }
      if (v) {
        held_[{node, c}] = *v;
      } else {
        held_.erase({node, c});
      }
      // A winner no replica holds any more is re-derived from what they hold.
      auto w = winner_.find(c);
      if (w != winner_.end() && !Anywhere(c, w->second)) {
        std::optional<CellVersion> best;
        for (NodeId n : ReplicasOf(key)) {
          auto h = held_.find({n, c});
          if (h != held_.end() && (!best || VersionLess(*best, h->second))) best = h->second;
        }
        if (best) {
          w->second = *best;
        } else {
          winner_.erase(w);
        }
      }
      Touch(c, now);
    }
  }
  // Whether some replica holds exactly the winner v (or, for a tombstone, holds no cell).
  bool Anywhere(const Cell& c, const CellVersion& v) const {
    for (NodeId n : ReplicasOf(c.first)) {
      auto it = held_.find({n, c});
      if (it != held_.end() ? it->second == v : v.tombstone) return true;
    }
    return false;
  }
  void RereadNode(NodeId node, Nanos now) {
    for (uint64_t key = 0; key < keys_; ++key) {
      const std::vector<NodeId> r = ReplicasOf(key);
      if (std::find(r.begin(), r.end(), node) != r.end()) RereadKey(node, key, now);
    }
  }
  void RebaseIfDue(Nanos now) {
    if (due_ && now > reference_) Rebase();
  }
  void Rebase() {
    due_ = false;
    owed_.clear();
    unmet_.clear();
    met_since_ = reference_;
    for (const auto& [c, w] : winner_) {
      if (HeldEverywhere(c, w)) continue;
      owed_.emplace(c, w);
      unmet_.insert(c);
    }
  }

  Cluster* cluster_;
  const Oracle* oracle_;
  bool differed_ = false;
  uint64_t known_ = 0;  // acknowledged writes that reached every replica
  uint64_t keys_;
  uint32_t columns_;
  std::map<std::pair<NodeId, Cell>, CellVersion> held_;  // absent: the replica has no cell
  std::map<Cell, CellVersion> winner_;
  std::map<Cell, std::vector<Write>> writes_;
  Nanos reference_ = 0;
  bool marked_ = false;
  bool due_ = false;
  std::map<Cell, CellVersion> owed_;
  std::set<Cell> unmet_;
  Nanos met_since_ = 0;
};

struct RecountCase {
  std::string label;
  testing::ShippedCase shipped;
};

void PrintTo(const RecountCase& c, std::ostream* os) { *os << c.label; }

class ConvergenceRecountTest : public ::testing::TestWithParam<RecountCase> {};

TEST_P(ConvergenceRecountTest, OracleFiguresEqualABruteForceRecount) {
  const testing::ShippedCase& c = GetParam().shipped;
  const bool shrunk = !testing::ShrinkOverrides(c.name).empty();
  std::vector<std::string> overrides = c.overrides;
  if (shrunk)
    std::erase_if(overrides, [](const std::string& o) { return o.rfind("workload", 0) == 0; });
  const Scenario s = testing::LoadShipped(c.name, overrides);
  absl::StatusOr<std::unique_ptr<KvWorld>> made = KvWorld::Create(s);
  ASSERT_TRUE(made.ok()) << made.status();
  KvWorld& w = **made;
  Recount recount(&w.cluster(), &w.oracle(), s.workload.kv.keys, s.workload.kv.columns);
  w.oracle().SetTap(&recount);
  ASSERT_TRUE(w.Start().ok());
  RunLimits limits;
  if (s.simulation.duration > 0) limits.until = s.simulation.duration;
  w.scheduler().Run(limits);
  RunOutput out;
  w.Finish(&out);

  const std::optional<Nanos> t = recount.convergence_time();
  ASSERT_EQ(testing::IsNull(out, "convergence.time"), !t.has_value());
  if (t) {
    EXPECT_EQ(testing::D(out, "convergence.time"), ToSeconds(*t));
  }
  EXPECT_EQ(testing::U(out, "convergence.owed_cells"), recount.owed_cells());

  const std::vector<Nanos> lags = recount.lags();
  ASSERT_EQ(testing::U(out, "replication_lag.writes"), lags.size());
  EXPECT_EQ(testing::U(out, "replication_lag.unreplicated"), recount.unreplicated_acked());
  ASSERT_FALSE(lags.empty());
  LatencyHistogram h;
  for (Nanos lag : lags) h.Record(lag);
  EXPECT_EQ(testing::D(out, "replication_lag.max"), ToSeconds(h.max()));
  EXPECT_EQ(testing::D(out, "replication_lag.p50"), ToSeconds(h.Percentile(50, 100)));
  EXPECT_EQ(testing::D(out, "replication_lag.p99"), ToSeconds(h.Percentile(99, 100)));
}

// Every shipped kv scenario as the suite runs it, and variants that put the reference instant
// in the middle of the workload (writes in flight at it), crash a node while writes are still
// on their way (lossy links), and skew clocks under a mark (writes older than the winner).
std::vector<RecountCase> Cases() {
  std::vector<RecountCase> out;
  for (const testing::ShippedCase& c : testing::ShippedCases()) {
    if (c.name.rfind("relay", 0) != 0) out.push_back({c.name, c});
  }
  out.push_back({"quickstart_hints_read_repair_loss",
                 {"quickstart",
                  {"cluster.hinted_handoff=true", "cluster.read_repair=true",
                   "network.link.loss=0.02", "faults[0].at=4s"}}});
  out.push_back({"crash_one_node_mid_workload",
                 {"crash-periodic-commitlog",
                  {"faults[0].at=15s", "faults[5].at=16s", "network.link.loss=0.05"}}});
  out.push_back({"clock_skew_with_mark",
                 {"clock-skew-lww", {"faults[0]={action = \"mark\", at = \"10s\"}"}}});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Shipped, ConvergenceRecountTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) {
                           std::string n = info.param.label;
                           for (char& ch : n) ch = (ch == '-') ? '_' : ch;
                           return n;
                         });

}  // namespace
}  // namespace dsim::sim
