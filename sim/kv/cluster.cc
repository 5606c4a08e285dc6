#include "sim/kv/cluster.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "engine/check.h"
#include "engine/compaction.h"
#include "engine/corruption.h"
#include "engine/mem_disk.h"
#include "sim/core/random.h"

namespace dsim::sim {
namespace {

// Bound on compactions run back to back after one flush or ingest.
constexpr int kMaxCompactionsPerTrigger = 64;

void CheckOk(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, std::string(s.message()).c_str());
    DSIM_CHECK_MSG(false, "a store operation on a simulated disk failed");
  }
}

}  // namespace

engine::StoreOptions StoreOptionsFor(const Scenario& scenario) {
  const StorageConfig& s = scenario.storage;
  engine::StoreOptions o;
  o.memtable_flush_threshold_bytes = static_cast<int64_t>(s.memtable_flush_threshold_bytes);
  o.bloom_fp_chance = s.bloom_fp_chance;
  o.gc_grace_us = s.gc_grace / kMicrosecond;
  o.compaction.min_threshold = static_cast<int>(s.compaction_min_threshold);
  o.compaction.max_threshold = static_cast<int>(s.compaction_max_threshold);
  o.hll_precision = static_cast<int>(s.hll_precision);
  o.commitlog_sync = s.commitlog_sync == StorageConfig::CommitlogSync::kBatch
                         ? engine::CommitLogSync::kBatch
                         : engine::CommitLogSync::kPeriodic;
  o.commitlog_sync_period_us = std::max<int64_t>(1, s.commitlog_sync_period / kMicrosecond);
  o.commitlog_defect_batch_skips_sync = s.test_defect == StorageConfig::TestDefect::kBatchSkipsSync;
  o.merkle_max_depth = static_cast<int>(
      std::min<uint32_t>(scenario.repair.merkle_max_depth, engine::MerkleTree::kMaxDepth));
  return o;
}

Cluster::Cluster(const Scenario& scenario, Scheduler* scheduler, std::vector<NodeClock>* clocks,
                 const Ring* ring, Oracle* oracle)
    : scenario_(scenario),
      scheduler_(scheduler),
      clocks_(clocks),
      ring_(ring),
      oracle_(oracle),
      hlc_(scenario.clocks.timestamps == ClocksConfig::Timestamps::kHlc),
      store_options_(StoreOptionsFor(scenario)) {
  DSIM_CHECK(clocks_->size() == ring_->nodes());
  nodes_.reserve(ring_->nodes());
  for (NodeId id = 0; id < ring_->nodes(); ++id) {
    nodes_.push_back(std::make_unique<Node>(id, store_options_, scenario.simulation.seed));
  }
  corrupt_files_.resize(nodes_.size());
  scheduler_->SetHandler(EventKind::kCommitlogSync, this);
  oracle_->SetReplicaReader(this);
}

void Cluster::Start() {
  if (scenario_.storage.commitlog_sync != StorageConfig::CommitlogSync::kPeriodic) return;
  const Nanos period = scenario_.storage.commitlog_sync_period;
  DSIM_CHECK(period > 0);
  for (NodeId id = 0; id < size(); ++id) {
    Rng rng(StreamSeed(scenario_.simulation.seed, "commitlog", id));
    const Nanos phase = static_cast<Nanos>(rng.Bounded(static_cast<uint64_t>(period)));
    scheduler_->ScheduleDaemon(scheduler_->now() + phase, EventKind::kCommitlogSync, id);
  }
}

void Cluster::OnEvent(const Event& event) {
  DSIM_CHECK(event.kind == EventKind::kCommitlogSync && event.node < size());
  Node& n = node(event.node);
  if (n.up()) {
    CheckOk(n.store().Sync(LocalMicros(event.node)), "commit log sync");
    if (ledger_ != nullptr) ledger_->OnDurable(event.node);
  }
  scheduler_->ScheduleDaemon(event.time + scenario_.storage.commitlog_sync_period,
                             EventKind::kCommitlogSync, event.node);
}

void Cluster::set_ledger(Ledger* ledger) {
  ledger_ = ledger;
  ledger_flushes_.clear();
  for (const std::unique_ptr<Node>& n : nodes_)
    ledger_flushes_.push_back(n->store().stats().flushes);
}

