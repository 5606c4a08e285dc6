#include "sim/repair/range_sync_strategy.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "engine/check.h"
#include "sim/repair/trace_digest.h"

namespace dsim::sim {
namespace {

using KeyMap = std::vector<std::pair<engine::Digest128, std::string>>;

// The key of the row whose digest is `id`. REQUIRES: the map holds it.
const std::string& KeyOf(const KeyMap& keys, const engine::Digest128& id) {
  const auto it =
      std::lower_bound(keys.begin(), keys.end(), id,
                       [](const auto& e, const engine::Digest128& d) { return e.first < d; });
  DSIM_CHECK_MSG(it != keys.end() && it->first == id, "range_sync: unknown row digest");
  return it->second;
}

}  // namespace

RangeSyncStrategy::Rows RangeSyncStrategy::ReadItems(SessionRef s, NodeId node,
                                                     uint64_t* bytes) const {
  const engine::TokenRange& range = context()->session(s).range;
  const std::vector<engine::Partition> rows = ReadRows(s, node, bytes);
  Rows out;
  out.items.reserve(rows.size());
  out.keys.reserve(rows.size());
  for (const engine::Partition& p : rows) {
    const engine::Digest128 id = p.Digest();
    out.items.push_back(engine::RangeItem{range.Offset(p.token()), id});
    out.keys.emplace_back(id, p.key());
  }
  std::sort(out.keys.begin(), out.keys.end());
  return out;
}

void RangeSyncStrategy::BeginNarrowing(SessionRef s) {
  const RepairSession& session = context()->session(s);
  State& st = states_.Open(s);
  const NodeId master = session.replicas[0];
  uint64_t bytes = 0;
  st.master = ReadItems(s, master, &bytes);
  st.peers.resize(session.replicas.size());
  st.awaiting = followers(s);
  Validate(s, master, bytes, 0);
  // The start requests: each follower validates while the master does.
  for (uint32_t pos = 1; pos <= followers(s); ++pos) {
    if (!context()->SendControl(s, master, session.replicas[pos], MessageCategory::kControl,
                                kRequestBytes, NarrowingLane(kToFollower, pos))) {
      return;  // the session failed
    }
  }
}

void RangeSyncStrategy::OnNarrowingWork(SessionRef s, NodeId node, uint32_t pos) {
  if (pos == 0) {
    Initiate(s);
    return;
  }
  DSIM_CHECK(context()->session(s).replicas[pos] == node);
  Peer& peer = states_[s].peers[pos];
  peer.validated = true;
  if (peer.arrivals >= 2) Respond(s, pos);  // the first message is waiting
}

void RangeSyncStrategy::Initiate(SessionRef s) {
  State& st = states_[s];
  for (uint32_t pos = 1; pos <= followers(s); ++pos) {
    Peer& peer = st.peers[pos];
    peer.initiator.emplace(st.master.items);
    peer.to_follower = peer.initiator->Initiate();
  }
  for (uint32_t pos = 1; pos <= followers(s); ++pos) {
    if (!Send(s, pos, /*to_follower=*/true)) return;  // the session failed
  }
}

bool RangeSyncStrategy::Send(SessionRef s, uint32_t pos, bool to_follower) {
  const RepairSession& session = context()->session(s);
  const Peer& peer = states_[s].peers[pos];
  const engine::RangeMessage& m = to_follower ? peer.to_follower : peer.to_master;
  // What the message carries, in the trace: its bytes, its side and its follower.
  context()->MixTrace(engine::Hash64(m.Serialize()) + 2 * pos + (to_follower ? 1 : 0));
  const uint64_t bytes = kRequestBytes + m.SerializedBytes();
  const NodeId master = session.replicas[0], follower = session.replicas[pos];
  return context()->SendControl(s, to_follower ? master : follower, to_follower ? follower : master,
                                MessageCategory::kControl,
                                static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX)),
                                NarrowingLane(to_follower ? kToFollower : kToMaster, pos));
}

