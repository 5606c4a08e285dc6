// [storage], [repair], [metrics] and [checks] of the key table (key_table.h): the sections of flat
// keys.
#include "absl/strings/str_cat.h"
#include "engine/merkle_tree.h"
#include "sim/scenario/key_table.h"

namespace dsim::sim::scenario_keys {

void ReadStorage(Section s, Scenario* sc) {
  StorageConfig& st = sc->storage;
  s.Size("memtable_flush_threshold", &st.memtable_flush_threshold_bytes, 1024, uint64_t{1} << 40,
         "a memtable is flushed to an SSTable once it holds this much");
  s.Double("bloom_fp_chance", &st.bloom_fp_chance, 1e-9, 0.999,
           "target false-positive chance of every SSTable's Bloom filter");
  s.Duration("gc_grace", &st.gc_grace, 0, 10 * kYear,
             "compaction purges tombstones older than this (gc_grace_seconds)");
  s.Uint32("compaction_min_threshold", &st.compaction_min_threshold, 2, 1024,
           "size-tiered compaction merges a bucket once it has this many SSTables");
  s.Uint32("compaction_max_threshold", &st.compaction_max_threshold, 2, 1024,
           "and at most this many at once");
  s.Uint32("hll_precision", &st.hll_precision, 4, 18, "HyperLogLog precision p (2^p registers)");
  s.Enum("commitlog_sync", &st.commitlog_sync,
         {{"periodic", StorageConfig::CommitlogSync::kPeriodic},
          {"batch", StorageConfig::CommitlogSync::kBatch}},
         "\"periodic\": sync every commitlog_sync_period, a crash loses what came since; "
         "\"batch\": acknowledge a write only once synced");
  s.Duration("commitlog_sync_period", &st.commitlog_sync_period, 1, kHour,
             "periodic: time between syncs");
  s.Enum("test_defect", &st.test_defect,
         {{"none", StorageConfig::TestDefect::kNone},
          {"batch_skips_sync", StorageConfig::TestDefect::kBatchSkipsSync}},
         "test only, a deliberate bug for testing the checkers: \"batch_skips_sync\": the batch "
         "commit log acknowledges writes without syncing them");
  if (st.compaction_min_threshold > st.compaction_max_threshold) {
    s.ErrorAtKeys(
        "compaction_max_threshold", {"compaction_min_threshold"},
        absl::StrCat("is ", st.compaction_max_threshold, ", below compaction_min_threshold (",
                     st.compaction_min_threshold, ")"));
  }
  s.Finish();
}

void ReadRepair(Section s, Scenario* sc) {
  RepairConfig& r = sc->repair;
  s.Choice("strategy", &r.strategy, {kRepairStrategyNames.begin(), kRepairStrategyNames.end()},
           "the reconciliation protocol: merkle (Cassandra's validation trees), row_level "
           "(ScyllaDB's row-level repair), riblt (rateless IBLT set reconciliation of the rows, "
           "then row-level summaries and transfers), range_sync (range-based set reconciliation "
           "of row digests, Negentropy style, then row-level summaries and transfers)");
  s.Uint32("row_set_rows", &r.row_set_rows, 1, 1'000'000,
           "row_level: rows per row set, the unit whose hashes are compared before rows are");
  s.Duration("interval", &r.interval, 0, kYear,
             "run a full repair every interval (0: only repairs in the fault schedule)");
  s.Duration("start", &r.start, 0, kYear, "time of the first periodic repair");
  s.Uint32("merkle_depth", &r.merkle_depth, 0, engine::MerkleTree::kMaxDepth,
           "fixed Merkle tree depth (2^depth leaves); 0: Cassandra's rule, min(merkle_max_depth, "
           "ceil(log2(estimated partitions)))");
  s.Uint32("merkle_max_depth", &r.merkle_max_depth, 1, engine::MerkleTree::kMaxDepth,
           "cap of the depth rule");
  s.Uint32("concurrency", &r.concurrency, 1, 1'000'000,
           "token ranges a repair session works on at once");
  s.Uint32("subranges", &r.subranges, 1, 1 << 16,
           "subrange repair: each ring segment of a repair job is cut into this many ranges of "
           "equal width, each repaired by a session of its own (trees, hashes, summaries per "
           "subrange)");
  s.Choice("chunking", &r.chunking, {"cdc", "fixed"},
           "sstable_dag: how SSTables are cut into chunks: cdc (FastCDC content-defined chunks "
           "between chunk_min and chunk_max, chunk_size on average) or fixed (chunk_size each)");
  s.Size("chunk_min", &r.chunk_min_bytes, engine::ChunkingOptions::kMinChunkBytes,
         engine::ChunkingOptions::kMaxChunkBytes, "sstable_dag, cdc: the smallest chunk");
  s.Size("chunk_size", &r.chunk_bytes, engine::ChunkingOptions::kMinChunkBytes,
         engine::ChunkingOptions::kMaxChunkBytes,
         "sstable_dag: cdc's normal chunk size (a power of two), or fixed's chunk size");
  s.Size("chunk_max", &r.chunk_max_bytes, engine::ChunkingOptions::kMinChunkBytes,
         engine::ChunkingOptions::kMaxChunkBytes, "sstable_dag, cdc: the largest chunk");
  if (r.chunking == "cdc") {
    if (r.chunk_min_bytes > r.chunk_bytes) {
      s.ErrorAtKeys(
          "chunk_min", {"chunk_size"},
          absl::StrCat("is ", r.chunk_min_bytes, " bytes, above chunk_size (", r.chunk_bytes, ")"));
    } else if (r.chunk_bytes > r.chunk_max_bytes) {
      s.ErrorAtKeys(
          "chunk_max", {"chunk_size"},
          absl::StrCat("is ", r.chunk_max_bytes, " bytes, below chunk_size (", r.chunk_bytes, ")"));
    } else if ((r.chunk_bytes & (r.chunk_bytes - 1)) != 0) {
      s.ErrorAtKey("chunk_size",
                   absl::StrCat("cdc needs a power of two (got ", r.chunk_bytes, " bytes)"));
    }
  }
  s.Bool("incremental", &r.incremental,
         "Cassandra 4.0 incremental repair (merkle only): each session claims the unrepaired "
         "data of its range (anticompacting SSTables that straddle it), validates only that, "
         "and marks it repaired when it completes, so the next repair reads only newer data");
  s.Size("session_space", &r.session_space_bytes, 0, uint64_t{1} << 40,
         "Cassandra 4.0's repair_session_space: memory for the trees a session holds (one per "
         "replica); merkle's depth rule caps each tree to fit its share (0: no cap)");
  s.Bandwidth("validation_throughput", &r.validation_bytes_per_sec,
              "rate at which a replica reads its data to build a Merkle tree (simulated cost)");
  s.Bandwidth("stream_throughput", &r.stream_bytes_per_sec,
              "rate at which a node streams repair data (links may limit it further)");
  s.Finish();
}

void ReadMetrics(Section s, Scenario* sc) {
  s.Duration("sample_interval", &sc->metrics.sample_interval, 0, kYear,
             "interval between rows of timeseries.csv (0: no time series)");
  s.Bool("require_convergence", &sc->metrics.require_convergence,
         "dsim run exits with code 5 when divergent cells remain at the end (a liveness gate)");
  s.Finish();
}

void ReadChecks(Section s, Scenario* sc) {
  ChecksConfig& c = sc->checks;
  s.Bool("lost_writes", &c.lost_writes,
         "dsim run exits 6 when acknowledged writes are lost (data_loss.cells > 0) although the "
         "configuration promises none (sim/check/checks.h): power losses only under batch "
         "sync, fewer replaces than a write's acknowledgements (W), and no tombstone purged "
         "before the run ends (gc_grace beyond it, clock offsets, drift and jumps included)");
  s.Bool("zombies", &c.zombies,
         "dsim run exits 7 when deleted data comes back (zombies.cells > 0) although the "
         "configuration promises none: as for lost_writes (a zombie is a delete lost)");
  s.Duration("liveness_within", &c.liveness_within, 0, kYear,
             "dsim run exits 8 unless the run converges (convergence.time set) within this long "
             "of the last fault or mark, when promised: every node up at the end, every network "
             "fault and drop_mutations window over, a full repair after them, nothing lost as "
             "for lost_writes (0: off)");
  s.Bool("stale_reads", &c.stale_reads,
         "dsim run exits 9 when a read misses a write acknowledged before it began (reads.stale "
         "> 0) although the configuration promises none: reads and writes overlap (R + W > "
         "RF), nothing lost as for lost_writes, and no node is replaced");
  s.Bool(
      "ledger", &c.ledger,
      "keep an independent ledger of what each replica holds durably (sim/oracle/ledger.h): "
      "every crash must change a replica exactly as the commit-log contract allows, and the "
      "ledger's recount of lost updates, data loss and zombies must equal the oracle's; dsim run "
      "exits 10 on any disagreement (ledger.disagreements > 0)");
  s.Finish();
}

}  // namespace dsim::sim::scenario_keys