void Cluster::NoteFlushes(NodeId id) {
  if (ledger_ == nullptr) return;
  const uint64_t flushes = node(id).store().stats().flushes;
  if (flushes == ledger_flushes_[id]) return;
  ledger_flushes_[id] = flushes;
  ledger_->OnDurable(id);
}

int64_t Cluster::LocalMicros(NodeId id) { return (*clocks_)[id].NowMicros(scheduler_->now()); }

int64_t Cluster::NewTimestamp(NodeId coordinator) {
  const int64_t physical = LocalMicros(coordinator);
  return hlc_ ? node(coordinator).NextHlcMicros(physical) : physical;
}

void Cluster::ObserveTimestamp(NodeId id, int64_t timestamp_us) {
  if (hlc_) node(id).ObserveHlcMicros(timestamp_us);
}

void Cluster::NoteTombstones(const engine::Partition& p) {
  for (const auto& [name, cell] : p.cells()) {
    if (cell.tombstone) {
      min_tombstone_ldt_us_ = std::min(min_tombstone_ldt_us_, cell.local_deletion_time_us);
    }
  }
}

void Cluster::Apply(NodeId id, const engine::Mutation& mutation) {
  Node& n = node(id);
  DSIM_CHECK_MSG(n.up(), "a mutation applied on a down node");
  if (ledger_ != nullptr) ledger_->BeforeLogged(id, mutation.partition);
  absl::StatusOr<engine::ApplyResult> r = n.store().Apply(mutation, LocalMicros(id));
  CheckOk(r.status(), "apply");
  NoteTombstones(mutation.partition);
  oracle_->OnApplied(id, mutation.partition, scheduler_->now());
  if (ledger_ != nullptr) {
    ledger_->OnLogged(id, mutation.partition);
    NoteFlushes(id);
  }
  if (hlc_) n.ObserveHlcMicros(mutation.partition.MaxTimestampUs());
  if (r->flushed) Compact(id);
}

void Cluster::Ingest(NodeId id, std::vector<engine::Partition> partitions,
                     uint64_t pending_session) {
  Node& n = node(id);
  DSIM_CHECK_MSG(n.up(), "partitions ingested on a down node");
  const Nanos now = scheduler_->now();
  for (const engine::Partition& p : partitions) {
    if (p.empty()) continue;
    NoteTombstones(p);
    oracle_->OnApplied(id, p, now);
    if (ledger_ != nullptr) ledger_->OnIngested(id, p);
  }
  const engine::SSTableRepairState state =
      pending_session == 0 ? engine::SSTableRepairState{}
                           : engine::SSTableRepairState::Pending(pending_session);
  CheckOk(n.store().IngestPartitions(std::move(partitions), state), "ingest");
  NoteFlushes(id);
  Compact(id);
}

void Cluster::Flush(NodeId id) {
  Node& n = node(id);
  DSIM_CHECK_MSG(n.up(), "a flush on a down node");
  if (n.store().memtable().empty()) return;
  CheckOk(n.store().Flush(), "flush");
  NoteFlushes(id);
  Compact(id);
}

Cluster::FileIngest Cluster::IngestSSTableFile(NodeId id, const std::string& file,
                                               const engine::TokenRange& range) {
  Node& n = node(id);
  DSIM_CHECK_MSG(n.up(), "an SSTable ingested on a down node");
  // Read it from a scratch disk: its partitions, and those node id takes.
  engine::MemDisk scratch;
  CheckOk(scratch.Append("fetched.db", file), "scratch write");
  absl::StatusOr<std::unique_ptr<engine::SSTable>> table =
      engine::SSTable::Open(&scratch, "fetched.db");
  CheckOk(table.status(), "fetched SSTable");
  std::vector<engine::Partition> kept;
  FileIngest r;
  std::unique_ptr<engine::PartitionIterator> it = (*table)->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const engine::Partition& p = it->partition();
    const absl::Span<const NodeId> replicas = ReplicasOf(p.token());
    if (!range.Contains(p.token()) ||
        std::find(replicas.begin(), replicas.end(), id) == replicas.end()) {
      ++r.filtered;
      continue;
    }
    kept.push_back(p);
  }
  if (engine::CorruptFileOf(it->status())) {
    // A fetched file that fails its checksums is not ingested at all (nothing of it is served).
    ++fetched_files_rejected_;
    return FileIngest{};
  }
  CheckOk(it->status(), "fetched SSTable scan");
  if (kept.empty()) return r;
  const Nanos now = scheduler_->now();
  for (const engine::Partition& p : kept) {
    ++r.partitions;
    r.cells += p.cell_count();
    NoteTombstones(p);
    oracle_->OnApplied(id, p, now);
    if (ledger_ != nullptr) ledger_->OnIngested(id, p);
  }
  if (r.filtered == 0) {
    r.byte_identical = true;
    CheckOk(n.store().IngestSSTableFile(file), "SSTable ingest");
  } else {
    CheckOk(n.store().IngestPartitions(std::move(kept)), "filtered SSTable ingest");
  }
  r.written = n.store().sstables().back()->metadata().content_digest;
  NoteFlushes(id);
  Compact(id);
  return r;
}

