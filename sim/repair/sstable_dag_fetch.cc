// SSTableDagStrategy, step 4: the fetch (sstable_dag_strategy.h describes the protocol). What
// each replica holds now, which peer sends it which chunk (rarest first, least-loaded holder),
// the batches behind each sender's throttle and a window of kWindow in flight per pair, and
// each chunk's verification on arrival.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "engine/hash.h"
#include "sim/repair/sstable_dag_strategy.h"

namespace dsim::sim {

std::string SSTableDagStrategy::ChunkBytes(SessionRef s, uint32_t pos,
                                           const engine::Digest128& digest, uint64_t index,
                                           absl::btree_map<engine::Digest128, std::string>* files) {
  auto it = files->find(digest);
  if (it == files->end()) {
    const NodeId node = context_->session(s).replicas[pos];
    std::string file;
    if (auto f = fetched_.find(node); f != fetched_.end() && f->second.contains(digest)) {
      file = f->second.at(digest);
    } else {
      context_->ForEachSSTable(node, [&](const engine::SSTable& t) {
        if (file.empty() && t.metadata().content_digest == digest) {
          file = context_->ReadSSTableFile(node, t);
        }
      });
    }
    DSIM_CHECK_MSG(!file.empty(), "a chunk's file left its holder before the fetch was planned");
    it = files->emplace(digest, std::move(file)).first;
  }
  const DagCatalog::Entry* e = catalog_.Find(digest);
  DSIM_CHECK(e != nullptr && index < e->spans.size());
  return it->second.substr(e->spans[index].offset, e->spans[index].length);
}

SSTableDagStrategy::ChunkIndex SSTableDagStrategy::HeldNow(SessionRef s, uint32_t pos) {
  ChunkIndex held;
  if (!context_->cluster().node(context_->session(s).replicas[pos]).up()) return held;
  // Files made since the roots (an ingest, a flush, a compaction) are chunked here; the node
  // pays for them with its next root request.
  ForEachHeldFile(
      s, pos, true,
      [&](const engine::Digest128& digest, const engine::SSTable*, const DagCatalog::Entry& e) {
        for (uint64_t i = 0; i < e.dag.chunk_count(); ++i) {
          held.try_emplace(e.dag.chunk(i).address, digest, i);
        }
      });
  return held;
}

void SSTableDagStrategy::PlanFetches(SessionRef s, uint32_t pos,
                                     const std::vector<ChunkIndex>& held) {
  State& st = states_[s];
  Replica& x = st.replicas[pos];
  const uint32_t n = static_cast<uint32_t>(st.replicas.size());
  auto holders_of = [&](const engine::ChunkAddress& a) {
    uint32_t count = 0;
    for (uint32_t y = 0; y < n; ++y) count += y != pos && held[y].contains(a);
    return count;
  };
  // Wanted SSTables whose chunks someone still holds; the others vanished since the roots.
  std::vector<size_t> wants;
  std::vector<uint64_t> fetched;
  for (size_t t : x.wants) {
    const DagCatalog::Entry* e = catalog_.Find(st.tables[t].digest);
    DSIM_CHECK(e != nullptr);
    const bool whole =
        std::all_of(e->dag.chunks().begin(), e->dag.chunks().end(), [&](const engine::ChunkRef& c) {
          return held[pos].contains(c.address) || holders_of(c.address);
        });
    if (!whole) {
      ++sstables_vanished_;
      continue;
    }
    wants.push_back(t);
    fetched.push_back(0);
  }
  x.wants = std::move(wants);
  x.wants_fetched = std::move(fetched);
  x.wants_lost.assign(x.wants.size(), false);
  // What x holds is copied into its session store; the rest is needed, once per address.
  absl::btree_map<engine::Digest128, std::string> own_files;
  std::vector<std::pair<uint32_t, engine::ChunkAddress>> needed;  // (holders, address)
  absl::btree_set<engine::ChunkAddress> planned;
  for (size_t w = 0; w < x.wants.size(); ++w) {
    const DagCatalog::Entry* e = catalog_.Find(st.tables[x.wants[w]].digest);
    for (const engine::ChunkRef& c : e->dag.chunks()) {
      if (auto it = held[pos].find(c.address); it != held[pos].end()) {
        ++chunks_held_;
        if (!x.store.Contains(c.address)) {
          x.store.Put(ChunkBytes(s, pos, it->second.first, it->second.second, &own_files));
        }
      } else if (!planned.insert(c.address).second) {
        ++chunks_shared_;
      } else {
        needed.push_back({holders_of(c.address), c.address});
        x.wants_fetched[w] += c.size_bytes;
      }
    }
  }
  std::sort(needed.begin(), needed.end());  // rarest first, then by address
  chunks_needed_ += needed.size();
  x.chunks_pending = needed.size();
  std::vector<absl::btree_map<engine::Digest128, std::string>> peer_files(n);
  std::vector<Batch> open(n);
  for (const auto& [count, address] : needed) {
    DSIM_CHECK(Assign(s, pos, address, held, &peer_files, &open));
  }
  for (uint32_t y = 0; y < n; ++y) {
    if (!open[y].addresses.empty()) x.from[y].queued.push_back(std::move(open[y]));
  }
}

bool SSTableDagStrategy::Assign(SessionRef s, uint32_t pos, const engine::ChunkAddress& address,
                                const std::vector<ChunkIndex>& held,
                                std::vector<absl::btree_map<engine::Digest128, std::string>>* files,
                                std::vector<Batch>* open) {
  State& st = states_[s];
  Replica& x = st.replicas[pos];
  const uint32_t n = static_cast<uint32_t>(st.replicas.size());
  uint32_t best = n;
  for (uint32_t y = 0; y < n; ++y) {
    if (y == pos || !held[y].contains(address)) continue;
    if (best == n || st.assigned[y] < st.assigned[best]) best = y;
  }
  if (best == n) return false;
  const auto& [digest, index] = held[best].at(address);
  std::string bytes = ChunkBytes(s, best, digest, index, &(*files)[best]);
  st.assigned[best] += bytes.size();
  Batch& b = (*open)[best];
  if (!b.addresses.empty() && b.size + bytes.size() > kMaxBatchBytes) {
    x.from[best].queued.push_back(std::move(b));
    b = Batch{};
  }
  b.size += bytes.size();
  b.addresses.push_back(address);
  b.bytes.push_back(std::move(bytes));
  return true;
}

void SSTableDagStrategy::RequestQueued(SessionRef s, uint32_t pos) {
  const std::vector<NodeId> replicas = context_->session(s).replicas;
  for (uint32_t y = 0; y < replicas.size(); ++y) {
    Pair& pair = states_[s].replicas[pos].from[y];
    if (pair.queued.empty() || pair.requested) continue;
    uint32_t chunks = 0;
    for (const Batch& b : pair.queued) chunks += static_cast<uint32_t>(b.addresses.size());
    pair.requested = true;
    if (!context_->SendControl(s, replicas[pos], replicas[y], MessageCategory::kControl,
                               kRequestBytes + 16 * chunks, pos)) {
      return;  // the session failed
    }
  }
}

void SSTableDagStrategy::OnFetchRequest(SessionRef s, uint32_t from_pos, uint32_t holder_pos) {
  const NodeId sender = context_->session(s).replicas[holder_pos];
  Pair& pair = states_[s].replicas[from_pos].from[holder_pos];
  pair.requested = false;
  while (!pair.queued.empty()) {
    const Batch& b = pair.queued.front();
    context_->ChargeUpload(s, sender, b.size + kPerChunkFraming * b.addresses.size(),
                           kReply0 + from_pos);
    pair.charged.push_back(std::move(pair.queued.front()));
    pair.queued.pop_front();
  }
}

void SSTableDagStrategy::OnUploaded(SessionRef s, uint32_t sender, uint32_t receiver) {
  Pair& pair = states_[s].replicas[receiver].from[sender];
  if (pair.charged.empty()) return;  // the receiver went down and dropped its fetches
  pair.ready.push_back(std::move(pair.charged.front()));
  pair.charged.pop_front();
  SendReady(s, sender, receiver);
}

void SSTableDagStrategy::SendReady(SessionRef s, uint32_t sender, uint32_t receiver) {
  const std::vector<NodeId>& replicas = context_->session(s).replicas;
  const NodeId from = replicas[sender], to = replicas[receiver];
  if (states_[s].replicas[receiver].phase == PeerPhase::kDone) {
    states_[s].replicas[receiver].from[sender].ready.clear();  // it went down: nothing to send
    return;
  }
  for (uint32_t slot = 0; slot < kWindow; ++slot) {
    Pair& pair = states_[s].replicas[receiver].from[sender];
    if (pair.ready.empty()) return;
    if (pair.in_flight[slot].has_value()) continue;
    const uint64_t bytes =
        pair.ready.front().size + kPerChunkFraming * pair.ready.front().addresses.size();
    uploaded_[from] += pair.ready.front().size;
    pair.in_flight[slot] = std::move(pair.ready.front());
    pair.ready.pop_front();
    if (!context_->SendChunks(s, from, to, static_cast<uint32_t>(bytes), slot)) return;
  }
}

void SSTableDagStrategy::OnBatch(SessionRef s, uint32_t sender, uint32_t receiver, uint32_t slot,
                                 bool corrupted, Nanos sent_at) {
  Replica& x = states_[s].replicas[receiver];
  Pair& pair = x.from[sender];
  DSIM_CHECK(slot < kWindow && pair.in_flight[slot].has_value());
  Batch b = std::move(*pair.in_flight[slot]);
  pair.in_flight[slot].reset();
  if (x.phase == PeerPhase::kDone) return;  // it went down meanwhile: the batch is for nothing
  Batch again;  // chunks that failed verification, fetched again from the same peer
  // The flipped byte: in one chunk of the batch, at a position drawn from the message.
  const uint64_t mix = engine::Hash64(absl::StrCat(sent_at, "/", slot));
  const size_t hit = corrupted ? mix % b.addresses.size() : b.addresses.size();
  for (size_t i = 0; i < b.addresses.size(); ++i) {
    std::string received = b.bytes[i];
    if (i == hit) {
      const size_t at = (mix >> 20) % received.size();
      received[at] = static_cast<char>(received[at] ^ (1 << ((mix >> 8) % 8)));
    }
    absl::StatusOr<engine::ChunkStore::PutResult> put =
        x.store.PutVerified(b.addresses[i], received);
    if (!put.ok()) {
      ++chunks_corrupt_;
      again.size += b.bytes[i].size();
      again.addresses.push_back(b.addresses[i]);
      again.bytes.push_back(std::move(b.bytes[i]));
      continue;
    }
    ++chunks_fetched_;
    bytes_fetched_ += received.size();
    DSIM_CHECK(x.chunks_pending > 0);
    --x.chunks_pending;
  }
  if (!again.addresses.empty()) {
    const uint64_t bytes = again.size + kPerChunkFraming * again.addresses.size();
    pair.charged.push_back(std::move(again));
    context_->ChargeUpload(s, context_->session(s).replicas[sender], bytes, kReply0 + receiver);
  }
  if (x.chunks_pending == 0) {
    IngestWanted(s, receiver);
    PeerDone(s, receiver);
    return;
  }
  SendReady(s, sender, receiver);
}

bool SSTableDagStrategy::FailsOnReplicaDown(SessionRef s) const {
  return states_[s].phase != Phase::kPeers;
}

void SSTableDagStrategy::OnReplicaDown(SessionRef s, NodeId node) {
  State& st = states_[s];
  DSIM_CHECK(st.phase == Phase::kPeers);
  const uint32_t down = PositionOf(s, node);
  const uint32_t n = static_cast<uint32_t>(st.replicas.size());
  // As a receiver: its wants are dropped (it fetches nothing more this session).
  Replica& d = st.replicas[down];
  const bool was_active = d.phase != PeerPhase::kDone;
  if (was_active) {
    d.phase = PeerPhase::kDone;
    d.wants.clear();
    for (Pair& pair : d.from) {
      pair.queued.clear();
      pair.charged.clear();
      pair.ready.clear();
    }
    ++st.peers_done;
  }
  // As a sender: what it had not sent yet comes from the other holders.
  std::vector<ChunkIndex> held;
  for (uint32_t pos = 0; pos < n; ++pos) {
    Replica& x = st.replicas[pos];
    if (pos == down || x.phase != PeerPhase::kFetch) continue;
    Pair& pair = x.from[down];
    std::vector<engine::ChunkAddress> lost;
    for (std::deque<Batch>* q : {&pair.queued, &pair.charged, &pair.ready}) {
      for (const Batch& b : *q) lost.insert(lost.end(), b.addresses.begin(), b.addresses.end());
      q->clear();
    }
    pair.requested = false;
    if (lost.empty()) continue;
    if (held.empty()) {
      held.resize(n);
      for (uint32_t p = 0; p < n; ++p) held[p] = HeldNow(s, p);  // empty for the down node
    }
    std::vector<absl::btree_map<engine::Digest128, std::string>> files(n);
    std::vector<Batch> open(n);
    for (const engine::ChunkAddress& a : lost) {
      if (Assign(s, pos, a, held, &files, &open)) {
        ++chunks_reassigned_;
        continue;
      }
      --x.chunks_pending;  // no live peer has it: the SSTables holding it cannot be completed
      for (size_t w = 0; w < x.wants.size(); ++w) {
        const DagCatalog::Entry* e = catalog_.Find(st.tables[x.wants[w]].digest);
        for (const engine::ChunkRef& c : e->dag.chunks()) {
          if (c.address == a) x.wants_lost[w] = true;
        }
      }
    }
    for (uint32_t y = 0; y < n; ++y) {
      if (!open[y].addresses.empty()) x.from[y].queued.push_back(std::move(open[y]));
    }
  }
  // Requests for the reassigned chunks, and receivers left with nothing to wait for. Each call
  // may end the session (an unreachable peer, the last replica done): stop when it has.
  const SessionRef session = s;
  for (uint32_t pos = 0; pos < n; ++pos) {
    if (!states_.IsOpen(session)) return;
    Replica& x = states_[s].replicas[pos];
    if (x.phase != PeerPhase::kFetch) continue;
    if (x.chunks_pending == 0) {
      IngestWanted(s, pos);
      PeerDone(s, pos);
      continue;
    }
    RequestQueued(s, pos);
  }
  if (states_.IsOpen(session) && was_active && states_[s].peers_done == n) Complete(s);
}

}  // namespace dsim::sim
