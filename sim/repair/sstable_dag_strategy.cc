#include "sim/repair/sstable_dag_strategy.h"

#include <algorithm>
#include <utility>

#include "engine/check.h"
#include "engine/incremental_repair.h"
#include "sim/repair/trace_digest.h"

namespace dsim::sim {

engine::ChunkingOptions ChunkingOptionsFor(const RepairConfig& config) {
  engine::ChunkingOptions o;
  o.kind = config.chunking == "fixed" ? engine::ChunkingKind::kFixed : engine::ChunkingKind::kCdc;
  o.min_bytes = config.chunk_min_bytes;
  o.avg_bytes = config.chunk_bytes;
  o.max_bytes = config.chunk_max_bytes;
  return o;
}

SSTableDagStrategy::SSTableDagStrategy(RepairContext* context)
    : context_(context), catalog_(ChunkingOptionsFor(context->config())) {
  DSIM_CHECK(context_ != nullptr);
}

SSTableDagStrategy::DriveKey SSTableDagStrategy::KeyOf(SessionRef s, uint32_t pos) const {
  const RepairSession& session = context_->session(s);
  return {session.replicas[pos], session.range.begin(), session.range.end()};
}

uint32_t SSTableDagStrategy::PositionOf(SessionRef s, NodeId node) const {
  const std::vector<NodeId>& r = context_->session(s).replicas;
  const auto it = std::find(r.begin(), r.end(), node);
  DSIM_CHECK(it != r.end());
  return static_cast<uint32_t>(it - r.begin());
}

void SSTableDagStrategy::Begin(SessionRef s) {
  const RepairSession& session = context_->session(s);
  const size_t n = session.replicas.size();
  DSIM_CHECK(n >= 1 && n < kReply0);  // a bit and a reply lane per replica
  ++open_sessions_;
  State& st = states_.Open(s);
  st.replicas.resize(n);
  for (Replica& r : st.replicas) r.from.resize(n);
  st.assigned.assign(n, 0);
  if (uploaded_.size() < context_->cluster().size()) uploaded_.resize(context_->cluster().size());
  SendToAll(s, kRequestBytes);
}

void SSTableDagStrategy::SendToAll(SessionRef s, uint32_t bytes) {
  const RepairSession& session = context_->session(s);
  for (uint32_t pos = 0; pos < session.replicas.size(); ++pos) {
    if (!context_->SendControl(s, session.replicas[0], session.replicas[pos],
                               MessageCategory::kControl, bytes, pos)) {
      return;  // the session failed
    }
  }
}

void SSTableDagStrategy::OnMessage(SessionRef s, const Delivery& d, uint32_t lane) {
  if (d.message.category == MessageCategory::kChunk) {
    OnBatch(s, PositionOf(s, d.message.from), PositionOf(s, d.message.to), lane, d.corrupted,
            d.sent_at);
    return;
  }
  DSIM_CHECK_MSG(d.message.category == MessageCategory::kControl,
                 "unexpected message category for sstable_dag");
  State& st = states_[s];
  const RepairSession& session = context_->session(s);
  const uint32_t n = static_cast<uint32_t>(session.replicas.size());
  const bool reply = lane >= kReply0;
  const uint32_t pos = reply ? lane - kReply0 : lane;
  DSIM_CHECK(pos < n);
  switch (st.phase) {
    case Phase::kRoots:
    case Phase::kManifests:
      if (!reply) {
        if (st.phase == Phase::kRoots) {
          OnRootRequest(s, pos);
        } else {
          context_->SendControl(s, session.replicas[pos], session.replicas[0],
                                MessageCategory::kControl, ManifestReplyBytes(s, pos),
                                kReply0 + pos);
        }
        return;
      }
      st.replies |= 1u << pos;
      if (st.replies != (1u << n) - 1) return;
      st.replies = 0;
      if (st.phase == Phase::kRoots) {
        OnRootsIn(s);
      } else {
        context_->CountRoundTrip(s);  // the manifests
        Plan(s);
      }
      return;
    case Phase::kPeers: {
      const uint32_t at = PositionOf(s, d.message.to);
      if (reply) {  // a chunk list from holder pos, at replica `at`
        Replica& x = st.replicas[at];
        DSIM_CHECK(x.phase == PeerPhase::kLists && x.lists_pending > 0);
        for (size_t t : x.lists_from.at(pos)) {
          // The list is the DAG's leaves: rebuilding the DAG from it must give the root.
          const DagCatalog::Entry* e = catalog_.Find(st.tables[t].digest);
          DSIM_CHECK(e != nullptr &&
                     engine::MerkleDag(e->dag.chunks()).root() == st.tables[t].root);
        }
        if (--x.lists_pending == 0) OnListsIn(s, at);
      } else if (st.replicas[pos].phase == PeerPhase::kLists) {
        OnListRequest(s, pos, at);
      } else {
        OnFetchRequest(s, pos, at);
      }
      return;
    }
  }
}

void SSTableDagStrategy::ForEachHeldFile(
    SessionRef s, uint32_t pos, bool include_fetched,
    absl::FunctionRef<void(const engine::Digest128&, const engine::SSTable*,
                           const DagCatalog::Entry&)>
        fn) {
  const NodeId node = context_->session(s).replicas[pos];
  context_->ForEachSSTable(node, [&](const engine::SSTable& table) {
    const engine::Digest128 digest = table.metadata().content_digest;
    const DagCatalog::Entry* e = catalog_.Find(digest);
    if (e == nullptr) e = &catalog_.Add(digest, context_->ReadSSTableFile(node, table));
    fn(digest, &table, *e);
  });
  if (!include_fetched) return;
  if (auto it = fetched_.find(node); it != fetched_.end()) {
    for (const auto& [digest, file] : it->second) fn(digest, nullptr, catalog_.Add(digest, file));
  }
}

uint64_t SSTableDagStrategy::BuildReplica(SessionRef s, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  const NodeId node = session.replicas[pos];
  Replica& r = states_[s].replicas[pos];
  uint64_t chunked = 0;
  absl::btree_map<uint64_t, engine::DriveEntry> current;  // by id
  ForEachHeldFile(
      s, pos, false,
      [&](const engine::Digest128& digest, const engine::SSTable* table,
          const DagCatalog::Entry& own) {
        if (catalog_.MarkChunked(node, digest)) chunked += table->file_bytes();
        if (engine::OverlapOf(table->metadata(), session.range) ==
            engine::RangeOverlap::kDisjoint) {
          return;
        }
        // A re-encoded ingest stands for the file it came from.
        const DagCatalog::Entry* e = &own;
        engine::Digest128 published = digest;
        if (auto a = aliases_.find({node, digest}); a != aliases_.end()) {
          if (!(a->second.range == session.range)) return;  // rows of another range only
          published = a->second.source;
          e = catalog_.Find(published);
          DSIM_CHECK(e != nullptr);
        }
        const engine::Digest128 root = e->dag.root();
        const engine::DriveEntry entry{root.low, root, e->dag.size_bytes(), e->dag.chunk_count()};
        if (!current.try_emplace(root.low, entry).second) {
          DSIM_CHECK_MSG(current.at(root.low).dag_root == root, "two DAG roots share an id");
          return;  // the same file twice
        }
        r.drive.push_back({published, root, e->dag.size_bytes(), e->dag.chunk_count()});
      });
  // The versioned drive follows the live SSTables: withdraw what went, publish what came.
  engine::Drive& drive = drives_.try_emplace(KeyOf(s, pos), session.range).first->second;
  std::vector<uint64_t> gone;
  for (const auto& [id, entry] : drive.manifest()) {
    if (!current.contains(id)) gone.push_back(id);
  }
  for (uint64_t id : gone) DSIM_CHECK(drive.Remove(id).ok());
  for (const auto& [id, entry] : current) {
    if (!drive.Find(id).has_value()) DSIM_CHECK(drive.Add(entry).ok());
  }
  r.drive_root = drive.root();
  bytes_chunked_ += chunked;
  return chunked;
}

void SSTableDagStrategy::OnRootRequest(SessionRef s, uint32_t pos) {
  const NodeId node = context_->session(s).replicas[pos];
  if (!context_->cluster().node(node).up()) return;  // the session failed already
  context_->FlushMemtable(node);  // all of its data in files, as before any SSTable streaming
  const uint64_t chunked = BuildReplica(s, pos);
  context_->ChargeValidation(s, node, chunked, pos);  // chunking and hashing what is new
}

void SSTableDagStrategy::OnWorkDone(SessionRef s, NodeId node, uint32_t lane) {
  const RepairSession& session = context_->session(s);
  if (lane < kReply0) {  // chunked: the root goes to the initiator
    context_->MixTrace(FoldDigest(states_[s].replicas[lane].drive_root) + lane);
    context_->SendControl(s, node, session.replicas[0], MessageCategory::kControl, kRootBytes,
                          kReply0 + lane);
    return;
  }
  OnUploaded(s, PositionOf(s, node), lane - kReply0);
}

void SSTableDagStrategy::OnRootsIn(SessionRef s) {
  State& st = states_[s];
  context_->CountRoundTrip(s);  // the roots
  const bool same = std::all_of(st.replicas.begin(), st.replicas.end(), [&](const Replica& r) {
    return r.drive_root == st.replicas[0].drive_root;
  });
  if (same) {
    ++sessions_in_sync_;
    Complete(s);
    return;
  }
  st.phase = Phase::kManifests;
  SendToAll(s, kRequestBytes);
}

uint32_t SSTableDagStrategy::ManifestReplyBytes(SessionRef s, uint32_t pos) {
  const DriveKey key = KeyOf(s, pos);
  const engine::Drive& drive = drives_.at(key);
  uint64_t bytes = drive.ManifestSerializedBytes();
  if (auto it = synced_version_.find(key); it != synced_version_.end()) {
    absl::StatusOr<engine::DriveDelta> delta = drive.NetChangesSince(it->second);
    DSIM_CHECK(delta.ok());
    bytes = engine::Drive::ChangesSerializedBytes(delta->added.size() + delta->removed.size());
  }
  synced_version_[key] = drive.version();
  return static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX));
}