void RangeSyncStrategy::OnNarrowingMessage(SessionRef s, const Delivery& d, uint32_t type,
                                           uint32_t pos) {
  if (type == kToMaster) {
    Reconcile(s, pos);
    return;
  }
  DSIM_CHECK(type == kToFollower);
  const NodeId follower = d.message.to;
  DSIM_CHECK(context()->session(s).replicas[pos] == follower);
  if (!context()->cluster().node(follower).up()) return;  // the session failed already
  Peer& peer = states_[s].peers[pos];
  // The start request and the first message may arrive in either order (a lost copy is
  // resent later): whichever comes first starts the validation, the second is the message.
  if (++peer.arrivals > 1) {
    if (peer.validated) Respond(s, pos);
    return;
  }
  uint64_t bytes = 0;
  Rows rows = ReadItems(s, follower, &bytes);
  peer.responder.emplace(std::move(rows.items));
  peer.keys = std::move(rows.keys);
  Validate(s, follower, bytes, pos);
}

void RangeSyncStrategy::Respond(SessionRef s, uint32_t pos) {
  Peer& peer = states_[s].peers[pos];
  absl::StatusOr<engine::RangeMessage> reply = peer.responder->Respond(peer.to_follower);
  DSIM_CHECK_MSG(reply.ok(), reply.status().ToString().c_str());
  peer.to_master = *std::move(reply);
  Send(s, pos, /*to_follower=*/false);  // unreachable: the session failed
}

void RangeSyncStrategy::Reconcile(SessionRef s, uint32_t pos) {
  if (!context()->cluster().node(context()->session(s).replicas[0]).up()) return;  // failed
  State& st = states_[s];
  Peer& peer = st.peers[pos];
  absl::StatusOr<std::optional<engine::RangeMessage>> next =
      peer.initiator->Reconcile(peer.to_master);
  DSIM_CHECK_MSG(next.ok(), next.status().ToString().c_str());
  if (next->has_value()) {
    peer.to_follower = **std::move(next);
    Send(s, pos, /*to_follower=*/true);  // unreachable: the session failed
    return;
  }
  peer.done = true;
  const engine::RangeReconcileStats& a = peer.initiator->stats();
  const engine::RangeReconcileStats& b = peer.responder->stats();
  rounds_ += a.messages_sent;
  rounds_max_ = std::max(rounds_max_, a.messages_sent);
  bytes_ += a.bytes_sent + b.bytes_sent;
  differences_ += peer.initiator->have().size() + peer.initiator->need().size();
  fingerprints_ += a.fingerprints_computed + b.fingerprints_computed;
  if (--st.awaiting == 0) Conclude(s);
}

void RangeSyncStrategy::Conclude(SessionRef s) {
  const State& st = states_[s];
  RowFilter filter;
  uint64_t rounds = 0;
  for (uint32_t pos = 1; pos <= followers(s); ++pos) {
    const Peer& peer = st.peers[pos];
    DSIM_CHECK(peer.done);
    rounds = std::max(rounds, peer.initiator->stats().messages_sent);
    // The master's rows the follower lacks, and the follower's rows the master lacks.
    for (const engine::RangeItem& item : peer.initiator->have()) {
      filter.keys.insert(KeyOf(st.master.keys, item.id));
    }
    for (const engine::RangeItem& item : peer.responder->ItemsWithIds(peer.initiator->need())) {
      filter.keys.insert(KeyOf(peer.keys, item.id));
    }
  }
  // The followers run in parallel: the critical path is the longest exchange.
  for (uint64_t i = 0; i < rounds; ++i) context()->CountRoundTrip(s);
  Narrowed(s, std::move(filter));
}

void RangeSyncStrategy::ExportTo(MetricSet* metrics) const {
  RowSyncStrategy::ExportTo(metrics);
  metrics->Set("repair.range_sync.rounds", rounds_, "round trips");
  metrics->Set("repair.range_sync.rounds_max", rounds_max_, "round trips");
  metrics->Set("repair.range_sync.bytes", bytes_, "bytes");
  metrics->Set("repair.range_sync.differences", differences_, "rows");
  metrics->Set("repair.range_sync.fingerprints", fingerprints_, "count");
}

}  // namespace dsim::sim
