// SSTableDagStrategy ("sstable_dag"): repair by replicating whole SSTables the way BitTorrent
// and hyperdrive replicate files. Every SSTable file is cut into chunks (repair.chunking: fixed
// or content-defined, engine/chunker.h), each named by its XXH3-128 address, and described by a
// Merkle DAG over those addresses (engine/merkle_dag.h) whose root names the file. A replica's
// drive for a range (engine/drive.h) is the manifest of its SSTables whose token span meets the
// range (id = the root's low half, root, size, chunks), versioned across sessions. A node's
// chunk store is every chunk of all its SSTables (it holds them already, in its files).
//
// One session, range r, replicas R, initiator i = R[0] (repair_strategy.h for the hooks):
//  1. Roots: i asks every replica for its drive root (kControl, kRequestBytes; the reply
//     kRootBytes). The replica flushes its memtable (so all its data is in SSTables, as before
//     any SSTable streaming) and chunks the SSTables it has not chunked before, at
//     validation_throughput (its validation queue), then answers. All roots equal: done.
//  2. Manifests: i asks every replica for its manifest; the reply is the whole manifest (32 +
//     40 per SSTable) at the first sync of that replica and range, afterwards only the changes
//     since the version it last sent (16 + 41 per change): "what is new since version v".
//  3. Chunk lists: every replica x wants the SSTables some other replica has and x has neither
//     now nor ever had (a sync after the first considers only SSTables made since). For each,
//     x asks one holder (the first in R) for its chunk list (request 64 + 16 per SSTable, reply
//     16 + 24 per chunk per SSTable: the DAG's leaves), and checks each list against the
//     SSTable's root by rebuilding the DAG. (Lists, not a top-down walk: one round trip, and
//     the list is what x needs to find its missing chunks anyway.)
//  4. Fetch: x needs each chunk of its wanted SSTables that its chunk store lacks (held chunks
//     are skipped, and a chunk wanted twice is fetched once). Piece selection is rarest first
//     (chunks held by fewer peers first, ties by address); each goes to the holding peer with
//     the fewest bytes assigned so far (ties: first in R), so several peers serve x at once.
//     x sends each chosen peer one fetch request (64 + 16 per chunk); the peer sends the
//     chunks in batches of at most kMaxBatchBytes (kChunk, the chunk bytes plus 24 per chunk),
//     each behind its outgoing stream throttle (repair.stream_throughput, shared with streams),
//     at most kWindow batches of a pair in flight. On arrival each chunk is verified against
//     its address (ChunkStore::PutVerified); a chunk that fails (a `corrupt` fault flips a
//     byte of one chunk of the batch) is counted and fetched again from the same peer, so
//     nothing corrupted reaches a store.
//  5. Ingest: with every chunk of an SSTable in hand, x reassembles the file, checks it against
//     the root, keeps it (its chunks serve x's later sessions and its peers), and ingests the
//     file's rows in the session's range (Cluster::IngestSSTableFile): byte-identical when the
//     file holds no others, so both replicas then hold the same content address; else
//     re-encoded without them, and x publishes the fetched file's root for the re-encoded
//     SSTable in this range's drive (an alias), so its peers do not fetch their own rows back
//     (and in no other range's: it holds this range's rows only). The rows of other
//     ranges (filtered) reach x's database in the sessions of their ranges, from the chunks x
//     already holds: each session changes only its range, so the minimum every strategy is
//     measured against stays the same. The CRDT merge reconciles versions as for any ingest.
// The session completes when every replica has ingested what it wanted. Round trips: roots, and
// when they differ manifests, chunk lists and fetches (4). A replica going down before the
// fetches fails the session. During them the swarm carries on without it: a receiver that goes
// down drops its wants; a sender's chunks not yet sent are fetched from the other holders, a
// peer that fetched the SSTable already included ("even if the original seed goes away, the
// swarm can still replicate"), and an SSTable no live peer holds whole is dropped
// (repair.dag.sstables_vanished). Batches already on the wire still arrive.
//
// What it costs and moves: every SSTable a replica lacks moves whole (less the chunks it
// holds), whatever rows it holds already: replicas that flushed and compacted at different
// times hold the same rows in different SSTables, so the first sync moves most of the data,
// and a compaction's output is a new SSTable to its peers. Moved data counts in
// repair.over_streaming.* (partitions and cells of the fetched SSTables; bytes: the chunk
// bytes fetched).
//
// Between the manifests and the fetch a holder may compact a wanted SSTable away; the chunks are
// then fetched from whoever still holds them, and an SSTable no one holds whole any more is
// dropped from the sync (repair.dag.sstables_vanished: its rows are in the compaction's output,
// which the next sync offers).
//
// Metrics: repair.dag.{sessions_in_sync, sstables_wanted, sstables_ingested, sstables_vanished,
// ingests_byte_identical, rows_filtered, chunks_needed, chunks_fetched, chunks_held,
// chunks_shared, chunks_reassigned, bytes_fetched, bytes_chunked, chunks_corrupt, uploaders,
// upload_share_max}.
#ifndef DSIM_SIM_REPAIR_SSTABLE_DAG_STRATEGY_H_
#define DSIM_SIM_REPAIR_SSTABLE_DAG_STRATEGY_H_

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "engine/chunk_store.h"
#include "engine/drive.h"
#include "engine/merkle_dag.h"
#include "sim/repair/dag_catalog.h"
#include "sim/repair/repair_strategy.h"