engine::Store::PrepareReport Cluster::PrepareIncremental(NodeId id, const engine::TokenRange& range,
                                                         uint64_t session) {
  Node& n = node(id);
  DSIM_CHECK_MSG(n.up(), "incremental repair prepared on a down node");
  absl::StatusOr<engine::Store::PrepareReport> r =
      n.store().PrepareIncrementalRepair(range, session);
  CheckOk(r.status(), "incremental repair prepare");
  NoteFlushes(id);
  Compact(id);  // the flush may have filled a bucket
  return *r;
}

void Cluster::FinalizeIncremental(NodeId id, uint64_t session) {
  Node& n = node(id);
  DSIM_CHECK_MSG(n.up(), "incremental repair finalized on a down node");
  CheckOk(n.store().FinalizeIncrementalRepair(session, LocalMicros(id)).status(),
          "incremental repair finalize");
  NoteFlushes(id);
  Compact(id);  // repaired tables may now fill a bucket
}

void Cluster::ReleaseIncremental(NodeId id, uint64_t session) {
  Node& n = node(id);
  DSIM_CHECK_MSG(n.up(), "incremental repair released on a down node");
  n.store().ReleaseIncrementalRepair(session);
  NoteFlushes(id);
  Compact(id);
}

void Cluster::ForEachPendingInRange(NodeId id, const engine::TokenRange& range, uint64_t session,
                                    absl::FunctionRef<void(const engine::Partition&)> fn) {
  CheckOk(node(id).store().ForEachPendingPartitionInRange(range, session, fn),
          "pending range scan");
  NoteQuarantines(id);
}

std::optional<engine::Partition> Cluster::Read(NodeId id, std::string_view key) {
  Node& n = node(id);
  DSIM_CHECK_MSG(n.up(), "a read on a down node");
  absl::StatusOr<std::optional<engine::Partition>> got = n.store().Read(key);
  CheckOk(got.status(), "read");
  NoteQuarantines(id);
  return *std::move(got);
}

std::optional<engine::Partition> Cluster::View(NodeId id, std::string_view key) {
  const uint64_t token = engine::Token(key);
  std::optional<engine::Partition> out;
  ForEachInRange(id, engine::TokenRange(token - 1, token), [&](const engine::Partition& p) {
    if (p.key() == key) out = p;
  });
  return out;
}

void Cluster::ForEachInRange(NodeId id, const engine::TokenRange& range,
                             absl::FunctionRef<void(const engine::Partition&)> fn) {
  CheckOk(node(id).store().ForEachPartitionInRange(range, fn), "range scan");
  NoteQuarantines(id);
}

void Cluster::Compact(NodeId id) {
  engine::Store& store = node(id).store();
  for (int round = 0; round < kMaxCompactionsPerTrigger; ++round) {
    const int64_t now_us = LocalMicros(id);
    absl::StatusOr<std::optional<engine::CompactionRecord>> r = store.MaybeCompact(now_us);
    CheckOk(r.status(), "compaction");
    NoteQuarantines(id);
    if (!r->has_value()) return;
    const engine::CompactionRecord& record = **r;
    // storage.purge_scans keeps the meaning it had when the cluster rescanned inputs for
    // purges itself: input SSTables holding tombstones, in compactions run once some tombstone
    // anywhere had passed gc_grace on this node's clock.
    if (min_tombstone_ldt_us_ != INT64_MAX &&
        now_us - store_options_.gc_grace_us > min_tombstone_ldt_us_) {
      for (const engine::CompactionInput& in : record.inputs) purge_scans_ += in.tombstones > 0;
    }
    oracle_->OnCompaction(id, record, scheduler_->now());
    if (ledger_ != nullptr) ledger_->OnCompaction(id, record);
  }
}