void SSTableDagStrategy::Plan(SessionRef s) {
  State& st = states_[s];
  st.phase = Phase::kPeers;
  const uint32_t n = static_cast<uint32_t>(st.replicas.size());
  absl::btree_map<engine::Digest128, size_t> by_root;
  for (uint32_t pos = 0; pos < n; ++pos) {
    for (const Table& t : st.replicas[pos].drive) {
      auto [it, fresh] = by_root.try_emplace(t.root, st.tables.size());
      if (fresh) {
        st.tables.push_back(t);
        st.holders.push_back(0);
      }
      st.holders[it->second] |= 1u << pos;
    }
  }
  for (uint32_t pos = 0; pos < n; ++pos) {
    Replica& x = st.replicas[pos];
    const absl::btree_set<engine::Digest128>& seen = seen_[KeyOf(s, pos)];
    for (size_t t = 0; t < st.tables.size(); ++t) {
      if ((st.holders[t] >> pos) & 1 || seen.contains(st.tables[t].root)) continue;
      x.wants.push_back(t);
      // Its chunk list comes from the first holder.
      x.lists_from[static_cast<uint32_t>(__builtin_ctz(st.holders[t]))].push_back(t);
    }
    x.wants_fetched.assign(x.wants.size(), 0);
    sstables_wanted_ += x.wants.size();
    x.lists_pending = static_cast<uint32_t>(x.lists_from.size());
    if (x.wants.empty()) {
      x.phase = PeerPhase::kDone;
      ++st.peers_done;
    }
  }
  if (st.peers_done == n) {  // every difference was seen before: nothing new to fetch
    Complete(s);
    return;
  }
  const std::vector<NodeId> replicas = context_->session(s).replicas;
  for (uint32_t pos = 0; pos < n; ++pos) {
    for (const auto& [holder, tables] : states_[s].replicas[pos].lists_from) {
      const uint32_t bytes = kRequestBytes + 16 * static_cast<uint32_t>(tables.size());
      if (!context_->SendControl(s, replicas[pos], replicas[holder], MessageCategory::kControl,
                                 bytes, pos)) {
        return;  // the session failed
      }
    }
  }
}

