#include "sim/fault_schedule.h"

#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace dsim::sim {

FaultSchedule::FaultSchedule(const std::vector<FaultConfig>& faults, Scheduler* scheduler,
                             Network* network, std::vector<NodeClock>* clocks)
    : faults_(faults),
      scheduler_(scheduler),
      network_(network),
      clocks_(clocks),
      active_(faults.size()),
      node_active_(faults.size(), false),
      record_(faults.size()) {
  scheduler_->SetHandler(EventKind::kFaultApply, this);
  scheduler_->SetHandler(EventKind::kFaultUndo, this);
}

absl::Status FaultSchedule::Check(size_t index) const {
  const FaultConfig& f = faults_[index];
  const uint32_t n = network_->nodes();
  const std::string where = absl::StrCat("faults[", index, "]", f.name.empty() ? "" : " (", f.name,
                                         f.name.empty() ? "" : ")");
  auto bad_node = [&](NodeId node) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": node ", node, " does not exist (", n, " nodes)"));
  };
  if (f.at < 0) return absl::InvalidArgumentError(absl::StrCat(where, ": negative time"));
  if (f.duration && *f.duration < 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": negative duration"));
  }
  switch (f.kind) {
    case FaultConfig::Kind::kPartition: {
      std::vector<bool> seen(n, false);
      for (const std::vector<NodeId>& group : f.groups) {
        for (NodeId node : group) {
          if (node >= n) return bad_node(node);
          if (seen[node]) {
            return absl::InvalidArgumentError(
                absl::StrCat(where, ": node ", node, " is in two partition groups"));
          }
          seen[node] = true;
        }
      }
      break;
    }
    case FaultConfig::Kind::kCutLink:
    case FaultConfig::Kind::kDegradeLink:
      if (!f.from_dc.empty() || !f.to_dc.empty()) {
        const Topology& topo = network_->topology();
        for (const std::string& dc : {f.from_dc, f.to_dc}) {
          if (!topo.FindDc(dc)) {
            return absl::InvalidArgumentError(
                absl::StrCat(where, ": unknown datacenter '", dc, "'"));
          }
        }
        if (f.from_dc == f.to_dc) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": from_dc equals to_dc"));
        }
        break;
      }
      if (f.from >= n) return bad_node(f.from);
      if (f.to >= n) return bad_node(f.to);
      if (f.from == f.to) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": a link needs two nodes"));
      }
      break;
    case FaultConfig::Kind::kHeal:
      break;
    case FaultConfig::Kind::kClockJump:
    case FaultConfig::Kind::kDriftChange:
      if (f.node >= n) return bad_node(f.node);
      break;
    case FaultConfig::Kind::kCrash:
    case FaultConfig::Kind::kPowerLoss:
    case FaultConfig::Kind::kRestart:
    case FaultConfig::Kind::kReplace:
    case FaultConfig::Kind::kDropMutations:
    case FaultConfig::Kind::kCorruptSSTable:
      if (f.node >= n) return bad_node(f.node);
      break;
    case FaultConfig::Kind::kRepair:
    case FaultConfig::Kind::kVerify:
      if (f.has_node && f.node >= n) return bad_node(f.node);
      break;
    case FaultConfig::Kind::kMark:
      break;
    case FaultConfig::Kind::kCorrupt:
      for (const std::string& c : f.categories) {
        if (c != "stream" && c != "chunk") {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": corrupt hits \"stream\" or \"chunk\", not \"", c, "\""));
        }
      }
      break;
  }
  return absl::OkStatus();
}

absl::Status FaultSchedule::Install() {
  for (size_t i = 0; i < faults_.size(); ++i) {
    if (absl::Status s = Check(i); !s.ok()) return s;
  }
  for (size_t i = 0; i < faults_.size(); ++i) {
    scheduler_->Schedule(faults_[i].at, EventKind::kFaultApply, 0, i);
  }
  return absl::OkStatus();
}

void FaultSchedule::OnEvent(const Event& event) {
  DSIM_CHECK(event.a < faults_.size());
  if (event.kind == EventKind::kFaultApply) {
    Apply(event.a);
  } else {
    DSIM_CHECK(event.kind == EventKind::kFaultUndo);
    Undo(event.a);
  }
}

