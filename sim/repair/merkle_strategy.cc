#include "sim/repair/merkle_strategy.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/check.h"
#include "sim/repair/trace_digest.h"

namespace dsim::sim {
namespace {

// The deepest tree the range can hold (a leaf needs at least one token).
int MaxDepthFor(const engine::TokenRange& range) {
  if (range.IsFullRing()) return engine::MerkleTree::kMaxDepth;
  const uint64_t width_minus_one = range.WidthMinusOne();
  int depth = 0;
  // 2^(depth+1) <= width  <=>  2^(depth+1) - 1 <= width - 1
  while (depth < engine::MerkleTree::kMaxDepth &&
         ((uint64_t{1} << (depth + 1)) - 1) <= width_minus_one) {
    ++depth;
  }
  return depth;
}

}  // namespace

MerkleStrategy::MerkleStrategy(RepairContext* context) : context_(context) {
  DSIM_CHECK(context_ != nullptr);
}

int MerkleStrategy::BudgetDepth(uint64_t bytes) {
  // A tree of depth d serialises to 17 + 16 (2^(d+1) - 1) bytes (merkle_tree.h).
  int depth = -1;
  while (depth < engine::MerkleTree::kMaxDepth &&
         17 + 16 * ((uint64_t{2} << (depth + 1)) - 1) <= bytes) {
    ++depth;
  }
  return std::max(depth, 0);
}

double MerkleStrategy::RangeEstimate(const RepairSession& session) const {
  // The node holds data only for the ranges it replicates, so its sketch is scaled by the
  // range's share of those (Store::EstimatePartitions alone assumes data over the whole ring).
  const NodeId initiator = session.replicas[0];
  const Cluster& cluster = context_->cluster();
  const engine::Store& store = cluster.node(initiator).store();
  const double held = cluster.ring().ReplicatedFraction(initiator);
  return store.EstimatePartitions(engine::TokenRange::FullRing()) *
         std::min(1.0, session.range.RingFraction() / held);
}

int MerkleStrategy::DepthFor(const RepairSession& session, double estimate) const {
  const RepairConfig& config = context_->config();
  int requested;
  if (session.depth >= 0) {
    requested = session.depth;
  } else if (config.merkle_depth > 0) {
    requested = static_cast<int>(config.merkle_depth);
  } else {
    const uint64_t n = static_cast<uint64_t>(std::llround(estimate));
    requested = engine::MerkleDepthFor(
        n, context_->cluster().node(session.replicas[0]).store().options().merkle_max_depth);
    if (config.session_space_bytes > 0) {
      requested =
          std::min(requested, BudgetDepth(config.session_space_bytes / session.replicas.size()));
    }
  }
  return std::min({requested, MaxDepthFor(session.range), engine::MerkleTree::kMaxDepth});
}

bool MerkleStrategy::SendToAll(SessionRef s, uint32_t bytes) {
  const RepairSession& session = context_->session(s);
  const NodeId initiator = session.replicas[0];
  for (uint32_t pos = 0; pos < session.replicas.size(); ++pos) {
    if (!context_->SendControl(s, initiator, session.replicas[pos], MessageCategory::kControl,
                               bytes, pos)) {
      return false;  // the session failed
    }
  }
  return true;
}

void MerkleStrategy::Begin(SessionRef s) {
  const RepairSession& session = context_->session(s);
  const size_t n = session.replicas.size();
  DSIM_CHECK(n >= 1 && n <= kAckLane0);  // a bit and an ack lane per replica
  State& st = states_.Open(s);
  st.trees.assign(n, std::nullopt);
  st.incremental = context_->config().incremental;
  if (!st.incremental) {
    StartValidation(s, RangeEstimate(session));
    return;
  }
  st.phase = Phase::kPreparing;
  SendToAll(s, kPrepareRequestBytes);
}

void MerkleStrategy::StartValidation(SessionRef s, double estimate) {
  const RepairSession& session = context_->session(s);
  State& st = states_[s];
  st.phase = Phase::kValidating;
  st.depth = DepthFor(session, estimate);
  depth_min_ = depth_min_ < 0 ? st.depth : std::min(depth_min_, st.depth);
  depth_max_ = std::max(depth_max_, st.depth);
  SendToAll(s, kValidationRequestBytes);
}

void MerkleStrategy::OnMessage(SessionRef s, const Delivery& d, uint32_t lane) {
  if (d.message.category == MessageCategory::kMerkleTree) {
    OnTree(s, lane);
    return;
  }
  DSIM_CHECK_MSG(d.message.category == MessageCategory::kControl,
                 "unexpected message category for Merkle repair");
  if (lane >= kAckLane0) {
    OnPrepared(s, lane - kAckLane0);
    return;
  }
  switch (states_[s].phase) {
    case Phase::kPreparing:
      OnPrepareRequest(s, d, lane);
      break;
    case Phase::kValidating:
      OnValidationRequest(s, d, lane);
      break;
    case Phase::kFinalizing:
      OnFinalize(s, d, lane);
      break;
    case Phase::kStreaming:
      DSIM_CHECK_MSG(false, "a Merkle request while streaming");
  }
}

void MerkleStrategy::OnPrepareRequest(SessionRef s, const Delivery& d, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  const NodeId replica = d.message.to;
  DSIM_CHECK(pos < session.replicas.size() && session.replicas[pos] == replica);
  if (!context_->cluster().node(replica).up()) return;  // the session failed already
  const RepairContext::IncrementalClaim claim = context_->PrepareIncremental(s, replica);
  ++prepares_;
  anticompaction_io_bytes_ += claim.io_bytes;
  if (pos == 0) states_[s].claim_estimate = claim.estimated_partitions;
  context_->ChargeValidation(s, replica, claim.io_bytes, kAckLane0 + pos);
}

void MerkleStrategy::OnPrepared(SessionRef s, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  State& st = states_[s];
  DSIM_CHECK(st.phase == Phase::kPreparing && pos < session.replicas.size());
  st.acks |= 1u << pos;
  if (st.acks != (1u << session.replicas.size()) - 1) return;
  context_->CountRoundTrip(s);  // the prepare requests and their acknowledgements
  StartValidation(s, st.claim_estimate);
}

void MerkleStrategy::OnFinalize(SessionRef s, const Delivery& d, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  State& st = states_[s];
  const NodeId replica = d.message.to;
  DSIM_CHECK(pos < session.replicas.size() && session.replicas[pos] == replica);
  // A replica that went down since lost its claim; what it streamed in stays unrepaired too.
  if (context_->cluster().node(replica).up()) context_->FinalizeIncremental(s, replica);
  st.acks |= 1u << pos;
  if (st.acks != (1u << session.replicas.size()) - 1) return;
  context_->CountRoundTrip(s);  // the finalize commits
  context_->Finish(s, true);
}

void MerkleStrategy::Complete(SessionRef s) {
  State& st = states_[s];
  if (!st.incremental) {
    context_->Finish(s, true);
    return;
  }
  st.phase = Phase::kFinalizing;
  st.acks = 0;
  SendToAll(s, kFinalizeBytes);
}

void MerkleStrategy::OnValidationRequest(SessionRef s, const Delivery& d, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  State& st = states_[s];
  const NodeId replica = d.message.to;
  DSIM_CHECK(pos < session.replicas.size() && session.replicas[pos] == replica);
  if (!context_->cluster().node(replica).up()) return;  // the session failed already
  engine::MerkleTree tree(session.range, st.depth);
  uint64_t bytes = 0;
  auto add = [&](const engine::Partition& p) {
    tree.Add(p.token(), p.Digest());
    bytes += static_cast<uint64_t>(p.ByteSize());
  };
  if (st.incremental) {
    context_->ReadPendingRange(s, replica, add);
  } else {
    context_->ReadRange(replica, session.range, add);
  }
  tree.Finalize();
  st.trees[pos] = std::move(tree);
  ++validations_;
  validation_bytes_ += bytes;
  context_->ChargeValidation(s, replica, bytes, pos);
}

void MerkleStrategy::OnWorkDone(SessionRef s, NodeId node, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  if (pos >= kAckLane0) {  // a claim's anticompaction is done
    context_->SendControl(s, node, session.replicas[0], MessageCategory::kControl, kPrepareAckBytes,
                          pos);
    return;
  }
  const State& st = states_[s];
  DSIM_CHECK(pos < st.trees.size() && st.trees[pos].has_value());
  const engine::MerkleTree& tree = *st.trees[pos];
  context_->MixTrace(FoldDigest(tree.root()) + pos);
  const uint32_t bytes = static_cast<uint32_t>(tree.SerializedSizeBytes());
  ++trees_;
  tree_bytes_ += bytes;
  // Unreachable: the session failed.
  context_->SendControl(s, node, session.replicas[0], MessageCategory::kMerkleTree, bytes, pos);
}

void MerkleStrategy::OnTree(SessionRef s, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  State& st = states_[s];
  if (st.phase != Phase::kValidating || !context_->cluster().node(session.replicas[0]).up()) {
    return;
  }
  st.trees_received |= 1u << pos;
  if (st.trees_received == (1u << session.replicas.size()) - 1) Compare(s);
}

void MerkleStrategy::Compare(SessionRef s) {
  const RepairSession& session = context_->session(s);
  State& st = states_[s];
  st.phase = Phase::kStreaming;
  context_->CountRoundTrip(s);  // the validation requests and their trees
  const size_t n = session.replicas.size();
  // Every stream is opened before any request goes out (a request that cannot be sent ends
  // its stream at once, and the session must count all of them first).
  std::vector<StreamRef> streams;
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a + 1; b < n; ++b) {
      std::vector<engine::TokenRange> diff =
          engine::MerkleTree::Difference(*st.trees[a], *st.trees[b]);
      if (diff.empty()) continue;
      differing_ranges_ += diff.size();
      streams.push_back(context_->OpenStream(s, session.replicas[a], session.replicas[b], diff));
      streams.push_back(
          context_->OpenStream(s, session.replicas[b], session.replicas[a], std::move(diff)));
    }
  }
  st.trees.clear();
  st.streams_pending = static_cast<uint32_t>(streams.size());
  if (streams.empty()) {
    Complete(s);
    return;
  }
  context_->CountRoundTrip(s);  // the sync requests and their streams
  // The session may finish inside the last call (every stream ended at once): touch nothing
  // after the loop.
  const NodeId initiator = session.replicas[0];
  for (StreamRef t : streams) context_->RequestStream(t, initiator);
}