void Cluster::Crash(NodeId id, engine::CrashKind kind) {
  Node& n = node(id);
  if (!n.up()) {
    ++ignored_node_faults_;
    return;
  }
  ++crashes_;
  power_losses_ += kind == engine::CrashKind::kPowerLoss;
  ++nodes_down_;
  if (ledger_ == nullptr) {
    oracle_->OnReplicaLost(id, n.Crash(kind), scheduler_->now());
  } else {
    ledger_->BeforeCrash(id, n.MemtableKeys());
    oracle_->OnReplicaLost(id, n.Crash(kind), scheduler_->now());
    ledger_->AfterCrash(id, kind == engine::CrashKind::kPowerLoss);
    ledger_flushes_[id] = n.store().stats().flushes;
  }
  for (NodeStateListener* l : listeners_) l->OnNodeDown(id);
}

void Cluster::Restart(NodeId id) {
  Node& n = node(id);
  if (n.up()) {
    ++ignored_node_faults_;
    return;
  }
  ++restarts_;
  --nodes_down_;
  n.Restart();
  for (NodeStateListener* l : listeners_) l->OnNodeUp(id);
}

void Cluster::Replace(NodeId id) {
  Node& n = node(id);
  if (n.up()) Crash(id, engine::CrashKind::kProcess);
  ++replaces_;
  --nodes_down_;
  n.Replace();
  corruptions_wiped_ += corrupt_files_[id].size();
  corrupt_files_[id].clear();
  oracle_->OnReplicaWiped(id, scheduler_->now());
  if (ledger_ != nullptr) {
    ledger_->OnWiped(id);
    ledger_flushes_[id] = n.store().stats().flushes;
  }
  for (NodeStateListener* l : listeners_) l->OnNodeUp(id);
}

namespace {

// The statistics of every store the nodes have had (those a Replace retired included), summed
// in node order.
struct StoreTotals {
  uint64_t applied = 0, flushes = 0, compactions = 0, purged = 0, ingests = 0, ingested = 0;
  uint64_t bytes_written = 0, syncs = 0, replayed = 0, dropped = 0, reads = 0;
  uint64_t fp = 0, tn = 0, tp = 0;
  uint64_t anticompactions = 0, anticompaction_read = 0, claimed = 0, repaired = 0, released = 0;
  double expected_fp = 0;
  uint64_t hll_count = 0;  // compactions with an HLL estimate to check
  double hll_sum = 0, hll_max = 0;