void SSTableDagStrategy::OnListRequest(SessionRef s, uint32_t from_pos, uint32_t holder_pos) {
  const State& st = states_[s];
  uint64_t bytes = 0;
  for (size_t t : st.replicas[from_pos].lists_from.at(holder_pos)) {
    bytes += 16 + engine::ChunkRef::kSerializedBytes * st.tables[t].chunks;
  }
  const std::vector<NodeId>& replicas = context_->session(s).replicas;
  context_->SendControl(s, replicas[holder_pos], replicas[from_pos], MessageCategory::kControl,
                        static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX)),
                        kReply0 + holder_pos);
}

void SSTableDagStrategy::OnListsIn(SessionRef s, uint32_t pos) {
  State& st = states_[s];
  const uint32_t n = static_cast<uint32_t>(st.replicas.size());
  st.replicas[pos].phase = PeerPhase::kFetch;
  std::vector<ChunkIndex> held(n);
  for (uint32_t p = 0; p < n; ++p) held[p] = HeldNow(s, p);
  PlanFetches(s, pos, held);
  Replica& x = states_[s].replicas[pos];
  if (x.chunks_pending == 0) {
    IngestWanted(s, pos);
    PeerDone(s, pos);
    return;
  }
  RequestQueued(s, pos);
}

void SSTableDagStrategy::IngestWanted(SessionRef s, uint32_t pos) {
  State& st = states_[s];
  Replica& x = st.replicas[pos];
  const NodeId node = context_->session(s).replicas[pos];
  absl::btree_set<engine::Digest128>& seen = seen_[KeyOf(s, pos)];
  for (size_t w = 0; w < x.wants.size(); ++w) {
    if (x.wants_lost[w]) {  // a chunk of it left with the only peers that held it
      ++sstables_vanished_;
      continue;
    }
    const Table& t = st.tables[x.wants[w]];
    const DagCatalog::Entry* e = catalog_.Find(t.digest);
    std::string file;
    file.reserve(t.bytes);
    for (const engine::ChunkRef& c : e->dag.chunks()) {
      absl::StatusOr<std::string_view> bytes = x.store.Get(c.address);
      DSIM_CHECK(bytes.ok());
      file.append(bytes->data(), bytes->size());
    }
    // Every chunk was verified by its address; the whole file must now give the root.
    DSIM_CHECK_MSG(engine::MerkleDag::FromData(file, e->spans).root() == t.root,
                   "a reassembled SSTable does not match its root");
    const Cluster::FileIngest r = context_->IngestSSTableFile(s, node, file, x.wants_fetched[w]);
    ++sstables_ingested_;
    ingests_identical_ += r.byte_identical ? 1 : 0;
    rows_filtered_ += r.filtered;
    if (r.written.has_value() && !r.byte_identical) {
      aliases_[{node, *r.written}] = Alias{t.digest, context_->session(s).range};
    }
    seen.insert(t.root);
    fetched_[node].try_emplace(t.digest, std::move(file));
  }
  x.store = engine::ChunkStore();  // the chunks live on in the ingested files
}

