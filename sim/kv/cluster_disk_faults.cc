// Cluster: disk faults. A corrupt_sstable fault flips one bit of one data block of one of a
// node's SSTables, at rest; the store's checksums find it when something reads the block
// (a client read, a repair's validation or stream, a compaction, a verify action) and
// quarantine the table
// (engine/store.h, "Corruption"), and a repair brings the data back from the other replicas.
// The oracle hears of both: at the flip, the block's keys can no longer be served by the
// replica; at the quarantine, the whole table's are gone. Its reads (OracleView) leave a corrupt
// table out without quarantining anything, so the oracle never steers when detection happens.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/check.h"
#include "engine/token.h"
#include "sim/core/random.h"
#include "sim/kv/cluster.h"

namespace dsim::sim {

void Cluster::CorruptSSTable(NodeId id, size_t fault_index) {
  Node& n = node(id);
  const std::vector<std::unique_ptr<engine::SSTable>>& tables = n.store().sstables();
  if (tables.empty()) {
    ++ignored_node_faults_;  // nothing at rest to flip
    return;
  }
  Rng rng(StreamSeed(scenario_.simulation.seed, "disk_faults", fault_index));
  const engine::SSTable& table = *tables[rng.Bounded(tables.size())];
  const size_t block = rng.Bounded(table.index().size());
  const engine::SSTable::IndexEntry& e = table.index()[block];
  const uint64_t offset = e.offset + rng.Bounded(e.size);
  const uint8_t mask = static_cast<uint8_t>(1u << rng.Bounded(8));
  const absl::Status flipped = n.mutable_disk().FlipByte(table.name(), offset, mask);
  DSIM_CHECK_MSG(flipped.ok(), "flipping a bit of a live SSTable");
  // One corruption per file: a second flip in a table not yet detected is the same detection.
  if (corrupt_files_[id].insert(table.name()).second) ++corruptions_injected_;
  // The block's partitions: tokens after the previous block's last, up to this block's last.
  const uint64_t lo = block == 0 ? table.metadata().min_token : table.index()[block - 1].last_token;
  const std::vector<std::string> keys = KeysInSpan(id, lo, e.last_token);
  oracle_->OnReplicaLost(id, keys, scheduler_->now());
  if (ledger_ != nullptr) ledger_->OnCorrupted(id, keys);
}

void Cluster::Verify(NodeId id) {
  Node& n = node(id);
  if (!n.up()) {
    ++verify_skipped_down_;
    return;
  }
  const engine::Store::VerifyReport report = n.store().Verify();
  verified_sstables_ += report.sstables_checked;
  verified_bytes_ += report.bytes_read;
  NoteQuarantines(id);
}

void Cluster::NoteQuarantines(NodeId id) {
  for (const engine::QuarantinedSSTable& q : node(id).store().TakeQuarantined()) {
    ++corruptions_detected_;
    quarantined_partitions_ += q.partition_count;
    // Only an injected flip makes a checksum fail on a MemDisk.
    DSIM_CHECK_MSG(corrupt_files_[id].erase(q.name) == 1, "a quarantine without a corruption");
    const std::vector<std::string> keys = KeysInSpan(id, q.min_token, q.max_token);
    oracle_->OnReplicaLost(id, keys, scheduler_->now());
    if (ledger_ != nullptr) ledger_->OnCorrupted(id, keys);
  }
}

std::vector<std::string> Cluster::KeysInSpan(NodeId id, uint64_t lo, uint64_t hi) const {
  std::vector<std::string> keys;
  for (uint64_t k = 0; k < scenario_.workload.kv.keys; ++k) {
    std::string key = KvKey(k);
    const uint64_t token = engine::Token(key);
    if (token < lo || token > hi) continue;
    const absl::Span<const NodeId> replicas = ring_->Replicas(ring_->SegmentOf(token));
    if (std::find(replicas.begin(), replicas.end(), id) == replicas.end()) continue;
    keys.push_back(std::move(key));
  }
  return keys;
}

std::optional<engine::Partition> Cluster::OracleView(NodeId id, std::string_view key) {
  const uint64_t token = engine::Token(key);
  std::optional<engine::Partition> out;
  const absl::Status s = node(id).store().ViewPartitionsInRange(
      engine::TokenRange(token - 1, token), [&](const engine::Partition& p) {
        if (p.key() == key) out = p;
      });
  DSIM_CHECK_MSG(s.ok(), "an oracle view of a replica failed");
  return out;
}

void Cluster::ExportCorruption(MetricSet* metrics) const {
  uint64_t undetected = 0;
  for (const absl::btree_set<std::string>& files : corrupt_files_) undetected += files.size();
  metrics->Set("storage.corruption.injected", corruptions_injected_, "sstables");
  metrics->Set("storage.corruption.detected", corruptions_detected_, "sstables");
  metrics->Set("storage.corruption.undetected", undetected, "sstables");
  metrics->Set("storage.corruption.wiped_undetected", corruptions_wiped_, "sstables");
  metrics->Set("storage.corruption.quarantined_partitions", quarantined_partitions_, "partitions");
  metrics->Set("storage.corruption.fetched_files_rejected", fetched_files_rejected_, "files");
  metrics->Set("storage.verify.sstables_checked", verified_sstables_, "sstables");
  metrics->Set("storage.verify.bytes_read", verified_bytes_, "bytes");
  metrics->Set("storage.verify.skipped_down", verify_skipped_down_, "nodes");
}

}  // namespace dsim::sim