  void Add(const engine::StoreStats& s) {
    applied += s.mutations_applied;
    flushes += s.flushes;
    compactions += s.compactions;
    purged += s.tombstones_purged;
    ingests += s.ingests;
    ingested += s.partitions_ingested;
    bytes_written += s.bytes_written();
    syncs += s.commitlog_syncs;
    replayed += s.records_replayed;
    dropped += s.records_dropped;
    reads += s.reads;
    fp += s.bloom_false_positives;
    tn += s.bloom_true_negatives;
    tp += s.bloom_true_positives;
    expected_fp += s.bloom_expected_false_positives;
    anticompactions += s.anticompactions;
    anticompaction_read += s.anticompaction_bytes_read;
    claimed += s.incremental_sstables_claimed;
    repaired += s.incremental_sstables_repaired;
    released += s.incremental_sstables_released;
    for (const engine::CompactionRecord& c : s.compaction_history) {
      if (c.merged_partitions == 0) continue;
      const double exact = static_cast<double>(c.merged_partitions);
      const double err = std::abs(c.hll_estimate - exact) / exact;
      ++hll_count;
      hll_sum += err;
      hll_max = std::max(hll_max, err);
    }
  }
};

void ExportBloomAndHll(const StoreTotals& t, double fp_configured, MetricSet* metrics) {
  metrics->Set("bloom.store_reads", t.reads, "reads");
  metrics->Set("bloom.queries.false_positives", t.fp, "queries");
  metrics->Set("bloom.queries.true_negatives", t.tn, "queries");
  metrics->Set("bloom.queries.true_positives", t.tp, "queries");
  metrics->Set("bloom.fp.configured", fp_configured, "ratio");
  if (t.fp + t.tn > 0) {
    const double absent = static_cast<double>(t.fp + t.tn);
    metrics->Set("bloom.fp.observed", static_cast<double>(t.fp) / absent, "ratio");
    metrics->Set("bloom.fp.theoretical", t.expected_fp / absent, "ratio");
    metrics->Set("bloom.queries.expected_false_positives", t.expected_fp, "queries");
  } else {
    metrics->SetNull("bloom.fp.observed", "ratio");
    metrics->SetNull("bloom.fp.theoretical", "ratio");
    metrics->Set("bloom.queries.expected_false_positives", 0.0, "queries");
  }

  metrics->Set("hll.compactions", t.hll_count, "count");
  if (t.hll_count > 0) {
    metrics->Set("hll.error.mean", t.hll_sum / static_cast<double>(t.hll_count), "ratio");
    metrics->Set("hll.error.max", t.hll_max, "ratio");
  } else {
    metrics->SetNull("hll.error.mean", "ratio");
    metrics->SetNull("hll.error.max", "ratio");
  }
}

}  // namespace

void Cluster::ExportTo(MetricSet* metrics) const {
  StoreTotals t;
  uint64_t sstables = 0, repaired_sstables = 0, disk_bytes = 0, dropped_mutations = 0;
  for (const auto& n : nodes_) {
    for (const engine::StoreStats& s : n->retired_stats()) t.Add(s);
    t.Add(n->store().stats());
    sstables += n->store().sstables().size();
    for (const auto& table : n->store().sstables()) {
      repaired_sstables += table->repair_state().status == engine::RepairStatus::kRepaired;
    }
    disk_bytes += n->disk().TotalBytes();
    dropped_mutations += n->mutations_dropped();
  }
  metrics->Set("storage.mutations_applied", t.applied, "mutations");
  metrics->Set("storage.flushes", t.flushes, "count");
  metrics->Set("storage.compactions", t.compactions, "count");
  metrics->Set("storage.tombstones_purged", t.purged, "cells");
  metrics->Set("storage.ingests", t.ingests, "sstables");
  metrics->Set("storage.partitions_ingested", t.ingested, "partitions");
  metrics->Set("storage.bytes_written", t.bytes_written, "bytes");
  metrics->Set("storage.commitlog_syncs", t.syncs, "count");
  metrics->Set("storage.commitlog_records_replayed", t.replayed, "records");
  metrics->Set("storage.commitlog_records_dropped", t.dropped, "records");
  metrics->Set("storage.sstables_end", sstables, "sstables");
  metrics->Set("storage.disk_bytes_end", disk_bytes, "bytes");
  metrics->Set("storage.purge_scans", purge_scans_, "sstables");
  metrics->Set("storage.incremental.anticompactions", t.anticompactions, "sstables");
  metrics->Set("storage.incremental.anticompaction_bytes_read", t.anticompaction_read, "bytes");
  metrics->Set("storage.incremental.sstables_claimed", t.claimed, "sstables");
  metrics->Set("storage.incremental.sstables_repaired", t.repaired, "sstables");
  metrics->Set("storage.incremental.sstables_released", t.released, "sstables");
  metrics->Set("storage.incremental.repaired_sstables_end", repaired_sstables, "sstables");
  ExportBloomAndHll(t, store_options_.bloom_fp_chance, metrics);

  metrics->Set("nodes.crashes", crashes_, "count");
  metrics->Set("nodes.power_losses", power_losses_, "count");
  metrics->Set("nodes.restarts", restarts_, "count");
  metrics->Set("nodes.replaces", replaces_, "count");
  metrics->Set("nodes.ignored_faults", ignored_node_faults_, "count");
  metrics->Set("nodes.down_end", uint64_t{nodes_down_}, "nodes");
  metrics->Set("nodes.mutations_dropped", dropped_mutations, "mutations");
  ExportCorruption(metrics);
}

}  // namespace dsim::sim