void FaultSchedule::Apply(size_t index) {
  const FaultConfig& f = faults_[index];
  const Nanos now = scheduler_->now();
  ++applied_;
  // A verify is a fault event: the SSTables it sets aside take data away from their replica.
  const bool activity = f.kind != FaultConfig::Kind::kRepair && f.kind != FaultConfig::Kind::kMark;
  if (node_handler_ != nullptr && activity) node_handler_->OnFaultActivity(now);
  std::optional<Network::FaultHandle> handle;
  switch (f.kind) {
    case FaultConfig::Kind::kPartition:
      handle = network_->AddPartition(f.groups, f.one_way);
      break;
    case FaultConfig::Kind::kCutLink:
    case FaultConfig::Kind::kDegradeLink:
      if (!f.from_dc.empty()) {
        const Topology& topo = network_->topology();
        const uint32_t from = *topo.FindDc(f.from_dc);
        const uint32_t to = *topo.FindDc(f.to_dc);
        handle = f.kind == FaultConfig::Kind::kCutLink
                     ? network_->CutDcLink(from, to, f.one_way)
                     : network_->DegradeDcLink(from, to, f.link, f.one_way);
      } else {
        handle = f.kind == FaultConfig::Kind::kCutLink
                     ? network_->CutLink(f.from, f.to, f.one_way)
                     : network_->DegradeLink(f.from, f.to, f.link, f.one_way);
      }
      break;
    case FaultConfig::Kind::kCorrupt: {
      std::vector<MessageCategory> categories;
      for (const std::string& c : f.categories) {
        categories.push_back(c == "chunk" ? MessageCategory::kChunk : MessageCategory::kStream);
      }
      handle = network_->CorruptMessages(f.probability, categories);
      break;
    }
    case FaultConfig::Kind::kHeal:
      if (f.target.empty()) {
        network_->HealAll();
        for (size_t i = 0; i < active_.size(); ++i) {
          if (active_[i]) RecordUndone(i, now);
          active_[i].reset();
        }
      } else {
        for (size_t i = 0; i < faults_.size(); ++i) {
          if (faults_[i].name == f.target && active_[i]) Undo(i);
        }
      }
      break;
    case FaultConfig::Kind::kClockJump:
      (*clocks_)[f.node].Jump(now, f.jump);
      break;
    case FaultConfig::Kind::kDriftChange:
      (*clocks_)[f.node].SetDriftPpb(now, PpmToPpb(f.drift_ppm));
      break;
    case FaultConfig::Kind::kCrash:
    case FaultConfig::Kind::kPowerLoss:
    case FaultConfig::Kind::kRestart:
    case FaultConfig::Kind::kReplace:
    case FaultConfig::Kind::kDropMutations:
    case FaultConfig::Kind::kRepair:
    case FaultConfig::Kind::kMark:
    case FaultConfig::Kind::kCorruptSSTable:
    case FaultConfig::Kind::kVerify:
      if (node_handler_ == nullptr) break;
      node_handler_->ApplyNodeFault(index, f);
      if (f.kind == FaultConfig::Kind::kDropMutations && f.duration) {
        node_active_[index] = true;
        scheduler_->Schedule(now + *f.duration, EventKind::kFaultUndo, 0, index);
      }
      break;
  }
  if (handle) {
    // Re-applying a still-active fault (it cannot happen with one event per fault, but keep
    // the handle bookkeeping exact) heals the old instance first.
    if (active_[index]) network_->Heal(*active_[index]);
    active_[index] = handle;
    if (f.duration) scheduler_->Schedule(now + *f.duration, EventKind::kFaultUndo, 0, index);
  }
  RecordApplied(index, now);
}

void FaultSchedule::Undo(size_t index) {
  if (node_active_[index]) {
    node_active_[index] = false;
    ++undone_;
    RecordUndone(index, scheduler_->now());
    node_handler_->UndoNodeFault(index, faults_[index]);
    node_handler_->OnFaultActivity(scheduler_->now());
    return;
  }
  if (!active_[index]) return;  // already healed
  network_->Heal(*active_[index]);
  active_[index].reset();
  ++undone_;
  RecordUndone(index, scheduler_->now());
  if (node_handler_ != nullptr) node_handler_->OnFaultActivity(scheduler_->now());
}

void FaultSchedule::RecordApplied(size_t index, Nanos now) {
  const FaultConfig& f = faults_[index];
  AppliedFault r;
  r.index = index;
  r.kind = f.kind;
  r.name = f.name;
  r.start = now;
  switch (f.kind) {
    case FaultConfig::Kind::kPartition:
    case FaultConfig::Kind::kCutLink:
    case FaultConfig::Kind::kDegradeLink:
    case FaultConfig::Kind::kCorrupt:
      r.lasting = true;
      DSIM_CHECK(active_[index].has_value());
      break;
    case FaultConfig::Kind::kDropMutations:
      // Without a node handler (the relay workload) nothing was applied that could last.
      r.lasting = node_handler_ != nullptr;
      r.node = f.node;
      break;
    case FaultConfig::Kind::kClockJump:
    case FaultConfig::Kind::kDriftChange:
    case FaultConfig::Kind::kCrash:
    case FaultConfig::Kind::kPowerLoss:
    case FaultConfig::Kind::kRestart:
    case FaultConfig::Kind::kReplace:
    case FaultConfig::Kind::kCorruptSSTable:
      r.node = f.node;
      break;
    case FaultConfig::Kind::kRepair:
    case FaultConfig::Kind::kVerify:
      if (f.has_node) r.node = f.node;
      break;
    case FaultConfig::Kind::kHeal:
    case FaultConfig::Kind::kMark:
      break;
  }
  const bool lasting = r.lasting;
  record_[index] = std::move(r);
  if (lasting && on_window_edge_) on_window_edge_(now);
}

void FaultSchedule::RecordUndone(size_t index, Nanos now) {
  DSIM_CHECK(index < record_.size());
  std::optional<AppliedFault>& r = record_[index];
  // Only an applied lasting fault can be undone, and only once: each undo path clears the
  // active state (active_, node_active_) that led here.
  DSIM_CHECK(r.has_value() && r->lasting && !r->end.has_value());
  DSIM_CHECK(now >= r->start);
  r->end = now;
  if (on_window_edge_) on_window_edge_(now);
}

std::vector<AppliedFault> FaultSchedule::Applied() const {
  std::vector<AppliedFault> out;
  for (const std::optional<AppliedFault>& r : record_) {
    if (r.has_value()) out.push_back(*r);
  }
  return out;
}

void FaultSchedule::ExportTo(MetricSet* metrics) const {
  metrics->Set("faults.applied", applied_, "count");
  metrics->Set("faults.undone", undone_, "count");
  metrics->Set("faults.network_active", uint64_t{network_->active_faults()}, "count");
}

}  // namespace dsim::sim
