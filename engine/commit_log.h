// CommitLog: the append-only, checksummed write-ahead log of a store.
//
// Every mutation is appended as one record before it reaches the memtable. Records live in
// segment files "<prefix><8-digit id>"; the active segment is the one with the highest id.
//
// Record format (little-endian):
//   fixed32 payload_len | fixed64 checksum | payload (Mutation encoding, payload_len bytes)
//   checksum = XXH3_64 of the payload, seeded with payload_len (so the length is covered too).
//
// Sync policy (Cassandra's commitlog_sync):
//   - kBatch: Append syncs before it returns, so every acknowledged record is durable.
//   - kPeriodic: Append only buffers; the owner calls Sync every sync_period_us (SyncDue tells
//     when). A power loss drops exactly the records appended since the last Sync.
//
// Replay reads every segment in id order and applies each intact record. Within a segment it
// stops at the first record that is torn (shorter than its header or its declared length) or
// corrupt (checksum or payload mismatch), and counts as dropped that record plus every
// record that can still be framed after it by its length fields; a frame whose length runs
// past the end of the segment counts as one. Later segments are still replayed (merge is
// order-independent, so that is safe).
//
//   CommitLog log(&disk, {CommitLogSync::kBatch});
//   DSIM_CHECK(log.Open().ok());
//   absl::StatusOr<bool> durable = log.Append(mutation, now_us);
#ifndef DSIM_ENGINE_COMMIT_LOG_H_
#define DSIM_ENGINE_COMMIT_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/disk.h"
#include "engine/mutation.h"

namespace dsim::engine {

enum class CommitLogSync {
  kPeriodic,  // acknowledge at once, sync every period: a crash loses up to one period
  kBatch,     // sync before acknowledging: a crash loses nothing acknowledged
};

struct CommitLogOptions {
  CommitLogSync sync = CommitLogSync::kPeriodic;
  int64_t sync_period_us = 10'000'000;  // Cassandra's commitlog_sync_period default: 10 s
  std::string file_prefix = "commitlog-";
  // Test only: a deliberate defect for testing the checkers (sim/check/), never on in a real
  // configuration. kBatch then acknowledges a record as durable without syncing it.
  bool defect_batch_skips_sync = false;
};

struct ReplayResult {
  uint64_t segments = 0;
  uint64_t records_replayed = 0;
  uint64_t records_dropped = 0;  // torn or corrupt records and the framed records after them
  uint64_t bytes_dropped = 0;    // bytes from the first bad record to the end of its segment
};

class CommitLog {
 public:
  static constexpr size_t kHeaderBytes = 12;
  // Largest record payload accepted on replay; longer declared lengths are corruption.
  static constexpr uint64_t kMaxPayloadBytes = 64u << 20;

  // REQUIRES: `disk` outlives the log.
  CommitLog(Disk* disk, CommitLogOptions options);

  // Starts a new active segment after every existing one. Call once before Append.
  [[nodiscard]] absl::Status Open();

  // Appends one record. Returns true if the record is durable on return (always under
  // kBatch, never under kPeriodic). REQUIRES: Open() succeeded.
  [[nodiscard]] absl::StatusOr<bool> Append(const Mutation& mutation, int64_t now_us);

  // Makes every appended record durable.
  [[nodiscard]] absl::Status Sync(int64_t now_us);

  // True under kPeriodic when now_us >= last sync + sync_period_us and records are pending.
  bool SyncDue(int64_t now_us) const;
  int64_t NextSyncDueUs() const { return last_sync_us_ + options_.sync_period_us; }

  // Deletes every segment (their content is now in a synced SSTable) and starts a new active
  // segment.
  [[nodiscard]] absl::Status DiscardAndRoll();

  // Reads every segment with `prefix` on `disk` and calls `apply` for each intact record.
  [[nodiscard]] static absl::StatusOr<ReplayResult> Replay(
      Disk* disk, std::string_view prefix, absl::FunctionRef<void(Mutation&&)> apply);

  const CommitLogOptions& options() const { return options_; }
  const std::string& active_segment() const { return active_; }
  uint64_t records_since_sync() const { return records_since_sync_; }
  uint64_t bytes_written() const { return bytes_written_; }
  uint64_t syncs() const { return syncs_; }

 private:
  std::string SegmentName(uint64_t id) const;

  Disk* disk_;
  CommitLogOptions options_;
  std::string active_;
  uint64_t next_id_ = 0;
  uint64_t records_since_sync_ = 0;
  int64_t last_sync_us_ = 0;
  uint64_t bytes_written_ = 0;
  uint64_t syncs_ = 0;
  std::string scratch_;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_COMMIT_LOG_H_
