#include "sim/kv/node_faults.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "sim/kv/kv_data.h"
#include "sim/kv/window_recorder.h"

namespace dsim::sim {

NodeFaults::NodeFaults(const Scenario& scenario, Cluster* cluster, RepairService* repair)
    : scenario_(scenario), cluster_(cluster), repair_(repair) {}

absl::Status NodeFaults::Validate() const {
  for (size_t i = 0; i < scenario_.faults.size(); ++i) {
    const FaultConfig& f = scenario_.faults[i];
    if (f.kind != FaultConfig::Kind::kDropMutations) continue;
    for (const std::string& key : f.keys) {
      const std::optional<uint64_t> index = ParseKvKey(key);
      if (!index || *index >= scenario_.workload.kv.keys) {
        return absl::InvalidArgumentError(absl::StrCat(
            "faults[", i, "]", f.name.empty() ? "" : " (" + f.name + ")", ": drop_mutations key '",
            key, "' is not a workload key (k0..k", scenario_.workload.kv.keys - 1, ")"));
      }
    }
  }
  return absl::OkStatus();
}

void NodeFaults::ApplyNodeFault(size_t index, const FaultConfig& f) {
  switch (f.kind) {
    case FaultConfig::Kind::kCrash:
      cluster_->Crash(f.node, engine::CrashKind::kProcess);
      break;
    case FaultConfig::Kind::kPowerLoss:
      cluster_->Crash(f.node, engine::CrashKind::kPowerLoss);
      break;
    case FaultConfig::Kind::kRestart:
      cluster_->Restart(f.node);
      break;
    case FaultConfig::Kind::kReplace:
      cluster_->Replace(f.node);
      break;
    case FaultConfig::Kind::kCorruptSSTable:
      cluster_->CorruptSSTable(f.node, index);
      break;
    case FaultConfig::Kind::kVerify:
      if (f.has_node) {
        cluster_->Verify(f.node);
      } else {
        for (NodeId id = 0; id < scenario_.cluster.nodes; ++id) cluster_->Verify(id);
      }
      break;
    case FaultConfig::Kind::kDropMutations: {
      Node::DropWindow w;
      w.fault = index;
      w.fraction = f.fraction;
      for (const std::string& key : f.keys) w.keys.push_back(*ParseKvKey(key));
      std::sort(w.keys.begin(), w.keys.end());
      cluster_->node(f.node).drop_windows.push_back(std::move(w));
      break;
    }
    case FaultConfig::Kind::kRepair:
      if (f.has_node) {
        repair_->StartNodeRepair(f.node);
      } else {
        repair_->StartFullRepair();
      }
      break;
    case FaultConfig::Kind::kMark:
      cluster_->oracle().Mark(cluster_->scheduler().now());
      break;
    default:
      DSIM_CHECK_MSG(false, "not a node fault");
  }
}

void NodeFaults::UndoNodeFault(size_t index, const FaultConfig& f) {
  DSIM_CHECK(f.kind == FaultConfig::Kind::kDropMutations);
  std::vector<Node::DropWindow>& windows = cluster_->node(f.node).drop_windows;
  windows.erase(std::remove_if(windows.begin(), windows.end(),
                               [index](const Node::DropWindow& w) { return w.fault == index; }),
                windows.end());
}

void NodeFaults::OnFaultActivity(Nanos now) { cluster_->oracle().NoteFault(now); }

}  // namespace dsim::sim