namespace dsim::sim {

// The chunking options of repair.chunking and its sizes.
engine::ChunkingOptions ChunkingOptionsFor(const RepairConfig& config);

class SSTableDagStrategy : public RepairStrategy {
 public:
  static constexpr std::string_view kName = "sstable_dag";
  static constexpr uint32_t kRequestBytes = 64;
  static constexpr uint32_t kRootBytes = 64;
  static constexpr uint32_t kPerChunkFraming = 24;
  static constexpr uint64_t kMaxBatchBytes = 1 << 20;
  static constexpr uint32_t kWindow = 32;

  // REQUIRES: context outlives the strategy; its config's chunking is valid.
  explicit SSTableDagStrategy(RepairContext* context);

  std::string_view name() const override { return kName; }
  void Begin(SessionRef s) override;
  void OnMessage(SessionRef s, const Delivery& delivery, uint32_t lane) override;
  void OnWorkDone(SessionRef s, NodeId node, uint32_t lane) override;
  void OnStreamDone(SessionRef) override {}
  bool FailsOnReplicaDown(SessionRef s) const override;
  void OnReplicaDown(SessionRef s, NodeId node) override;
  void End(SessionRef s, bool ok) override;
  void ExportTo(MetricSet* metrics) const override;

 private:
  // Lanes (see OnMessage): requests to / from position p on p, replies from p on kReply0 + p;
  // uploads done on kReply0 + the receiver's position; chunk batches on their window slot.
  static constexpr uint32_t kReply0 = 31;
  enum class Phase { kRoots, kManifests, kPeers };
  enum class PeerPhase { kLists, kFetch, kDone };

  struct Table {
    engine::Digest128 digest;  // content digest of the file (the catalog key)
    engine::Digest128 root;
    uint64_t bytes = 0;
    uint64_t chunks = 0;
  };
  struct Batch {
    std::vector<engine::ChunkAddress> addresses;
    std::vector<std::string> bytes;
    uint64_t size = 0;
  };
  struct Pair {                 // one sender's uploads to one receiver
    std::deque<Batch> queued;   // planned, until the receiver's fetch request arrives
    std::deque<Batch> charged;  // waiting for the throttle, in order
    std::deque<Batch> ready;    // out of the throttle, waiting for a window slot
    std::array<std::optional<Batch>, kWindow> in_flight;
    bool requested = false;  // a fetch request for the queued batches is on its way
  };
  struct Replica {
    std::vector<Table> drive;  // SSTables meeting the range, by root
    engine::Digest128 drive_root;
    std::vector<size_t> wants;            // indexes into State::tables
    std::vector<uint64_t> wants_fetched;  // per want: chunk bytes fetched for it (not held)
    std::vector<bool> wants_lost;         // per want: a chunk no live peer holds any more
    absl::btree_map<uint32_t, std::vector<size_t>> lists_from;  // holder position -> tables
    PeerPhase phase = PeerPhase::kLists;
    uint32_t lists_pending = 0;
    engine::ChunkStore store;  // chunks of its wanted SSTables, fetched or copied from its own
    uint64_t chunks_pending = 0;
    std::vector<Pair> from;  // by sender position
  };
  struct State {
    Phase phase = Phase::kRoots;
    uint32_t replies = 0;  // bit per position
    std::vector<Replica> replicas;
    std::vector<Table> tables;      // every SSTable of any replica's drive, distinct by root
    std::vector<uint32_t> holders;  // per table: bit per position
    uint32_t peers_done = 0;
    std::vector<uint64_t> assigned;  // upload bytes assigned per sender position
  };

  using DriveKey = std::tuple<NodeId, uint64_t, uint64_t>;  // node, range begin, end
  DriveKey KeyOf(SessionRef s, uint32_t pos) const;