void MerkleStrategy::OnStreamDone(SessionRef s) {
  State& st = states_[s];
  DSIM_CHECK(st.phase == Phase::kStreaming && st.streams_pending > 0);
  if (--st.streams_pending == 0) Complete(s);
}

bool MerkleStrategy::FailsOnReplicaDown(SessionRef s) const {
  const Phase phase = states_[s].phase;
  return phase == Phase::kPreparing || phase == Phase::kValidating;
}

void MerkleStrategy::End(SessionRef s, bool ok) {
  const State& st = states_[s];
  // Sessions fail only outside their streams (a finalize commit can find its replica
  // unreachable), and complete only after the last stream ends.
  DSIM_CHECK(st.streams_pending == 0);
  DSIM_CHECK(ok || st.phase != Phase::kStreaming);
  if (!ok && st.incremental) {
    const RepairSession& session = context_->session(s);
    for (NodeId replica : session.replicas) {
      if (context_->cluster().node(replica).up()) context_->ReleaseIncremental(s, replica);
    }
  }
  states_.Close(s);
}

void MerkleStrategy::ExportTo(MetricSet* metrics) const {
  metrics->Set("repair.validations", validations_, "count");
  metrics->Set("repair.validation_bytes", validation_bytes_, "bytes");
  metrics->Set("repair.trees.count", trees_, "trees");
  metrics->Set("repair.trees.bytes", tree_bytes_, "bytes");
  if (depth_min_ >= 0) {
    metrics->Set("repair.depth.min", int64_t{depth_min_}, "levels");
    metrics->Set("repair.depth.max", int64_t{depth_max_}, "levels");
  } else {
    metrics->SetNull("repair.depth.min", "levels");
    metrics->SetNull("repair.depth.max", "levels");
  }
  metrics->Set("repair.differing_ranges", differing_ranges_, "ranges");
  metrics->Set("repair.incremental.prepares", prepares_, "count");
  metrics->Set("repair.incremental.anticompaction_io_bytes", anticompaction_io_bytes_, "bytes");
}

}  // namespace dsim::sim
