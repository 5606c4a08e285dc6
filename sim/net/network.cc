#include "sim/net/network.h"

#include <algorithm>
#include <utility>

#include "engine/check.h"
#include "sim/net/transfer_time.h"

namespace dsim::sim {

PairClock::PairClock(uint32_t nodes) : nodes_(nodes) {
  if (nodes <= kDenseMaxNodes) dense_.assign(size_t{nodes} * nodes, 0);
}

Network::Network(Scheduler* scheduler, Topology topology, uint64_t root_seed)
    : scheduler_(scheduler),
      topology_(std::move(topology)),
      n_(topology_.nodes()),
      last_arrival_(n_),
      dc_edge_busy_until_(topology_.dc_edges().size(), 0) {
  DSIM_CHECK(scheduler_ != nullptr);
  rngs_.reserve(n_);
  for (NodeId node = 0; node < n_; ++node)
    rngs_.emplace_back(StreamSeed(root_seed, "network", node));
  scheduler_->SetHandler(EventKind::kNetworkDeliver, this);
}

void Network::SetSink(MessageCategory category, MessageSink* sink) {
  const int c = static_cast<int>(category);
  DSIM_CHECK(c >= 0 && c < kMessageCategoryCount);
  sinks_[c] = sink;
}

bool Network::BlockedByNodeFaults(NodeId from, NodeId to) const {
  if (partition_labels_active_ && partition_label_[from] != partition_label_[to]) return true;
  for (uint32_t w = 0; w < one_way_words_; ++w) {
    if (one_way_bits_[size_t{from} * one_way_words_ + w] &
        ~one_way_bits_[size_t{to} * one_way_words_ + w]) {
      return true;
    }
  }
  return !cut_pairs_.empty() && cut_pairs_.contains(PairKey(from, to));
}

bool Network::Reachable(NodeId from, NodeId to) const {
  DSIM_CHECK(from < n_ && to < n_);
  if (from == to) return true;
  if (node_faults_active_ && BlockedByNodeFaults(from, to)) return false;
  return topology_.DcReachable(topology_.dc_of(from), topology_.dc_of(to));
}

uint32_t Network::SingleHopModel(NodeId from, NodeId to) const {
  if (!degraded_pairs_.empty()) {
    auto it = degraded_pairs_.find(PairKey(from, to));
    if (it != degraded_pairs_.end()) return it->second;
  }
  if (topology_.SameDc(from, to)) return topology_.IntraDcClass(from, to);
  return UINT32_MAX;
}

Nanos Network::Hop(const LinkModel& model, Nanos* busy_until, uint32_t bytes, Nanos t, Rng& rng,
                   bool* lost, bool* duplicated, bool* reordered) {
  if (model.bandwidth_bytes_per_sec() != 0) {
    // The link's sender serialises one message at a time.
    t = QueueTransfer(busy_until, t, bytes, model.bandwidth_bytes_per_sec());
  }
  *lost |= rng.Chance(model.loss());
  *duplicated |= rng.Chance(model.duplicate());
  *reordered |= rng.Chance(model.reorder());
  return t + model.SampleLatency(rng);
}

Network::SendResult Network::Send(const Message& m) {
  DSIM_CHECK(m.from < n_ && m.to < n_);
  const int category = static_cast<int>(m.category);
  DSIM_CHECK(category >= 0 && category < kMessageCategoryCount);
  DSIM_CHECK_MSG(sinks_[category] != nullptr, "no sink for the message category");
  CategoryStats& stats = stats_.by_category[category];
  stats.sent.Add(m.bytes);
  const Nanos now = scheduler_->now();
  Rng& rng = rngs_[m.from];
  const uint16_t aux_category = static_cast<uint16_t>(category);
  const uint64_t from_bytes = uint64_t{m.from} | uint64_t{m.bytes} << 32;

  if (m.from == m.to) {
    ++in_flight_;
    scheduler_->Schedule(now, EventKind::kNetworkDeliver, m.to, m.payload,
                         static_cast<uint64_t>(now), from_bytes, aux_category);
    return {SendResult::Outcome::kInFlight, now};
  }

  const uint32_t single = SingleHopModel(m.from, m.to);
  const uint32_t from_dc = topology_.dc_of(m.from);
  const uint32_t to_dc = topology_.dc_of(m.to);
  if ((node_faults_active_ && BlockedByNodeFaults(m.from, m.to)) ||
      (from_dc != to_dc && !topology_.DcReachable(from_dc, to_dc))) {
    stats.dropped_unreachable.Add(m.bytes);
    const uint32_t nominal = single != UINT32_MAX ? single : Topology::kInterDcClass;
    return {SendResult::Outcome::kUnreachable, now + topology_.model(nominal).SampleLatency(rng)};
  }

  bool lost = false, duplicated = false, reordered = false;
  Nanos t = now;
  const LinkModel* last_model;
  if (single != UINT32_MAX) {
    last_model = &topology_.model(single);
    Nanos* busy = nullptr;
    if (last_model->bandwidth_bytes_per_sec() != 0) {
      if (!busy_until_) busy_until_ = std::make_unique<PairClock>(n_);
      busy = &busy_until_->At(m.from, m.to);
    }
    t = Hop(*last_model, busy, m.bytes, t, rng, &lost, &duplicated, &reordered);
  } else {
    const absl::Span<const uint32_t> route = topology_.Route(from_dc, to_dc);
    DSIM_CHECK(!route.empty());
    last_model = nullptr;
    for (uint32_t edge : route) {
      last_model = &topology_.model(topology_.dc_edges()[edge].current_model);
      t = Hop(*last_model, &dc_edge_busy_until_[edge], m.bytes, t, rng, &lost, &duplicated,
              &reordered);
    }
  }

  if (lost) {
    stats.dropped_loss.Add(m.bytes);
    return {SendResult::Outcome::kLost, t};
  }
  // A corruption is drawn only while a fault asks for it, so runs without one draw as before.
  uint16_t aux = aux_category;
  if (!corrupt_[category].IsZero() && rng.Chance(corrupt_[category])) aux |= 0x200;
  Nanos arrival = t;
  if (!reordered) {
    Nanos& last = last_arrival_.At(m.from, m.to);
    if (arrival < last) arrival = last;
    last = arrival;
  }
  ++in_flight_;
  scheduler_->Schedule(arrival, EventKind::kNetworkDeliver, m.to, m.payload,
                       static_cast<uint64_t>(now), from_bytes, aux);
  if (duplicated) {
    ++in_flight_;
    scheduler_->Schedule(arrival + last_model->SampleLatency(rng), EventKind::kNetworkDeliver, m.to,
                         m.payload, static_cast<uint64_t>(now), from_bytes,
                         static_cast<uint16_t>(aux_category | 0x100));
  }
  return {SendResult::Outcome::kInFlight, arrival};
}

void Network::OnEvent(const Event& event) {
  DSIM_CHECK(event.kind == EventKind::kNetworkDeliver);
  DSIM_CHECK(in_flight_ > 0);
  --in_flight_;
  const int category = event.aux & 0xff;
  DSIM_CHECK(category < kMessageCategoryCount);
  Delivery d;
  d.message.from = static_cast<NodeId>(event.c & 0xffffffff);
  d.message.to = event.node;
  d.message.category = static_cast<MessageCategory>(category);
  d.message.bytes = static_cast<uint32_t>(event.c >> 32);
  d.message.payload = event.a;
  d.sent_at = static_cast<Nanos>(event.b);
  d.duplicate = (event.aux & 0x100) != 0;
  d.corrupted = (event.aux & 0x200) != 0;
  CategoryStats& stats = stats_.by_category[category];
  (d.duplicate ? stats.duplicated : stats.delivered).Add(d.message.bytes);
  if (d.corrupted) stats.corrupted.Add(d.message.bytes);
  sinks_[category]->OnMessage(d);
}

Network::FaultHandle Network::AddFault(Fault fault) {
  const FaultHandle handle = next_handle_++;
  faults_.emplace(handle, std::move(fault));
  Recompute();
  if (on_fault_change_) on_fault_change_();
  return handle;
}

Network::FaultHandle Network::AddPartition(const std::vector<std::vector<NodeId>>& groups,
                                           bool one_way) {
  std::vector<bool> seen(n_, false);
  for (const std::vector<NodeId>& group : groups) {
    for (NodeId node : group) {
      DSIM_CHECK(node < n_);
      DSIM_CHECK_MSG(!seen[node], "partition groups overlap");
      seen[node] = true;
    }
  }
  return AddFault({.kind = FaultKind::kPartition, .one_way = one_way, .groups = groups});
}

Network::FaultHandle Network::CutLink(NodeId from, NodeId to, bool one_way) {
  DSIM_CHECK(from < n_ && to < n_ && from != to);
  return AddFault({.kind = FaultKind::kCutLink, .one_way = one_way, .from = from, .to = to});
}

Network::FaultHandle Network::DegradeLink(NodeId from, NodeId to, const LinkClassConfig& link,
                                          bool one_way) {
  DSIM_CHECK(from < n_ && to < n_ && from != to);
  const uint32_t model = topology_.AddModel(link);
  return AddFault({.kind = FaultKind::kDegradeLink,
                   .one_way = one_way,
                   .from = from,
                   .to = to,
                   .model = model});
}

Network::FaultHandle Network::CorruptMessages(Ratio p,
                                              const std::vector<MessageCategory>& categories) {
  return AddFault({.kind = FaultKind::kCorrupt, .corrupt = p, .categories = categories});
}

Network::FaultHandle Network::CutDcLink(uint32_t from_dc, uint32_t to_dc, bool one_way) {
  DSIM_CHECK(from_dc < topology_.datacenters() && to_dc < topology_.datacenters());
  return AddFault(
      {.kind = FaultKind::kCutDcLink, .one_way = one_way, .from = from_dc, .to = to_dc});
}

Network::FaultHandle Network::DegradeDcLink(uint32_t from_dc, uint32_t to_dc,
                                            const LinkClassConfig& link, bool one_way) {
  DSIM_CHECK(from_dc < topology_.datacenters() && to_dc < topology_.datacenters());
  const uint32_t model = topology_.AddModel(link);
  return AddFault({.kind = FaultKind::kDegradeDcLink,
                   .one_way = one_way,
                   .from = from_dc,
                   .to = to_dc,
                   .model = model});
}

bool Network::Heal(FaultHandle handle) {
  if (faults_.erase(handle) == 0) return false;
  Recompute();
  if (on_fault_change_) on_fault_change_();
  return true;
}

void Network::HealAll() {
  faults_.clear();
  Recompute();
  if (on_fault_change_) on_fault_change_();
}

// One partition fault into the lookup state: a one-way partition sets its bit on every node of
// groups[0]; a symmetric one refines the partition labels (two nodes keep equal labels only if
// they were equal and are in the same group of this partition; dense renumbering in node order).
// `group_of` is scratch space of n_ entries.
void Network::CompilePartition(const Fault& f, std::vector<uint32_t>* group_of,
                               uint32_t* one_way_index) {
  const uint32_t rest = static_cast<uint32_t>(f.groups.size());
  std::fill(group_of->begin(), group_of->end(), rest);
  for (uint32_t g = 0; g < f.groups.size(); ++g) {
    for (NodeId node : f.groups[g]) (*group_of)[node] = g;
  }
  if (f.one_way) {
    const uint32_t word = *one_way_index / 64;
    const uint64_t bit = uint64_t{1} << (*one_way_index % 64);
    ++*one_way_index;
    for (NodeId node = 0; node < n_; ++node) {
      if ((*group_of)[node] == 0) one_way_bits_[size_t{node} * one_way_words_ + word] |= bit;
    }
    return;
  }
  absl::btree_map<std::pair<uint32_t, uint32_t>, uint32_t> renumber;
  for (NodeId node = 0; node < n_; ++node) {
    const auto key = std::make_pair(partition_label_[node], (*group_of)[node]);
    auto [it, inserted] = renumber.emplace(key, static_cast<uint32_t>(renumber.size()));
    partition_label_[node] = it->second;
  }
  partition_labels_active_ = true;
}

// Compiles the active faults, in handle order, into the per-message lookup state.
void Network::Recompute() {
  partition_labels_active_ = false;
  partition_label_.assign(n_, 0);
  cut_pairs_.clear();
  degraded_pairs_.clear();
  uint32_t one_way_count = 0;
  for (const auto& [handle, f] : faults_) {
    if (f.kind == FaultKind::kPartition && f.one_way) ++one_way_count;
  }
  one_way_words_ = (one_way_count + 63) / 64;
  one_way_bits_.assign(size_t{n_} * one_way_words_, 0);

  // DC-level edges back to the scenario's state, then the DC faults on top.
  bool dc_faults = false;
  for (uint32_t e = 0; e < topology_.dc_edges().size(); ++e) {
    topology_.SetDcEdgeUp(e, true);
    topology_.SetDcEdgeModel(e, topology_.dc_edges()[e].base_model);
  }

  uint32_t one_way_index = 0;
  std::vector<uint32_t> group_of(n_);
  corrupt_.fill(Ratio{});
  for (const auto& [handle, f] : faults_) {
    switch (f.kind) {
      case FaultKind::kCorrupt:
        for (MessageCategory c : f.categories) corrupt_[static_cast<int>(c)] = f.corrupt;
        break;
      case FaultKind::kPartition:
        CompilePartition(f, &group_of, &one_way_index);
        break;
      case FaultKind::kCutLink:
        ++cut_pairs_[PairKey(f.from, f.to)];
        if (!f.one_way) ++cut_pairs_[PairKey(f.to, f.from)];
        break;
      case FaultKind::kDegradeLink:
        degraded_pairs_[PairKey(f.from, f.to)] = f.model;  // later faults win
        if (!f.one_way) degraded_pairs_[PairKey(f.to, f.from)] = f.model;
        break;
      case FaultKind::kCutDcLink:
      case FaultKind::kDegradeDcLink: {
        dc_faults = true;
        std::vector<uint32_t> edges = topology_.FindDcEdges(f.from, f.to);
        if (!f.one_way) {
          const std::vector<uint32_t> back = topology_.FindDcEdges(f.to, f.from);
          edges.insert(edges.end(), back.begin(), back.end());
        }
        for (uint32_t e : edges) {
          if (f.kind == FaultKind::kCutDcLink) {
            topology_.SetDcEdgeUp(e, false);
          } else {
            topology_.SetDcEdgeModel(e, f.model);
          }
        }
        break;
      }
    }
  }
  DSIM_CHECK(one_way_index == one_way_count);
  node_faults_active_ = partition_labels_active_ || one_way_words_ > 0 || !cut_pairs_.empty() ||
                        !degraded_pairs_.empty();
  // Routes depend only on DC-level faults; recompute when there are some now or there may
  // have been some before (cheap: D is small).
  if (dc_faults || dc_routes_dirty_) topology_.RecomputeRoutes();
  dc_routes_dirty_ = dc_faults;
}

}  // namespace dsim::sim