  // Steps, in protocol order.
  void SendToAll(SessionRef s, uint32_t bytes);
  void OnRootRequest(SessionRef s, uint32_t pos);
  void OnRootsIn(SessionRef s);
  uint32_t ManifestReplyBytes(SessionRef s, uint32_t pos);
  void Plan(SessionRef s);
  void OnListRequest(SessionRef s, uint32_t from_pos, uint32_t holder_pos);
  void OnListsIn(SessionRef s, uint32_t pos);
  void OnFetchRequest(SessionRef s, uint32_t from_pos, uint32_t holder_pos);
  void OnUploaded(SessionRef s, uint32_t sender, uint32_t receiver);
  void SendReady(SessionRef s, uint32_t sender, uint32_t receiver);
  // A batch arrived; `corrupted`: the network flipped a byte in it (of one chunk).
  void OnBatch(SessionRef s, uint32_t sender, uint32_t receiver, uint32_t slot, bool corrupted,
               Nanos sent_at);
  void IngestWanted(SessionRef s, uint32_t pos);
  void PeerDone(SessionRef s, uint32_t pos);
  // Every replica is done (or nothing was wanted): remember what each holds, finish.
  void Complete(SessionRef s);
  uint32_t PositionOf(SessionRef s, NodeId node) const;
  // Calls fn(digest, entry) for each file replica pos holds: its SSTables (a re-encoded ingest
  // under the alias of the file it came from) and the files it fetched.
  void ForEachHeldFile(
      SessionRef s, uint32_t pos, bool include_fetched,
      absl::FunctionRef<void(const engine::Digest128& published, const engine::SSTable* table,
                             const DagCatalog::Entry& entry)>
          fn);
  // The bytes of chunk `index` of file `digest` on replica pos (one of its SSTables, or a file
  // it fetched; each SSTable file read once per call site through `files`).
  std::string ChunkBytes(SessionRef s, uint32_t pos, const engine::Digest128& digest,
                         uint64_t index, absl::btree_map<engine::Digest128, std::string>* files);

  // Builds replica pos's drive; returns the bytes it chunked for the first time.
  uint64_t BuildReplica(SessionRef s, uint32_t pos);
  // Every chunk replica pos holds now (all its SSTables): address -> (file digest, index).
  using ChunkIndex = absl::btree_map<engine::ChunkAddress, std::pair<engine::Digest128, uint64_t>>;
  ChunkIndex HeldNow(SessionRef s, uint32_t pos);
  // Plans replica pos's fetches once its chunk lists are in: what it holds, what it needs
  // from whom (rarest first), in batches.
  void PlanFetches(SessionRef s, uint32_t pos, const std::vector<ChunkIndex>& held);
  // Gives chunk `address` to the least-loaded holder in `held` other than pos (queued on that
  // pair); false if no one holds it.
  bool Assign(SessionRef s, uint32_t pos, const engine::ChunkAddress& address,
              const std::vector<ChunkIndex>& held,
              std::vector<absl::btree_map<engine::Digest128, std::string>>* files,
              std::vector<Batch>* open);
  // Sends receiver pos a fetch request to every peer with queued batches.
  void RequestQueued(SessionRef s, uint32_t pos);

  RepairContext* context_;
  DagCatalog catalog_;
  SessionTable<State> states_;
  absl::btree_map<DriveKey, engine::Drive> drives_;                     // persistent, versioned
  absl::btree_map<DriveKey, uint64_t> synced_version_;                  // the version last sent
  absl::btree_map<DriveKey, absl::btree_set<engine::Digest128>> seen_;  // roots ever held
  // Whole SSTable files each node fetched (by content digest): the chunks it holds beyond its
  // own SSTables, so a file fetched for one range serves the node's sessions of other ranges.
  absl::btree_map<NodeId, absl::btree_map<engine::Digest128, std::string>> fetched_;
  // A re-encoded ingest (node, its file's digest) -> the fetched file's digest it came from and
  // the range whose rows it took: in that range's drive the node publishes the fetched file's
  // root for it (so peers do not fetch their own rows back); it is in no other range's drive
  // (it holds rows of that range only).
  struct Alias {
    engine::Digest128 source;
    engine::TokenRange range{0, 0};
  };
  absl::btree_map<std::pair<NodeId, engine::Digest128>, Alias> aliases_;
  std::vector<uint64_t> uploaded_;  // bytes per node
  uint32_t open_sessions_ = 0;      // the catalog is pruned only when none is open

  uint64_t sessions_in_sync_ = 0;
  uint64_t sstables_wanted_ = 0;
  uint64_t sstables_ingested_ = 0;
  uint64_t ingests_identical_ = 0;
  uint64_t rows_filtered_ = 0;
  uint64_t chunks_needed_ = 0;
  uint64_t chunks_fetched_ = 0;
  uint64_t chunks_held_ = 0;
  uint64_t chunks_shared_ = 0;
  uint64_t bytes_fetched_ = 0;
  uint64_t bytes_chunked_ = 0;
  uint64_t chunks_corrupt_ = 0;
  uint64_t sstables_vanished_ = 0;
  uint64_t chunks_reassigned_ = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_SSTABLE_DAG_STRATEGY_H_
