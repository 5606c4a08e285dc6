#include "sim/kv/kv_world.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "sim/core/sampler.h"
#include "sim/core/timeseries.h"
#include "sim/kv/window_recorder.h"
#include "sim/net/topology.h"

namespace dsim::sim {

KvWorld::KvWorld(const Scenario& scenario)
    : scenario_(scenario), scheduler_(size_t{scenario.cluster.nodes} * 4 + 4096) {}

KvWorld::~KvWorld() = default;

absl::StatusOr<std::unique_ptr<KvWorld>> KvWorld::Create(const Scenario& scenario) {
  DSIM_CHECK(scenario.workload.kind == WorkloadConfig::Kind::kKv);
  absl::StatusOr<Topology> topology = Topology::Create(scenario.cluster, scenario.network);
  if (!topology.ok()) return topology.status();
  const uint64_t seed = scenario.simulation.seed;
  absl::StatusOr<Ring> ring = Ring::Create(scenario.cluster, *topology, seed);
  if (!ring.ok()) return ring.status();

  std::unique_ptr<KvWorld> w(new KvWorld(scenario));
  const Scenario& s = w->scenario_;
  const uint32_t nodes = topology->nodes();
  w->ring_.emplace(*std::move(ring));
  w->network_ = std::make_unique<Network>(&w->scheduler_, *std::move(topology), seed);
  w->clocks_ = MakeNodeClocks(s.clocks, nodes, seed);
  w->oracle_ = std::make_unique<Oracle>(s.workload.kv.keys, s.workload.kv.columns, &*w->ring_);
  w->cluster_ =
      std::make_unique<Cluster>(s, &w->scheduler_, &w->clocks_, &*w->ring_, w->oracle_.get());
  if (s.checks.ledger) {
    w->ledger_ = std::make_unique<Ledger>(s, &*w->ring_, w->cluster_.get());
    w->cluster_->set_ledger(w->ledger_.get());
  }
  w->coordinator_ =
      std::make_unique<Coordinator>(s, w->cluster_.get(), w->network_.get(), &w->scheduler_);
  if (s.cluster.failure_detector == ClusterConfig::FailureDetector::kPhi) {
    w->failure_detector_ = std::make_unique<FailureDetector>(s.cluster, w->cluster_.get(),
                                                             w->network_.get(), &w->scheduler_);
    w->coordinator_->set_failure_detector(w->failure_detector_.get());
  }
  w->repair_ =
      std::make_unique<RepairService>(s, w->cluster_.get(), w->network_.get(), &w->scheduler_);
  w->workload_ = std::make_unique<KvWorkload>(s.workload.kv, seed, w->cluster_.get(),
                                              w->coordinator_.get(), &w->scheduler_);
  w->node_faults_ = std::make_unique<NodeFaults>(s, w->cluster_.get(), w->repair_.get());
  if (absl::Status st = w->node_faults_->Validate(); !st.ok()) return st;
  w->faults_ =
      std::make_unique<FaultSchedule>(s.faults, &w->scheduler_, w->network_.get(), &w->clocks_);
  w->faults_->set_node_fault_handler(w->node_faults_.get());
  w->windows_ = std::make_unique<WindowRecorder>(w->coordinator_.get(), w->oracle_.get());
  auto cut = [r = w->windows_.get()](Nanos at) { r->Cut(at); };
  w->faults_->set_window_edge_observer(cut);
  w->workload_->set_phase_edge_observer(cut);
  // The key-value timeseries (O(1) per row; counters are cumulative since the start, the
  // others are values at the row's time).
  KvWorld* k = w.get();
  w->sampler_ = std::make_unique<Sampler>(
      &w->scheduler_, s.metrics.sample_interval,
      std::vector<std::string>{
          "events", "divergent_cells", "writes_succeeded", "writes_failed", "reads_succeeded",
          "reads_failed", "ops_in_flight", "nodes_down", "hints_pending", "repair_sessions_active",
          "repair_streamed_partitions", "repair_streamed_bytes", "net_sent_messages",
          "net_sent_bytes", "net_dropped_messages", "net_faults_active"},
      [k] {
        const CategoryStats total = k->network_->stats().Total();
        auto d = [](uint64_t v) { return static_cast<double>(v); };
        const Coordinator& c = *k->coordinator_;
        return std::vector<double>{
            d(k->scheduler_.events_processed()),
            d(k->oracle_->divergent_cells()),
            d(c.writes_succeeded()),
            d(c.writes_failed()),
            d(c.reads_succeeded()),
            d(c.reads_failed()),
            d(c.ops_in_flight()),
            d(k->cluster_->nodes_down()),
            d(c.hints_pending()),
            d(k->repair_->sessions_active()),
            d(k->repair_->streamed_partitions()),
            d(k->repair_->streamed_bytes()),
            d(total.sent.messages),
            d(total.sent.bytes),
            d(total.dropped_loss.messages + total.dropped_unreachable.messages),
            d(k->network_->active_faults())};
      });
  return w;
}

absl::Status KvWorld::Start() {
  sampler_->Start();
  if (absl::Status s = faults_->Install(); !s.ok()) return s;
  cluster_->Start();
  repair_->Start(scenario_.simulation.duration);
  workload_->Start(0);
  if (failure_detector_) failure_detector_->Start();
  return absl::OkStatus();
}

void KvWorld::Finish(RunOutput* out) {
  const Nanos end = scheduler_.now();
  sampler_->Finish(end);
  out->timeseries = sampler_->Take();
  oracle_->Finish(end);
  windows_->Cut(end);
  MetricSet* m = &out->metrics;
  oracle_->ExportTo(m);
  if (ledger_) {
    ledger_->Finish(*m);
    ledger_->ExportTo(m);
  }
  coordinator_->ExportTo(m);
  if (failure_detector_) failure_detector_->ExportTo(m);
  repair_->ExportTo(m);
  cluster_->ExportTo(m);
  workload_->ExportTo(m);
  network_->stats().ExportTo(m);
  faults_->ExportTo(m);
  out->faults_applied = faults_->Applied();
  ExportClockMetrics(&clocks_, end, m);
  windows_->ExportTo(workload_->phases(), out->faults_applied, end, m);
  FillNodeTable(&out->nodes);
}

void KvWorld::FillNodeTable(NodeTable* t) const {
  t->columns = {"ops_coordinated",    "ops_succeeded",       "ops_failed_unavailable",
                "ops_failed_timeout", "divergent_cells_max", "divergent_cells_end"};
  if (failure_detector_) {
    t->columns.push_back("fd_convictions_by");
    t->columns.push_back("fd_convictions_of");
  }
  const std::vector<Coordinator::NodeOps>& ops = coordinator_->per_node();
  for (NodeId n = 0; n < ops.size(); ++n) {
    t->rows.push_back({ops[n].coordinated, ops[n].succeeded, ops[n].failed_unavailable,
                       ops[n].failed_timeout, oracle_->lagging_cells_max(n),
                       oracle_->lagging_cells(n)});
    if (failure_detector_) {
      t->rows.back().push_back(failure_detector_->convictions_by(n));
      t->rows.back().push_back(failure_detector_->convictions_of(n));
    }
  }
}

}  // namespace dsim::sim
