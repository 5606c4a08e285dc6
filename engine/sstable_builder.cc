#include "engine/sstable_builder.h"

#include <algorithm>
#include <utility>

#include "engine/check.h"
#include "engine/coding.h"
#include "engine/hash.h"
#include "engine/sstable_format.h"

namespace dsim::engine {

namespace fmt = sstable_format;

SSTableBuilder::SSTableBuilder(const SSTableOptions& options, uint64_t expected_partitions)
    : options_(options),
      bloom_(BloomFilter::ForCapacity(expected_partitions, options.bloom_fp_chance)),
      hll_(options.hll_precision) {
  DSIM_CHECK(options_.block_size_bytes > 0);
}

void SSTableBuilder::Add(const Partition& partition) {
  DSIM_CHECK(!finished_);
  DSIM_CHECK_MSG(!partition.empty(), "SSTables hold no empty partitions");
  const uint64_t token = partition.token();
  if (partition_count_ > 0) {
    DSIM_CHECK_MSG(PartitionKeyLess(last_token_, last_key_, token, partition.key()),
                   "SSTableBuilder::Add out of order");
  }
  entry_.clear();
  PutFixed64(&entry_, token);
  partition.EncodeTo(&entry_);
  PutVarint64(&block_, entry_.size());
  block_.append(entry_);

  bloom_.AddHash(token);
  hll_.AddHash(HyperLogLog::SpreadToken(token));
  const int64_t min_ts = partition.MinTimestampUs();
  const int64_t max_ts = partition.MaxTimestampUs();
  if (partition_count_ == 0) {
    min_timestamp_us_ = min_ts;
    max_timestamp_us_ = max_ts;
    min_token_ = token;
  } else {
    min_timestamp_us_ = std::min(min_timestamp_us_, min_ts);
    max_timestamp_us_ = std::max(max_timestamp_us_, max_ts);
  }
  max_token_ = token;
  for (const auto& [name, cell] : partition.cells()) tombstone_count_ += cell.tombstone ? 1 : 0;
  cell_count_ += partition.cell_count();
  ++partition_count_;
  last_token_ = token;
  last_key_ = partition.key();
  if (block_.size() >= options_.block_size_bytes) FlushBlock();
}

void SSTableBuilder::FlushBlock() {
  if (block_.empty()) return;
  const uint64_t offset = file_.size();
  fmt::AppendBlock(&file_, block_);
  PutVarint64(&index_entries_, offset);
  PutVarint64(&index_entries_, file_.size() - offset);
  PutFixed64(&index_entries_, last_token_);
  PutLengthPrefixed(&index_entries_, last_key_);
  ++block_count_;
  block_.clear();
}

std::string SSTableBuilder::Finish() {
  DSIM_CHECK(!finished_);
  finished_ = true;
  FlushBlock();

  std::string footer;
  auto append_meta = [&](std::string_view payload) {
    PutFixed64(&footer, file_.size());
    PutFixed64(&footer, payload.size() + fmt::kBlockTrailerBytes);
    fmt::AppendBlock(&file_, payload);
  };
  std::string index;
  PutVarint64(&index, block_count_);
  index.append(index_entries_);
  append_meta(index);
  append_meta(bloom_.Serialize());
  append_meta(hll_.Serialize());
  std::string stats;
  PutVarint64(&stats, partition_count_);
  PutVarint64(&stats, cell_count_);
  PutVarint64(&stats, tombstone_count_);
  PutFixed64(&stats, static_cast<uint64_t>(min_timestamp_us_));
  PutFixed64(&stats, static_cast<uint64_t>(max_timestamp_us_));
  PutFixed64(&stats, min_token_);
  PutFixed64(&stats, max_token_);
  append_meta(stats);

  const Digest128 digest = Hash128(file_);
  PutFixed64(&footer, digest.low);
  PutFixed64(&footer, digest.high);
  PutFixed64(&footer, Hash64(footer));
  PutFixed64(&footer, fmt::kMagic);
  DSIM_CHECK(footer.size() == fmt::kFooterBytes);
  file_.append(footer);
  return std::move(file_);
}

}  // namespace dsim::engine
