#include "engine/commit_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "engine/check.h"
#include "engine/coding.h"
#include "engine/hash.h"

namespace dsim::engine {
namespace {

// XXH3_64 of the payload, seeded with its length so a damaged length field is caught too.
uint64_t RecordChecksum(std::string_view payload) {
  return XXH3_64bits_withSeed(payload.data(), payload.size(), payload.size());
}

bool IsSegment(std::string_view name, std::string_view prefix, uint64_t* id) {
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return false;
  const std::string_view digits = name.substr(prefix.size());
  return absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), id);
}

// Counts the records that can still be framed in `rest` (which starts at a bad record).
uint64_t CountFramedRecords(std::string_view rest) {
  uint64_t count = 0;
  while (!rest.empty()) {
    ++count;
    if (rest.size() < CommitLog::kHeaderBytes) break;
    const uint64_t len = DecodeFixed32(rest.data());
    if (len > rest.size() - CommitLog::kHeaderBytes) break;
    rest.remove_prefix(CommitLog::kHeaderBytes + len);
  }
  return count;
}

}  // namespace

CommitLog::CommitLog(Disk* disk, CommitLogOptions options)
    : disk_(disk), options_(std::move(options)) {
  DSIM_CHECK(disk_ != nullptr);
  DSIM_CHECK_MSG(options_.sync_period_us > 0, "commit log sync period must be positive");
}

std::string CommitLog::SegmentName(uint64_t id) const {
  return absl::StrFormat("%s%08d", options_.file_prefix, id);
}

absl::Status CommitLog::Open() {
  uint64_t max_id = 0;
  bool any = false;
  for (const std::string& name : disk_->List()) {
    uint64_t id = 0;
    if (IsSegment(name, options_.file_prefix, &id)) {
      max_id = any ? std::max(max_id, id) : id;
      any = true;
    }
  }
  next_id_ = any ? max_id + 1 : 0;
  active_ = SegmentName(next_id_++);
  records_since_sync_ = 0;
  // Create the segment durably (empty), so it exists after a power loss.
  if (absl::Status s = disk_->Append(active_, ""); !s.ok()) return s;
  return disk_->Sync(active_);
}

absl::StatusOr<bool> CommitLog::Append(const Mutation& mutation, int64_t now_us) {
  DSIM_CHECK_MSG(!active_.empty(), "CommitLog::Append before Open");
  scratch_.clear();
  PutFixed32(&scratch_, 0);  // length, patched below
  PutFixed64(&scratch_, 0);  // checksum, patched below
  mutation.partition.EncodeTo(&scratch_);
  const uint64_t payload_len = scratch_.size() - kHeaderBytes;
  DSIM_CHECK_MSG(payload_len <= kMaxPayloadBytes, "mutation too large for the commit log");
  std::string header;
  PutFixed32(&header, static_cast<uint32_t>(payload_len));
  PutFixed64(&header, RecordChecksum(std::string_view(scratch_).substr(kHeaderBytes)));
  scratch_.replace(0, kHeaderBytes, header);

  if (absl::Status s = disk_->Append(active_, scratch_); !s.ok()) return s;
  bytes_written_ += scratch_.size();
  ++records_since_sync_;
  if (options_.sync == CommitLogSync::kBatch) {
    if (options_.defect_batch_skips_sync) return true;
    if (absl::Status s = Sync(now_us); !s.ok()) return s;
    return true;
  }
  return false;
}

absl::Status CommitLog::Sync(int64_t now_us) {
  DSIM_CHECK(!active_.empty());
  if (absl::Status s = disk_->Sync(active_); !s.ok()) return s;
  records_since_sync_ = 0;
  last_sync_us_ = now_us;
  ++syncs_;
  return absl::OkStatus();
}

bool CommitLog::SyncDue(int64_t now_us) const {
  return options_.sync == CommitLogSync::kPeriodic && records_since_sync_ > 0 &&
         now_us >= NextSyncDueUs();
}

absl::Status CommitLog::DiscardAndRoll() {
  for (const std::string& name : disk_->List()) {
    uint64_t id = 0;
    if (IsSegment(name, options_.file_prefix, &id)) {
      if (absl::Status s = disk_->Delete(name); !s.ok()) return s;
    }
  }
  active_ = SegmentName(next_id_++);
  records_since_sync_ = 0;
  if (absl::Status s = disk_->Append(active_, ""); !s.ok()) return s;
  return disk_->Sync(active_);
}

absl::StatusOr<ReplayResult> CommitLog::Replay(Disk* disk, std::string_view prefix,
                                               absl::FunctionRef<void(Mutation&&)> apply) {
  ReplayResult result;
  std::string data;
  for (const std::string& name : disk->List()) {  // sorted, so ids in order (fixed width)
    uint64_t id = 0;
    if (!IsSegment(name, prefix, &id)) continue;
    ++result.segments;
    absl::StatusOr<uint64_t> size = disk->Size(name);
    if (!size.ok()) return size.status();
    if (absl::Status s = disk->Read(name, 0, *size, &data); !s.ok()) return s;
    std::string_view rest = data;
    while (!rest.empty()) {
      bool good = rest.size() >= kHeaderBytes;
      uint64_t len = 0;
      if (good) {
        len = DecodeFixed32(rest.data());
        good = len <= kMaxPayloadBytes && len <= rest.size() - kHeaderBytes;
      }
      absl::StatusOr<Mutation> mutation = absl::DataLossError("torn record");
      if (good) {
        const std::string_view payload = rest.substr(kHeaderBytes, len);
        good = RecordChecksum(payload) == DecodeFixed64(rest.data() + 4);
        if (good) mutation = Mutation::Decode(payload);
        good = good && mutation.ok();
      }
      if (!good) {
        result.records_dropped += CountFramedRecords(rest);
        result.bytes_dropped += rest.size();
        break;
      }
      apply(*std::move(mutation));
      ++result.records_replayed;
      rest.remove_prefix(kHeaderBytes + len);
    }
  }
  return result;
}

}  // namespace dsim::engine
