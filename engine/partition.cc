#include "engine/partition.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "engine/check.h"
#include "engine/coding.h"
#include "engine/token.h"

namespace dsim::engine {

Partition::Partition(std::string key) : key_(std::move(key)), token_(Token(key_)) {}

void Partition::Put(std::string_view column, const Cell& cell) {
  auto it = cells_.find(std::string(column));
  if (it == cells_.end()) {
    cells_.emplace(std::string(column), cell);
  } else {
    MergeInto(&it->second, cell);
  }
}

void Partition::MergeFrom(const Partition& other) {
  DSIM_CHECK_MSG(other.key_ == key_, "merging partitions with different keys");
  for (const auto& [name, cell] : other.cells_) {
    auto hint = cells_.lower_bound(name);
    if (hint != cells_.end() && hint->first == name) {
      MergeInto(&hint->second, cell);
    } else {
      cells_.emplace_hint(hint, name, cell);
    }
  }
}

void Partition::Erase(std::string_view column) { cells_.erase(std::string(column)); }

int64_t Partition::ByteSize() const {
  int64_t bytes = static_cast<int64_t>(key_.size()) + kPartitionOverheadBytes;
  for (const auto& [name, cell] : cells_) {
    bytes += static_cast<int64_t>(name.size() + cell.value.size()) + kCellOverheadBytes;
  }
  return bytes;
}

int64_t Partition::MinTimestampUs() const {
  DSIM_CHECK(!cells_.empty());
  int64_t ts = cells_.begin()->second.timestamp_us;
  for (const auto& [name, cell] : cells_) ts = std::min(ts, cell.timestamp_us);
  return ts;
}

int64_t Partition::MaxTimestampUs() const {
  DSIM_CHECK(!cells_.empty());
  int64_t ts = cells_.begin()->second.timestamp_us;
  for (const auto& [name, cell] : cells_) ts = std::max(ts, cell.timestamp_us);
  return ts;
}

void Partition::EncodeTo(std::string* out) const {
  PutLengthPrefixed(out, key_);
  PutVarint64(out, cells_.size());
  for (const auto& [name, cell] : cells_) {
    PutLengthPrefixed(out, name);
    PutLengthPrefixed(out, cell.value);
    PutFixed64(out, static_cast<uint64_t>(cell.timestamp_us));
    out->push_back(cell.tombstone ? 1 : 0);
    PutFixed64(out, static_cast<uint64_t>(cell.local_deletion_time_us));
  }
}

std::string Partition::Encode() const {
  std::string out;
  EncodeTo(&out);
  return out;
}

absl::StatusOr<Partition> Partition::DecodeFrom(std::string_view* in) {
  std::string_view key;
  uint64_t count = 0;
  if (!GetLengthPrefixed(in, &key) || !GetVarint64(in, &count)) {
    return absl::DataLossError("partition: truncated header");
  }
  // Each cell takes at least 19 bytes; reject counts the input cannot hold before looping.
  if (count > in->size() / 19) return absl::DataLossError("partition: cell count too large");
  Partition p{std::string(key)};
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name, value;
    uint64_t ts = 0, ldt = 0;
    uint8_t flags = 0;
    if (!GetLengthPrefixed(in, &name) || !GetLengthPrefixed(in, &value) || !GetFixed64(in, &ts) ||
        !GetByte(in, &flags) || !GetFixed64(in, &ldt)) {
      return absl::DataLossError("partition: truncated cell");
    }
    if (flags > 1) return absl::DataLossError("partition: bad cell flags");
    if (!p.cells_.empty() && !(std::prev(p.cells_.end())->first < name)) {
      return absl::DataLossError("partition: columns out of order");
    }
    p.cells_.emplace_hint(
        p.cells_.end(), std::string(name),
        Cell{std::string(value), static_cast<int64_t>(ts), flags == 1, static_cast<int64_t>(ldt)});
  }
  return p;
}

Digest128 Partition::Digest() const {
  std::string buf;
  EncodeTo(&buf);
  return Hash128(buf);
}

Partition Merge(const Partition& a, const Partition& b) {
  Partition out = a;
  out.MergeFrom(b);
  return out;
}

}  // namespace dsim::engine
