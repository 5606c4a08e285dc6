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

int MerkleStrategy::DepthFor(const RepairSession& session) const {
  const RepairConfig& config = context_->config();
  int requested;
  if (session.depth >= 0) {
    requested = session.depth;
  } else if (config.merkle_depth > 0) {
    requested = static_cast<int>(config.merkle_depth);
  } else {
    // Cassandra's rule on the initiator's estimate of the partitions in the range. The node
    // holds data only for the ranges it replicates, so its sketch is scaled by the range's
    // share of those (Store::EstimatePartitions alone assumes data over the whole ring).
    const NodeId initiator = session.replicas[0];
    const Cluster& cluster = context_->cluster();
    const engine::Store& store = cluster.node(initiator).store();
    const double held = cluster.ring().ReplicatedFraction(initiator);
    const double estimate = store.EstimatePartitions(engine::TokenRange::FullRing()) *
                            std::min(1.0, session.range.RingFraction() / held);
    requested = engine::MerkleDepthFor(static_cast<uint64_t>(std::llround(estimate)),
                                       store.options().merkle_max_depth);
  }
  return std::min({requested, MaxDepthFor(session.range), engine::MerkleTree::kMaxDepth});
}

void MerkleStrategy::Begin(SessionRef s) {
  const RepairSession& session = context_->session(s);
  const size_t n = session.replicas.size();
  DSIM_CHECK(n >= 1 && n < 32);  // trees_received has a bit per replica
  State& st = states_.Open(s);
  st.depth = DepthFor(session);
  st.trees.assign(n, std::nullopt);
  depth_min_ = depth_min_ < 0 ? st.depth : std::min(depth_min_, st.depth);
  depth_max_ = std::max(depth_max_, st.depth);
  const NodeId initiator = session.replicas[0];
  for (uint32_t pos = 0; pos < n; ++pos) {
    if (!context_->SendControl(s, initiator, session.replicas[pos], MessageCategory::kControl,
                               kValidationRequestBytes, pos)) {
      return;  // the session failed
    }
  }
}

void MerkleStrategy::OnMessage(SessionRef s, const Delivery& d, uint32_t lane) {
  switch (d.message.category) {
    case MessageCategory::kControl:
      OnValidationRequest(s, d, lane);
      break;
    case MessageCategory::kMerkleTree:
      OnTree(s, lane);
      break;
    default:
      DSIM_CHECK_MSG(false, "unexpected message category for Merkle repair");
  }
}

void MerkleStrategy::OnValidationRequest(SessionRef s, const Delivery& d, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  State& st = states_[s];
  const NodeId replica = d.message.to;
  DSIM_CHECK(pos < session.replicas.size() && session.replicas[pos] == replica);
  if (!context_->cluster().node(replica).up()) return;  // the session failed already
  engine::MerkleTree tree(session.range, st.depth);
  uint64_t bytes = 0;
  context_->ReadRange(replica, session.range, [&](const engine::Partition& p) {
    tree.Add(p.token(), p.Digest());
    bytes += static_cast<uint64_t>(p.ByteSize());
  });
  tree.Finalize();
  st.trees[pos] = std::move(tree);
  ++validations_;
  validation_bytes_ += bytes;
  context_->ChargeValidation(s, replica, bytes, pos);
}

void MerkleStrategy::OnWorkDone(SessionRef s, NodeId node, uint32_t pos) {
  const RepairSession& session = context_->session(s);
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
  if (st.comparing || !context_->cluster().node(session.replicas[0]).up()) return;
  st.trees_received |= 1u << pos;
  if (st.trees_received == (1u << session.replicas.size()) - 1) Compare(s);
}

void MerkleStrategy::Compare(SessionRef s) {
  const RepairSession& session = context_->session(s);
  State& st = states_[s];
  st.comparing = true;
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
    context_->Finish(s, true);
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
  DSIM_CHECK(st.comparing && st.streams_pending > 0);
  if (--st.streams_pending == 0) context_->Finish(s, true);
}

bool MerkleStrategy::FailsOnReplicaDown(SessionRef s) const { return !states_[s].comparing; }

void MerkleStrategy::End(SessionRef s, bool ok) {
  // Sessions fail only before their streams open, and complete only after the last ends.
  DSIM_CHECK(states_[s].streams_pending == 0);
  DSIM_CHECK(ok || !states_[s].comparing);
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
}

}  // namespace dsim::sim