void SSTableDagStrategy::PeerDone(SessionRef s, uint32_t pos) {
  State& st = states_[s];
  st.replicas[pos].phase = PeerPhase::kDone;
  if (++st.peers_done == st.replicas.size()) Complete(s);
}

void SSTableDagStrategy::Complete(SessionRef s) {
  State& st = states_[s];
  for (uint32_t pos = 0; pos < st.replicas.size(); ++pos) {
    absl::btree_set<engine::Digest128>& seen = seen_[KeyOf(s, pos)];
    for (const Table& t : st.replicas[pos].drive) seen.insert(t.root);
  }
  if (st.phase == Phase::kPeers) {
    context_->CountRoundTrip(s);  // the chunk lists
    context_->CountRoundTrip(s);  // the fetches
  }
  context_->Finish(s, true);
}

void SSTableDagStrategy::End(SessionRef s, bool /*ok*/) {
  states_.Close(s);
  DSIM_CHECK(open_sessions_ > 0);
  if (--open_sessions_ > 0) return;
  // No session holds a reference into the catalog: keep only the files some node still has.
  // A fetched file is kept while some node still has it as an SSTable (it may be wanted by the
  // fetcher's other ranges, or serve its peers); an alias while its re-encoded SSTable lives.
  absl::btree_set<engine::Digest128> live;
  absl::btree_set<std::pair<NodeId, engine::Digest128>> live_at;
  for (NodeId node = 0; node < context_->cluster().size(); ++node) {
    context_->ForEachSSTable(node, [&](const engine::SSTable& t) {
      live.insert(t.metadata().content_digest);
      live_at.insert({node, t.metadata().content_digest});
    });
  }
  absl::btree_set<engine::Digest128> keep = live;
  for (auto& [node, files] : fetched_) {
    for (auto it = files.begin(); it != files.end();) {
      it = live.contains(it->first) ? std::next(it) : files.erase(it);
    }
    for (const auto& [digest, file] : files) keep.insert(digest);
  }
  for (auto it = aliases_.begin(); it != aliases_.end();) {
    if (!live_at.contains(it->first)) {
      it = aliases_.erase(it);
      continue;
    }
    keep.insert(it->second.source);
    ++it;
  }
  catalog_.Retain(keep);
}

void SSTableDagStrategy::ExportTo(MetricSet* metrics) const {
  metrics->Set("repair.dag.sessions_in_sync", sessions_in_sync_, "sessions");
  metrics->Set("repair.dag.sstables_wanted", sstables_wanted_, "sstables");
  metrics->Set("repair.dag.sstables_ingested", sstables_ingested_, "sstables");
  metrics->Set("repair.dag.sstables_vanished", sstables_vanished_, "sstables");
  metrics->Set("repair.dag.ingests_byte_identical", ingests_identical_, "sstables");
  metrics->Set("repair.dag.rows_filtered", rows_filtered_, "partitions");
  metrics->Set("repair.dag.chunks_needed", chunks_needed_, "chunks");
  metrics->Set("repair.dag.chunks_fetched", chunks_fetched_, "chunks");
  metrics->Set("repair.dag.chunks_held", chunks_held_, "chunks");
  metrics->Set("repair.dag.chunks_shared", chunks_shared_, "chunks");
  metrics->Set("repair.dag.chunks_corrupt", chunks_corrupt_, "chunks");
  metrics->Set("repair.dag.chunks_reassigned", chunks_reassigned_, "chunks");
  metrics->Set("repair.dag.bytes_fetched", bytes_fetched_, "bytes");
  metrics->Set("repair.dag.bytes_chunked", bytes_chunked_, "bytes");
  uint64_t total = 0, most = 0, uploaders = 0;
  for (uint64_t b : uploaded_) {
    total += b;
    most = std::max(most, b);
    uploaders += b > 0 ? 1 : 0;
  }
  metrics->Set("repair.dag.uploaders", uploaders, "nodes");
  if (total > 0) {
    metrics->Set("repair.dag.upload_share_max",
                 static_cast<double>(most) / static_cast<double>(total), "ratio");
  } else {
    metrics->SetNull("repair.dag.upload_share_max", "ratio");
  }
}

}  // namespace dsim::sim
